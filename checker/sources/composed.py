"""A source made of a base and supplements, joined on the person id (``case_ref``), docs/inputs.md.

Precedence, field by field: the base's value when it has one; else the first supplement (in the order
``supplements`` names them) that has one; the staff directory fills ``adviser_email``, ``manager_email``
and ``team`` last. When a later input holds a different value for a field already filled, the case gets a
data error naming the field and both inputs (never the values), and the earlier value is used. Values are
compared as their column's type reads them (``01/02/2026`` and ``2026-02-01`` are one date).

A case of the base with no supplement row is evaluated on what the base has; a supplement row for a
``case_ref`` the base does not hold is read as nothing (``config check`` counts them). The base's rows
stream; each supplement and the directory are read once per pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checker.sources.base import STAFF_KEY, NotedRow, RejectedRow, Source, UnknownColumn
from checker.sources.events import EventsSupplement, SupplementRows
from checker.sources.staff import DISABLED, Directory, DirectoryReader, Staff
from checker.sources.values import ValueFormatError, parse_bool, parse_date, parse_email, text
from rules.records import CASE_COLUMNS

STAFF_COLUMNS = frozenset({"adviser_email", "manager_email", "team"})


def _same(column: str, a: object, b: object) -> bool:
    """Whether two cells hold one value of ``column``'s type (a cell that does not parse: compared as text)."""
    kind = CASE_COLUMNS[column].type if column in CASE_COLUMNS else "text"
    try:
        if kind == "date":
            return parse_date(a) == parse_date(b)
        if kind == "bool":
            return parse_bool(a) == parse_bool(b)
        if kind == "email":
            left, right = parse_email(a), parse_email(b)
            return (left or "").casefold() == (right or "").casefold()
    except ValueFormatError:
        pass
    return (text(a) or "").casefold() == (text(b) or "").casefold()


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass(frozen=True, slots=True)
class JoinCounts:
    """What one pass joined, for ``config check`` and ``sources check``."""

    base_rows: int
    matched: dict[str, int]  # supplement name → base cases it had a row for
    only_in_supplement: dict[str, int]  # supplement name → its case_refs the base does not hold
    filled: dict[str, frozenset[str]]  # part name → canonical columns it filled in at least one case
    unattached: dict[str, int]  # rows of a part refused without a case_ref to tell a case by
    advisers_found: int = 0  # distinct advisers the staff directory found
    advisers_missing: int = 0  # distinct advisers (named by the base) it did not find
    advisers_disabled: int = 0  # distinct advisers whose only account in it is disabled (not used)


