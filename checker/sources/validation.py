"""Turning raw rows into validated records, with a data error for everything refused.

The rules are obligations.md §2 "Bad input" and obligations-extended.md §2.1:
- a case is rejected (no record) when ``case_ref`` is empty or repeated, ``date_of_birth`` is missing,
  unparseable or after the as-of date, any date column is unparseable, ``looked_after_since`` is before
  the date of birth, or ``ceased_looked_after_on`` is before ``looked_after_since``;
- the case is still evaluated, with a data error, for a bad email (the address is dropped), a bad
  boolean (read as false) and ``in_custody`` without a ``release_date`` (the obligations that read
  ``release_date`` then skip it);
- a dispute is rejected for an empty or repeated ``dispute_ref``, a stage outside 1-4, a missing or
  unparseable date, or ``resolved_on`` before ``stage_started_on``. Whether its case is valid is known
  only once the cases have been read, so the engine checks that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, fields
from datetime import date
from typing import Any

from checker.sources.values import (
    ValueFormatError,
    date_from_text,
    parse_bool,
    parse_date,
    parse_email,
    parse_stage,
    text,
)
from rules.records import (
    CASE_BOOL_COLUMNS,
    CASE_COLUMNS,
    CASE_DATE_COLUMNS,
    LEAVING_CARE_CATEGORIES,
    CaseRecord,
    DataError,
    DisputeRecord,
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


class CaseValidator:
    """Validates case rows for one as-of date, given the case refs that occur more than once."""

    def __init__(self, as_of: date, duplicate_refs: frozenset[str], columns: frozenset[str]) -> None:
        self.as_of = as_of
        self.duplicate_refs = duplicate_refs
        # Columns the source lacks read as empty in every row: skip them instead of looking them up.
        self._date_columns = tuple((c, _AT[c]) for c in CASE_DATE_COLUMNS if c in columns and c != "date_of_birth")
        self._bools = tuple((c, _AT[c]) for c in CASE_BOOL_COLUMNS if c in columns)
        self._texts = tuple((c, _AT[c]) for c in _TEXT_COLUMNS if c in columns)
        self._emails = tuple((c, _AT[c]) for c in _EMAIL_COLUMNS if c in columns)

    def case(self, row: Row, errors: list[DataError]) -> CaseRecord | None:
        """The record for ``row``, or ``None`` when the whole case is rejected; errors are appended."""
        ref = text(row.get("case_ref"))
        found: list[tuple[str, str]] = []
        if ref is None:
            found.append(("case_ref", "case_ref is empty, so the row cannot be matched to a young person"))
        elif ref in self.duplicate_refs:
            found.append(("case_ref", f"case_ref {ref} appears on more than one row; every such row is rejected"))
        values = _EMPTY.copy()  # CaseRecord's fields in order, every one at its default
        dob = self._dates(row, values, found)
        if found or ref is None or dob is None:
            errors.extend(DataError(ref, None, field, message) for field, message in found)
            return None
        self._others(row, values, found)
        errors.extend(DataError(ref, None, field, message) for field, message in found)
        values[_REF] = ref
        values[_DOB] = dob
        return CaseRecord(*values)

    def _dates(self, row: Row, values: list[Any], found: list[tuple[str, str]]) -> date | None:
        """Every date column, and the checks whose failure rejects the whole case."""
        try:
            dob = parse_date(row.get("date_of_birth"))
        except ValueFormatError as exc:
            dob = None
            found.append(("date_of_birth", f"date_of_birth {exc}"))
        else:
            if dob is None:
                found.append(("date_of_birth", "date_of_birth is empty; it is required"))
            elif dob > self.as_of:
                found.append(("date_of_birth", f"date of birth {dob} is after the as-of date"))
        get = row.get
        for column, at in self._date_columns:  # the inner loop of validation: most cells are empty
            raw = get(column)
            if raw is None or raw == "":
                continue
            try:
                value = date_from_text(raw) if type(raw) is str else parse_date(raw)
            except ValueFormatError as exc:
                found.append((column, f"{column} {exc}"))
            else:
                if value is not None:
                    values[at] = value
        since = values[_SINCE]
        if since is not None and dob is not None and since < dob:
            found.append(("looked_after_since", f"looked_after_since {since} is before the date of birth {dob}"))
        ceased = values[_CEASED]
        if ceased is not None and since is not None and ceased < since:
            found.append(("ceased_looked_after_on",
                          f"ceased_looked_after_on {ceased} is before looked_after_since {since}"))
        return dob

    def _others(self, row: Row, values: list[Any], found: list[tuple[str, str]]) -> None:
        """Booleans, emails and text: errors here are reported, and the case is still evaluated."""
        get = row.get
        for column, at in self._bools:
            try:
                if parse_bool(get(column)):
                    values[at] = True
            except ValueFormatError as exc:
                found.append((column, f"{column} {exc}"))
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


def dispute(row: Row, duplicate_refs: frozenset[str], errors: list[DataError]) -> DisputeRecord | None:
    """The record for a disputes row, or ``None`` when rejected; errors are appended."""
    ref = text(row.get("dispute_ref"))
    case_ref = text(row.get("case_ref"))
    first_error = len(errors)

    def error(field: str, message: str) -> None:
        errors.append(DataError(case_ref, ref, field, message))

    if ref is None:
        error("dispute_ref", "dispute_ref is empty, so the dispute cannot be tracked")
    elif ref in duplicate_refs:
        error("dispute_ref", f"dispute_ref {ref} appears on more than one row; every such row is rejected")
    if case_ref is None:
        error("case_ref", "case_ref is empty, so the dispute cannot be matched to a young person")
    stage = None
    try:
        stage = parse_stage(row.get("stage"))
        if stage is None:
            error("stage", "stage is empty; it is required (1 to 4)")
    except ValueFormatError as exc:
        error("stage", f"stage {exc}")
    dates: dict[str, date | None] = {}
    for column in ("stage_started_on", "resolved_on"):
        try:
            dates[column] = parse_date(row.get(column))
        except ValueFormatError as exc:
            dates[column] = None
            error(column, f"{column} {exc}")
    started, resolved = dates["stage_started_on"], dates["resolved_on"]
    if started is None and "stage_started_on" not in {e.field for e in errors[first_error:]}:
        error("stage_started_on", "stage_started_on is empty; it is required")
    if started is not None and resolved is not None and resolved < started:
        error("resolved_on", f"resolved_on {resolved} is before stage_started_on {started}")
    if len(errors) > first_error or ref is None or case_ref is None or stage is None or started is None:
        return None
    return DisputeRecord(dispute_ref=ref, case_ref=case_ref, stage=stage, stage_started_on=started,
                         resolved_on=resolved)
