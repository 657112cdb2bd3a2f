"""The source interface: where case and dispute rows come from.

A source streams raw rows keyed by the canonical column names (obligations.md §2); validation is
``checker.sources.validation``'s job, so every source gets the same rules. Contract:

- ``case_columns()`` / ``dispute_columns()``: the canonical columns the source provides. A source that
  lacks a required column raises ``SourceError`` here, before any row is read; a missing optional
  column reads as empty in every row.
- ``case_rows()`` / ``dispute_rows()``: iterators of rows, read lazily (never the whole caseload at
  once), each call starting from the beginning. ``dispute_rows()`` is empty when no disputes are
  configured.
- ``case_refs()``: the ``case_ref`` of every row, in one cheap pass, so duplicates can be rejected
  before evaluation starts (every row of a repeated case_ref is rejected, obligations.md §2).
- Any failure to read (missing file, database down, broken query) raises ``SourceError`` with a
  message for the operator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

from rules.records import Column


class SourceError(Exception):
    """The source cannot be read; the run stops with this message on stderr."""


class Source(Protocol):
    description: str

    def case_columns(self) -> frozenset[str]: ...

    def dispute_columns(self) -> frozenset[str]: ...

    def case_rows(self) -> Iterator[Mapping[str, Any]]: ...

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]: ...

    def case_refs(self) -> Iterator[object]: ...


def canonical_columns(
    names: Iterable[str], table: Mapping[str, Column], what: str, where: str
) -> tuple[list[str | None], frozenset[str]]:
    """Map a header to canonical names (``None`` for extra columns) and check the required ones."""
    normalised = [name.strip().lower().lstrip("\ufeff") for name in names]
    repeated = [name for name, count in Counter(normalised).items() if count > 1 and name in table]
    if repeated:
        raise SourceError(f"{where}: column {repeated[0]!r} appears more than once in the {what} header")
    present = frozenset(n for n in normalised if n in table)
    missing = [name for name, column in table.items() if column.required and name not in present]
    if missing:
        raise SourceError(
            f"{where}: the {what} have no {', '.join(missing)} column"
            f"{'s' if len(missing) > 1 else ''}; the header has: {', '.join(normalised) or '(nothing)'}. "
            f"Required {what} columns: {', '.join(n for n, c in table.items() if c.required)}"
        )
    return [n if n in table else None for n in normalised], present


def duplicates(refs: Iterable[object], counted: list[int] | None = None) -> frozenset[str]:
    """The stripped non-empty refs that occur more than once; ``counted`` gets the number of rows."""
    seen: set[str] = set()
    repeated: set[str] = set()
    rows = 0
    for raw in refs:
        rows += 1
        if raw is None:
            continue
        ref = str(raw).strip()
        if not ref:
            continue
        if ref in seen:
            repeated.add(ref)
        else:
            seen.add(ref)
    if counted is not None:
        counted.append(rows)
    return frozenset(repeated)

