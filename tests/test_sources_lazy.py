"""checker.sources loads SQLAlchemy only when a SQL source is asked for (PEP 562 ``__getattr__``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import checker.sources
from checker.sources import sql_source


def test_the_package_gives_the_sql_source_it_always_gave() -> None:
    from checker.sources import SqlSource, read_query  # noqa: PLC0415 - the import is what is tested

    assert SqlSource is sql_source.SqlSource
    assert read_query is sql_source.read_query
    assert set(checker.sources.__all__) == {"CsvSource", "Source", "SourceError", "SqlSource", "read_query"}
    with pytest.raises(AttributeError, match="no attribute 'SqlSauce'"):
        _ = checker.sources.SqlSauce  # type: ignore[attr-defined]


def test_csv_sources_do_not_import_sqlalchemy() -> None:
    probe = ("import sys; from checker.sources import CsvSource, Source, SourceError; "
             "import checker.sources.validation; print('sqlalchemy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
