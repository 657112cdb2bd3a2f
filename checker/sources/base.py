"""The source interface: where case and dispute rows come from.

A source streams raw rows keyed by the canonical column names (docs/input.md). It validates nothing:
``checker.sources.records`` turns every source's rows into validated records and data errors (by
``checker.sources.validation`` and ``disputes``), so every source gets the same rules; a new kind is
registered in ``checker.sources.registry``. Contract:

- ``case_columns()`` / ``dispute_columns()``: the canonical columns the source provides. A source that
  lacks a required column raises ``SourceError`` here, before any row is read; a missing optional
  column reads as empty in every row.
- ``unknown_columns()``: the columns of either table that are not canonical (read as nothing; the
  commands report them, with the likely intended name), in header order, cases first.
- ``case_rows()`` / ``dispute_rows()``: iterators of rows, read lazily (never the whole caseload at
  once), each call starting from the beginning. ``dispute_rows()`` is empty when no disputes are
  configured. A row the source cannot hand over whole (more or fewer cells than the header, a cell
  too long or holding a control character) comes as a ``RejectedRow``: validation rejects its record
  with the reason, and the run goes on.
- ``case_refs()``: the ``case_ref`` of every row, in one cheap pass, so repeated refs can be rejected
  (every row of a repeated case_ref is rejected, docs/input.md). It is used for that rule only:
  what the source guard counts comes from the evaluation itself (``checker.engine``). A source whose
  rows already say when their ref repeats (the SSD's query counts each person's rows) hands every row
  of a repeated ref over as a ``RejectedRow`` (reason ``repeated_ref``) and returns no refs here, so
  no second pass is read.
- Any failure to read (missing file, database down, broken query) raises ``SourceError`` with a
  message for the operator, which quotes no cell of the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class SourceError(Exception):
    """The source cannot be read; the run stops with this message on stderr."""


@dataclass(frozen=True, slots=True)
class UnknownColumn:
    """A header name that is not a canonical column: read as nothing, reported to the operator."""

    table: str  # "cases" or "disputes"
    name: str
    suggestion: str | None  # the canonical column it most likely meant, when one is close

    def describe(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return f"the {self.table} have a column {self.name!r} that checker does not know{hint}; it is not read"


class RejectedRow(dict[str, Any]):
    """A row handed over without its cells: only its refs (when they are clean), and why it is rejected."""

    def __init__(self, refs: Mapping[str, str | None], field: str, reason: str) -> None:
        super().__init__(refs)
        self.field = field
        self.reason = reason


class NotedRow(dict[str, Any]):
    """A case row joined from several inputs, with what the join found: ``(field, reason)`` pairs that
    validation reports as data errors of the case (which is still evaluated). No reason quotes a cell."""

    def __init__(self, cells: Mapping[str, Any], notes: list[tuple[str, str]]) -> None:
        super().__init__(cells)
        self.notes = notes


#: The key a base kind (SSD, Annex A) puts the adviser's staff id or name under, for the staff directory.
#: It is no canonical column: validation never reads it.
STAFF_KEY = "adviser_staff"


def repeated_ref(ref: str) -> str:
    """Why a row of a ``case_ref`` that occurs more than once is rejected."""
    return f"case_ref {ref} appears on more than one row; every such row is rejected"


class Source(Protocol):
    description: str

    def case_columns(self) -> frozenset[str]: ...

    def dispute_columns(self) -> frozenset[str]: ...

    def unknown_columns(self) -> tuple[UnknownColumn, ...]: ...

    def case_rows(self) -> Iterator[Mapping[str, Any]]: ...

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]: ...

    def case_refs(self) -> Iterator[object]: ...


def duplicates(refs: Iterable[object]) -> frozenset[str]:
    """The stripped non-empty refs that occur more than once."""
    seen: set[str] = set()
    repeated: set[str] = set()
    for raw in refs:
        if raw is None:
            continue
        ref = str(raw).strip()
        if not ref:
            continue
        if ref in seen:
            repeated.add(ref)
        else:
            seen.add(ref)
    return frozenset(repeated)
