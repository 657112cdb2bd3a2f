"""Opening the source a command asked for: CSV paths given directly, or a named source in settings."""

from __future__ import annotations

from pathlib import Path

from checker.settings import CsvSourceSettings, Settings
from checker.sources.base import Source, SourceError
from checker.sources.csv_source import CsvSource


def named_source(settings: Settings, name: str | None) -> Source:
    """The source called ``name`` in settings (or the default source when ``name`` is ``None``)."""
    name = name or settings.default_source
    if name is None:
        raise SourceError(
            "no source given: pass --cases FILE (and --disputes FILE), or --source NAME with a source "
            "configured in settings (see config/settings.example.toml)"
        )
    entry = settings.sources.get(name)
    if entry is None:
        known = ", ".join(sorted(settings.sources)) or "none are configured"
        raise SourceError(f"no source named {name!r} in settings; known sources: {known}")
    if isinstance(entry, CsvSourceSettings):
        disputes = settings.resolve(entry.disputes) if entry.disputes else None
        return CsvSource(settings.resolve(entry.cases), disputes)
    from checker.sources.sql_source import SqlSource, read_query  # noqa: PLC0415 - SQLAlchemy only for a SQL source

    disputes_query = read_query(settings.resolve(entry.disputes_query)) if entry.disputes_query else None
    return SqlSource(entry.url.get_secret_value(), read_query(settings.resolve(entry.cases_query)),
                     disputes_query)


def open_source(settings: Settings, cases: Path | None, disputes: Path | None, source: str | None) -> Source:
    if cases is not None and source is not None:
        raise SourceError("give either --cases (with --disputes) or --source, not both")
    if cases is not None:
        return CsvSource(cases, disputes)
    if disputes is not None:
        raise SourceError("--disputes needs --cases as well")
    return named_source(settings, source)
