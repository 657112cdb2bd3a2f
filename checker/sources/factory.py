"""Opening the source a command asked for: CSV paths given directly, or a named source in settings.

A named source is a base (``[sources.NAME]``, one of the kinds of ``checker/sources/registry.py``) and the
supplements it names (``[supplements.NAME]``), joined by ``checker.sources.composed``. Each kind's module
is imported only when its kind is used (SQLAlchemy, openpyxl).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

from checker.settings import EntraSupplementSettings, EventsSupplementSettings, Settings
from checker.sources.base import Source, SourceError
from checker.sources.csv_source import CsvSource
from checker.sources.registry import BASE_KINDS


def open_base(settings: Settings, entry: Any) -> Source:
    """The base of a named source, opened by its kind's opener (``checker/sources/registry.py``)."""
    module, function = BASE_KINDS[entry.kind].split(":")
    opener: Callable[[Settings, Any], Source] = getattr(import_module(module), function)
    return opener(settings, entry)


def _events(settings: Settings, name: str, entry: EventsSupplementSettings) -> Any:
    from checker.sources.events import EventsSupplement  # noqa: PLC0415 - only for a source with supplements

    if entry.cases is not None:
        disputes = settings.resolve(entry.disputes) if entry.disputes else None
        return EventsSupplement(name, CsvSource(settings.resolve(entry.cases), disputes))
    from checker.sources.sql_source import SqlSource, read_query  # noqa: PLC0415 - SQLAlchemy only for a query

    if entry.url is None or entry.cases_query is None:  # pragma: no cover - the settings model checks both
        raise SourceError(f"supplement {name!r} needs url and cases_query")
    disputes_query = read_query(settings.resolve(entry.disputes_query)) if entry.disputes_query else None
    return EventsSupplement(name, SqlSource(entry.url.get_secret_value(),
                                            read_query(settings.resolve(entry.cases_query)), disputes_query))


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
    base = open_base(settings, entry)
    if not entry.supplements:
        return base
    from checker.sources.composed import ComposedSource  # noqa: PLC0415 - only for a source with supplements
    from checker.sources.staff import DirectoryReader, StaffDirectory  # noqa: PLC0415 - only for a source with supplements

    events: list[Any] = []
    staff: DirectoryReader | None = None
    for part in entry.supplements:
        supplement = settings.supplements.get(part)
        if supplement is None:
            known = ", ".join(sorted(settings.supplements)) or "none are configured"
            raise SourceError(f"source {name!r} names the supplement {part!r}, but there is no [supplements.{part}] "
                              f"in settings; known supplements: {known}")
        if isinstance(supplement, EventsSupplementSettings):
            events.append(_events(settings, part, supplement))
        elif staff is not None:
            raise SourceError(f"source {name!r} names two staff directories; give it one")
        elif isinstance(supplement, EntraSupplementSettings):
            from checker.sources.entra import open_entra  # noqa: PLC0415 - Graph only for an Entra directory

            staff = open_entra(settings, part, supplement)
        else:
            staff = StaffDirectory(part, settings.resolve(supplement.path))
    return ComposedSource(base, events, staff)


def open_source(settings: Settings, cases: Path | None, disputes: Path | None, source: str | None) -> Source:
    if cases is not None and source is not None:
        raise SourceError("give either --cases (with --disputes) or --source, not both")
    if cases is not None:
        return CsvSource(cases, disputes)
    if disputes is not None:
        raise SourceError("--disputes needs --cases as well")
    return named_source(settings, source)


def dispose(source: object) -> None:
    """Release the database connections a source (or any part of it) holds."""
    engine = getattr(source, "engine", None)
    if engine is not None:
        engine.dispose()
    close = getattr(source, "close", None)  # a Graph directory's HTTP client
    if callable(close):
        close()
    for part in (getattr(source, "base", None), getattr(source, "reader", None), *getattr(source, "events", ()),
                 getattr(source, "staff", None)):
        if part is not None:
            dispose(part)
