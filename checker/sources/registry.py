"""The registry of source kinds: the one place a kind is added (docs/architecture.md, docs/inputs.md).

A base kind is one module of ``checker/sources/`` holding

- a reader that keeps the ``Source`` contract of ``checker/sources/base.py``: the canonical columns it
  provides (``SourceError`` when a required one is missing, before any row), rows keyed by those columns and
  read lazily, a ``RejectedRow`` for a row it cannot hand over whole, a ``NotedRow`` for what it noticed
  while mapping a row (an unknown code), and ``SourceError`` with a message quoting no cell for anything it
  cannot read;
- an opener ``open_KIND(settings, entry) -> Source`` that builds the reader from its ``[sources.NAME]``
  entry;
- the settings class of that entry: a pydantic model subclassing
  ``checker.source_settings.BaseSourceSettings`` with ``kind: Literal["KIND"]`` and the keys of its section.

A reader validates nothing: ``checker/sources/records.py`` turns every kind's rows (joined to their
supplements by ``checker/sources/composed.py``) into validated records and data errors, so the rules of
docs/input.md are the same for all, and the engine only evaluates. The contract test suite
(tests/test_source_contract.py) runs over every kind listed here.

Each entry is ``kind → Kind("module:SettingsClass", "module:opener")``: adding a kind is its module and
one line here. Both are imported only when a section of that kind is read (the settings class, when the
settings are) or opened (the opener): the kinds shipped keep their settings classes in
``checker/source_settings.py`` so that reading the settings imports none of their modules (SQLAlchemy,
openpyxl); a new kind's class may live in its own module.

Supplements are registered the same way in ``SUPPLEMENT_KINDS``: an opener ``open_KIND(settings, name,
entry)`` returns an ``EventsSupplement`` (rows joined to the base's, ``composed.py``) or a
``DirectoryReader`` (a staff directory); ``Kind.role`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Kind:
    settings: str  # "module:Class", the pydantic model of the kind's settings section
    opener: str  # "module:function"
    role: Literal["base", "events", "staff"] = "base"


BASE_KINDS: dict[str, Kind] = {
    "csv": Kind("checker.source_settings:CsvSourceSettings", "checker.sources.csv_source:open_csv"),
    "sql": Kind("checker.source_settings:SqlSourceSettings", "checker.sources.sql_source:open_sql"),
    "ssd": Kind("checker.source_settings:SsdSourceSettings", "checker.sources.ssd:open_ssd"),
    "ssda903": Kind("checker.source_settings:Ssda903SourceSettings", "checker.sources.ssda903:open_ssda903"),
    "annex_a": Kind("checker.source_settings:AnnexASourceSettings", "checker.sources.annex_a:open_annex_a"),
}
SUPPLEMENT_KINDS: dict[str, Kind] = {
    "events": Kind("checker.source_settings:EventsSupplementSettings", "checker.sources.events:open_events",
                   "events"),
    "staff": Kind("checker.source_settings:StaffSupplementSettings", "checker.sources.staff:open_staff", "staff"),
    "entra": Kind("checker.source_settings:EntraSupplementSettings", "checker.sources.entra:open_entra", "staff"),
}


def load(where: str) -> Any:
    """The object ``"module:name"`` names, importing its module."""
    module, name = where.split(":")
    return getattr(import_module(module), name)


__all__ = ["BASE_KINDS", "SUPPLEMENT_KINDS", "Kind", "load"]
