"""The registry of source kinds: the one place a base kind is added (docs/architecture.md, docs/inputs.md).

A base kind is one module of ``checker/sources/`` holding

- a reader that keeps the ``Source`` contract of ``checker/sources/base.py``: the canonical columns it
  provides (``SourceError`` when a required one is missing, before any row), rows keyed by those columns and
  read lazily, a ``RejectedRow`` for a row it cannot hand over whole, a ``NotedRow`` for what it noticed
  while mapping a row (an unknown code), and ``SourceError`` with a message quoting no cell for anything it
  cannot read;
- an opener ``open_KIND(settings, entry) -> Source`` that builds the reader from its ``[sources.NAME]``
  entry (``entry`` is the kind's settings class in ``checker/source_settings.py``).

A reader validates nothing: ``checker/sources/records.py`` turns every kind's rows (joined to their
supplements by ``checker/sources/composed.py``) into validated records and data errors, so the rules of
docs/input.md are the same for all, and the engine only evaluates. The contract test suite
(tests/test_source_contract.py) runs over every kind listed here.

Each entry is ``kind → "module:opener"``; the module is imported only when its kind is used (SQLAlchemy,
openpyxl). Adding a kind: its module, one line here, and its settings class (the keys of its
``[sources.NAME]`` section) added to ``SourceSettings`` in ``checker/source_settings.py``.

Supplements are not plug-ins of this registry: the two there are (``events`` and ``staff``) each have their
own place in the join (``checker/sources/factory.py``, ``composed.py``).
"""

from __future__ import annotations

BASE_KINDS: dict[str, str] = {
    "csv": "checker.sources.csv_source:open_csv",
    "sql": "checker.sources.sql_source:open_sql",
    "ssd": "checker.sources.ssd:open_ssd",
    "ssda903": "checker.sources.ssda903:open_ssda903",
    "annex_a": "checker.sources.annex_a:open_annex_a",
}

__all__ = ["BASE_KINDS"]
