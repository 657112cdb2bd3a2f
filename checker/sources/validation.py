"""Turning raw case rows into validated records, with a data error for everything refused.

The rules are those of docs/input.md, "Bad input":
- a case is rejected (no record) when its row was handed over as a ``RejectedRow`` (more or fewer
  cells than the header, a cell too long or holding a control character); ``case_ref`` is empty,
  repeated or longer than ``KEY_MAX_LENGTH``; ``team`` is longer than that; ``date_of_birth`` is
  missing, unparseable, after the as-of date or more than 30 years before it (a placeholder such as
  1900-01-01); any date column is unparseable; ``looked_after_since`` or ``ceased_looked_after_on`` is
  after the as-of date; ``looked_after_since`` is before the date of birth; or
  ``ceased_looked_after_on`` is before ``looked_after_since``;
- the case is still evaluated, with a data error, for a date of something done or begun (every date
  column but the planned events ``release_date`` and ``planned_move_on``) after the as-of date (read
  as empty: the duty shows pending or overdue, never met on a day that has not come), a bad email (the
  address is dropped), a bad boolean (read as false) and ``in_custody`` without a ``release_date``
  (the obligations that read ``release_date`` then skip it).

Disputes are validated by ``checker.sources.disputes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, fields
from datetime import date
from typing import Any

from checker.sources.base import NotedRow, RejectedRow, repeated_ref
from checker.sources.values import (
    BOOL_SPELLINGS,
    ValueFormatError,
    date_from_text,
    parse_bool,
    parse_date,
    parse_email,
    text,
)
from rules.calendar import add_months
from rules.records import (
    CASE_BOOL_COLUMNS,
    CASE_COLUMNS,
    CASE_DATE_COLUMNS,
    KEY_MAX_LENGTH,
    LEAVING_CARE_CATEGORIES,
    CaseRecord,
    DataError,
)

_TEXT_COLUMNS = tuple(n for n, c in CASE_COLUMNS.items() if c.type == "text" and n != "case_ref")
_EMAIL_COLUMNS = tuple(n for n, c in CASE_COLUMNS.items() if c.type == "email")
Row = Mapping[str, Any]

# A record is built from its fields in order (a list of values, then CaseRecord(*values)): binding
# twenty-odd keyword arguments to a 41-parameter __init__ cost more than checking the whole row did.
_FIELDS = fields(CaseRecord)
_AT = {f.name: i for i, f in enumerate(_FIELDS)}
_EMPTY: list[Any] = [None if f.default is MISSING else f.default for f in _FIELDS]
_REF, _DOB = _AT["case_ref"], _AT["date_of_birth"]
_SINCE, _CEASED = _AT["looked_after_since"], _AT["ceased_looked_after_on"]
_CATEGORY, _IN_CUSTODY, _RELEASE = _AT["leaving_care_category"], _AT["in_custody"], _AT["release_date"]
_TEAM = _AT["team"]
#: Dates of events planned ahead: the only date columns that may be after the as-of date.
PLANNED_DATE_COLUMNS = frozenset({"release_date", "planned_move_on"})
#: Dates whose being after the as-of date rejects the whole case (the period in care it is judged by).
CARE_PERIOD_COLUMNS = frozenset({"looked_after_since", "ceased_looked_after_on"})
#: A date of birth more than this many years before the as-of date is a placeholder, not a birth.
OLDEST_YEARS = 30


def _unquoted(exc: ValueFormatError) -> str:
    """A date error without the cell it was about (for the date of birth, which is personal data)."""
    reason = str(exc)
    if "time of day" in reason:
        return "has a time of day; a date is needed"
    if "calendar" in reason:
        return "is not a real calendar date"
    return "is not a date; write YYYY-MM-DD or DD/MM/YYYY"


def too_long(column: str, value: str) -> str:
    """The data error for a key longer than the state database keeps."""
    return (f"{column} is {len(value)} characters long, more than the {KEY_MAX_LENGTH} allowed; the record "
            "is not read")


def shortened(ref: str) -> str:
    """A ref short enough to name a record by in an error (an over-long one is cut, and says so)."""
    return ref if len(ref) <= KEY_MAX_LENGTH else f"{ref[:40]}… ({len(ref)} characters)"


class CaseValidator:
    """Validates case rows for one as-of date, given the case refs that occur more than once."""

    def __init__(self, as_of: date, duplicate_refs: frozenset[str], columns: frozenset[str]) -> None:
        self.as_of = as_of
        self.oldest_birth = add_months(as_of, -12 * OLDEST_YEARS)
        self.duplicate_refs = duplicate_refs
        # Columns the source lacks read as empty in every row: skip them instead of looking them up.
        # Each date column with the latest date it may hold (a later one is handled by ``_after``).
        self._date_columns = tuple((c, _AT[c], date.max if c in PLANNED_DATE_COLUMNS else as_of)
                                   for c in CASE_DATE_COLUMNS if c in columns and c != "date_of_birth")
        self._bools = tuple((c, _AT[c]) for c in CASE_BOOL_COLUMNS if c in columns)
        self._texts = tuple((c, _AT[c]) for c in _TEXT_COLUMNS if c in columns)
        self._emails = tuple((c, _AT[c]) for c in _EMAIL_COLUMNS if c in columns)

    def case(self, row: Row, errors: list[DataError]) -> CaseRecord | None:
        """The record for ``row``, or ``None`` when the whole case is rejected; errors are appended."""
        if type(row) is RejectedRow:
            errors.append(DataError(row.get("case_ref"), None, row.field, row.reason))
            return None
        ref = text(row.get("case_ref"))
        found: list[tuple[str, str]] = []
        if ref is None:
            found.append(("case_ref", "case_ref is empty, so the row cannot be matched to a young person"))
        elif len(ref) > KEY_MAX_LENGTH:
            found.append(("case_ref", too_long("case_ref", ref)))
            ref = shortened(ref)
        elif ref in self.duplicate_refs:
            found.append(("case_ref", repeated_ref(ref)))
        values = _EMPTY.copy()  # CaseRecord's fields in order, every one at its default
        later: list[tuple[str, str]] = []  # errors that leave the case to be evaluated
        if type(row) is NotedRow:  # a row joined from a base and supplements: what the join found
            later.extend(row.notes)
        dob = self._dates(row, values, found, later)
        if found or ref is None or dob is None:
            errors.extend(DataError(ref, None, field, message) for field, message in found + later)
            return None
        self._others(row, values, later)
        team = values[_TEAM]
        if team is not None and len(team) > KEY_MAX_LENGTH:
            errors.extend(DataError(ref, None, field, message)
                          for field, message in [("team", too_long("team", team)), *later])
            return None
        if later:
            errors.extend(DataError(ref, None, field, message) for field, message in later)
        values[_REF] = ref
        values[_DOB] = dob
        return CaseRecord(*values)

    def _birth(self, row: Row, found: list[tuple[str, str]]) -> date | None:
        """The date of birth, or ``None`` with the reason in ``found`` (every reason rejects the case)."""
        try:
            dob = parse_date(row.get("date_of_birth"))
        except ValueFormatError as exc:  # the cell is not repeated: a date of birth is personal data
            dob = None
            found.append(("date_of_birth", f"date_of_birth {_unquoted(exc)}"))
        else:
            if dob is None:
                found.append(("date_of_birth", "date_of_birth is empty; it is required"))
            elif dob > self.as_of:
                found.append(("date_of_birth", f"date of birth {dob} is after the as-of date"))
            elif dob < self.oldest_birth:
                found.append(("date_of_birth", f"date_of_birth is more than {OLDEST_YEARS} years before the as-of "
                                               "date: a placeholder, not a real date of birth"))
        return dob

    def _dates(self, row: Row, values: list[Any], found: list[tuple[str, str]],
               later: list[tuple[str, str]]) -> date | None:
        """Every date column: the checks whose failure rejects the whole case go to ``found``."""
        dob = self._birth(row, found)
        get = row.get
        for column, at, latest in self._date_columns:  # the inner loop of validation: most cells are empty
            raw = get(column)
            if raw is None or raw == "":
                continue
            try:
                value = date_from_text(raw) if type(raw) is str else parse_date(raw)
            except ValueFormatError as exc:
                found.append((column, f"{column} {exc}"))
                continue
            if value is None:
                continue
            if value > latest:
                self._after(column, value, found, later)
                continue
            values[at] = value
        since = values[_SINCE]
        if since is not None and dob is not None and since < dob:
            found.append(("looked_after_since", f"looked_after_since {since} is before the date of birth"))
        ceased = values[_CEASED]
        if ceased is not None and since is not None and ceased < since:
            found.append(("ceased_looked_after_on",
                          f"ceased_looked_after_on {ceased} is before looked_after_since {since}"))
        return dob

    def _after(self, column: str, value: date, found: list[tuple[str, str]], later: list[tuple[str, str]]) -> None:
        """A date after the as-of date: the care period's reject the case, the others read as empty."""
        if column in CARE_PERIOD_COLUMNS:
            found.append((column, f"{column} {value} is after the as-of date {self.as_of}; a period in care "
                                  "cannot start or end on a day that has not come"))
        else:
            later.append((column, f"{column} {value} is after the as-of date {self.as_of}; read as empty, as "
                                  "nothing can be done on a day that has not come"))

    def _others(self, row: Row, values: list[Any], found: list[tuple[str, str]]) -> None:
        """Booleans, emails and text: errors here are reported, and the case is still evaluated."""
        get = row.get
        spelled = BOOL_SPELLINGS.get
        for column, at in self._bools:
            raw = get(column)
            known = spelled(raw) if type(raw) is str else None  # the usual spellings, without a call
            if known is None:
                try:
                    known = parse_bool(raw)
                except ValueFormatError as exc:
                    found.append((column, f"{column} {exc}"))
                    continue
            if known:
                values[at] = True
        for column, at in self._emails:
            try:
                address = parse_email(get(column))
            except ValueFormatError as exc:
                found.append((column, f"{column} {exc}; no reminder can be sent to it"))
            else:
                if address is not None:
                    values[at] = address
        for column, at in self._texts:
            raw = get(column)
            value = (raw.strip() or None) if type(raw) is str else text(raw)
            if value is not None:
                values[at] = value
        self._category(values, found)
        if values[_IN_CUSTODY] and values[_RELEASE] is None:
            found.append(("release_date",
                          "in_custody is true but release_date is empty; the obligations that count from "
                          "the release date are skipped until it is recorded"))

    @staticmethod
    def _category(values: list[Any], found: list[tuple[str, str]]) -> None:
        """Leaving-care categories are compared in lower case; any other value reads as unknown."""
        category = values[_CATEGORY]
        if category is None:
            return
        if category.lower() in LEAVING_CARE_CATEGORIES:
            values[_CATEGORY] = category.lower()
        else:
            values[_CATEGORY] = None
            found.append(("leaving_care_category",
                          f"leaving_care_category '{category}' is not one of "
                          f"{', '.join(sorted(LEAVING_CARE_CATEGORIES))}; read as unknown"))