class ComposedSource:
    """``Source`` over a base and its supplements."""

    def __init__(self, base: Source, events: Sequence[EventsSupplement], staff: DirectoryReader | None) -> None:
        self.base = base
        self.events = tuple(events)
        self.staff = staff
        parts = [e.description for e in self.events] + ([staff.description] if staff else [])
        self.description = base.description + "".join(f" + {p}" for p in parts)
        self.directory: Directory | None = None  # the staff directory as this pass read it (absences, counts)
        self._found: set[str] = set()
        self._missing: set[str] = set()
        self._disabled: set[str] = set()

    def case_columns(self) -> frozenset[str]:
        columns = set(self.base.case_columns())
        for supplement in self.events:
            columns |= supplement.case_columns()
        if self.staff is not None:
            columns |= STAFF_COLUMNS
        return frozenset(columns)

    def dispute_columns(self) -> frozenset[str]:
        columns = set(self.base.dispute_columns())
        for supplement in self.events:
            columns |= supplement.dispute_columns()
        return frozenset(columns)

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        unknown = self.base.unknown_columns()
        for supplement in self.events:
            unknown += supplement.unknown_columns()
        return unknown

    def case_refs(self) -> Iterator[object]:
        return self.base.case_refs()

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]:
        yield from self.base.dispute_rows()
        for supplement in self.events:
            if supplement.dispute_columns():
                yield from supplement.dispute_rows()

    def case_rows(self) -> Iterator[Mapping[str, Any]]:
        for row, _ in self._joined():
            yield row

    def join_counts(self) -> JoinCounts:
        """One pass over the join, counted (nothing validated)."""
        rows = 0
        matched = {s.name: 0 for s in self.events}
        filled: dict[str, set[str]] = {}
        supplements: list[SupplementRows] = []
        refs: set[str] = set()
        for row, (parts, fills) in self._joined(supplements):
            rows += 1
            ref = text(row.get("case_ref"))
            if ref is not None:
                refs.add(ref)
            for name in parts:
                matched[name] += 1
            for name, columns in fills.items():
                filled.setdefault(name, set()).update(columns)
        pairs = list(zip(self.events, supplements, strict=True))
        only = {s.name: len((set(found.by_ref) | set(found.refused)) - refs) for s, found in pairs}
        unattached = {s.name: found.unattached for s, found in pairs}
        return JoinCounts(rows, matched, only, {k: frozenset(v) for k, v in filled.items()}, unattached,
                          len(self._found), len(self._missing), len(self._disabled))

    def _joined(self, keep: list[SupplementRows] | None = None
                ) -> Iterator[tuple[Mapping[str, Any], tuple[list[str], dict[str, set[str]]]]]:
        read = [supplement.rows() for supplement in self.events]
        if keep is not None:
            keep.extend(read)
        directory = self.staff.read() if self.staff is not None else None  # once per pass: one tick
        self.directory = directory
        self._found, self._missing, self._disabled = set(), set(), set()
        for row in self.base.case_rows():
            if type(row) is RejectedRow:
                yield row, ([], {})
                continue
            yield self._join(row, read, directory)

    def _join(self, row: Mapping[str, Any], read: list[SupplementRows], directory: Directory | None
              ) -> tuple[NotedRow, tuple[list[str], dict[str, set[str]]]]:
        cells = dict(row)
        base_name = "base"
        source_of = {column: base_name for column, value in cells.items() if not _empty(value)}
        notes: list[tuple[str, str]] = list(getattr(row, "notes", ()))  # what the base itself found
        parts: list[str] = []
        fills: dict[str, set[str]] = {base_name: set(source_of)}
        ref = text(cells.get("case_ref"))
        for supplement, found in zip(self.events, read, strict=True):
            if ref is None:
                break
            if ref in found.refused:
                notes.append(found.refused[ref])
            extra = found.by_ref.get(ref)
            if extra is None:
                continue
            parts.append(supplement.name)
            self._merge(cells, source_of, extra, f"supplement {supplement.name}", notes, fills)
        if directory is not None:
            self._staff(cells, source_of, directory, notes, fills)
        cells.pop(STAFF_KEY, None)
        return NotedRow(cells, notes), (parts, fills)

    @staticmethod
    def _merge(cells: dict[str, Any], source_of: dict[str, str], extra: Mapping[str, Any], part: str,
               notes: list[tuple[str, str]], fills: dict[str, set[str]]) -> None:
        for column, value in extra.items():
            if _empty(value):
                continue
            if column not in source_of:
                cells[column] = value
                source_of[column] = part
                fills.setdefault(part, set()).add(column)
            elif not _same(column, cells[column], value):
                winner = source_of[column]
                notes.append((column, f"{column}: the {part} gives a different value from the {winner}; the "
                                      f"{winner}'s is used"))

    def _staff(self, cells: dict[str, Any], source_of: dict[str, str], directory: Directory,
               notes: list[tuple[str, str]], fills: dict[str, set[str]]) -> None:
        who = text(cells.get(STAFF_KEY)) or text(cells.get("adviser_email"))
        if who is None:
            return
        found = directory.find(who)
        if found == DISABLED:  # no routing address: the case goes as for an adviser not known
            self._disabled.add(who.casefold())
            if source_of.pop("adviser_email", None) is not None:
                cells["adviser_email"] = None
            notes.append(("adviser_email", f"{found}, so no item goes to it and no team or manager is taken "
                                           "from it"))
            return
        if not isinstance(found, Staff):
            self._missing.add(who.casefold())
            if text(cells.get(STAFF_KEY)) is not None:  # a bare email not in the directory is no mistake
                notes.append(("adviser_email", f"{found}, so no email, team or manager is taken from it"))
            return
        self._found.add(who.casefold())
        part = "staff directory"
        values = {"adviser_email": found.email, "team": found.team, "manager_email": directory.manager_email(found)}
        self._merge(cells, source_of, {k: v for k, v in values.items() if v is not None}, part, notes, fills)
