"""Where case records come from: CSV files or a SQL database, behind one small interface.

``SqlSource`` and ``read_query`` are imported on first use (PEP 562), so reading CSV files does not
load SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checker.sources.base import Source, SourceError
from checker.sources.csv_source import CsvSource

if TYPE_CHECKING:
    from checker.sources.sql_source import SqlSource, read_query

__all__ = ["CsvSource", "Source", "SourceError", "SqlSource", "read_query"]


def __getattr__(name: str) -> Any:
    if name in ("SqlSource", "read_query"):
        from checker.sources import sql_source  # noqa: PLC0415 - SQLAlchemy only when a SQL source is used

        return getattr(sql_source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
