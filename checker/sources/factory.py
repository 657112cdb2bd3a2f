"""Opening the source a command asked for: CSV paths given directly, or a named source in settings.

A named source is a base (``[sources.NAME]``, one of the kinds of ``checker/sources/registry.py``) and the
supplements it names (``[supplements.NAME]``, kinds of the same registry), joined by
``checker.sources.composed``. Each kind's module is imported only when its kind is used (SQLAlchemy,
openpyxl).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from checker.settings import Settings
from checker.sources.base import Source, SourceError
from checker.sources.csv_source import CsvSource
from checker.sources.registry import BASE_KINDS, SUPPLEMENT_KINDS, load


def open_base(settings: Settings, entry: Any) -> Source:
    """The base of a named source, opened by its kind's opener (``checker/sources/registry.py``)."""
    opener: Callable[[Settings, Any], Source] = load(BASE_KINDS[entry.kind].opener)
    return opener(settings, entry)


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
    from checker.sources.staff import DirectoryReader  # noqa: PLC0415 - only for a source with supplements

    events: list[Any] = []
    staff: DirectoryReader | None = None
    for part in entry.supplements:
        supplement = settings.supplements.get(part)
        if supplement is None:
            known = ", ".join(sorted(settings.supplements)) or "none are configured"
            raise SourceError(f"source {name!r} names the supplement {part!r}, but there is no [supplements.{part}] "
                              f"in settings; known supplements: {known}")
        kind = SUPPLEMENT_KINDS[supplement.kind]
        if kind.role == "staff" and staff is not None:
            raise SourceError(f"source {name!r} names two staff directories; give it one")
        opened = load(kind.opener)(settings, part, supplement)  # an events supplement or a directory reader
        if kind.role == "staff":
            staff = opened
        else:
            events.append(opened)
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
