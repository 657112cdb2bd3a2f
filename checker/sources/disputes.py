"""Turning raw disputes rows into validated records (docs/input.md, "Bad input").

A dispute is rejected for a ``RejectedRow`` (the row's shape or a cell, see ``checker.sources.cells``),
an empty, repeated or over-long (``KEY_MAX_LENGTH``) ``dispute_ref`` or ``case_ref``, a stage outside
1-4, a missing or unparseable date, a ``stage_started_on`` after the as-of date (a stage cannot have
begun on a day that has not come) or ``resolved_on`` before ``stage_started_on``. A ``resolved_on``
after the as-of date is a data error and reads as empty: the dispute is still open, never resolved on a
day that has not come. Whether its case is valid is known only once the cases have been read, so the
engine checks that.
"""

from __future__ import annotations

from datetime import date

from checker.sources.base import RejectedRow
from checker.sources.validation import Row, shortened, too_long
from checker.sources.values import ValueFormatError, parse_date, parse_stage, text
from rules.records import KEY_MAX_LENGTH, DataError, DisputeRecord


def _refs(row: Row, duplicate_refs: frozenset[str], found: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """The dispute's ``dispute_ref`` and ``case_ref`` (an over-long one shortened to name it by)."""
    ref = text(row.get("dispute_ref"))
    case_ref = text(row.get("case_ref"))
    if ref is None:
        found.append(("dispute_ref", "dispute_ref is empty, so the dispute cannot be tracked"))
    elif len(ref) > KEY_MAX_LENGTH:
        found.append(("dispute_ref", too_long("dispute_ref", ref)))
        ref = shortened(ref)
    elif ref in duplicate_refs:
        found.append(("dispute_ref", f"dispute_ref {ref} appears on more than one row; every such row is rejected"))
    if case_ref is None:
        found.append(("case_ref", "case_ref is empty, so the dispute cannot be matched to a young person"))
    elif len(case_ref) > KEY_MAX_LENGTH:
        found.append(("case_ref", too_long("case_ref", case_ref)))
        case_ref = shortened(case_ref)
    return ref, case_ref


def dispute(row: Row, duplicate_refs: frozenset[str], errors: list[DataError], as_of: date) -> DisputeRecord | None:
    """The record for a disputes row on the as-of date, or ``None`` when rejected; errors are appended."""
    if type(row) is RejectedRow:
        errors.append(DataError(row.get("case_ref"), row.get("dispute_ref"), row.field, row.reason))
        return None
    found: list[tuple[str, str]] = []
    ref, case_ref = _refs(row, duplicate_refs, found)
    stage = None
    try:
        stage = parse_stage(row.get("stage"))
        if stage is None:
            found.append(("stage", "stage is empty; it is required (1 to 4)"))
    except ValueFormatError as exc:
        found.append(("stage", f"stage {exc}"))
    dates: dict[str, date | None] = {}
    for column in ("stage_started_on", "resolved_on"):
        try:
            dates[column] = parse_date(row.get(column))
        except ValueFormatError as exc:
            dates[column] = None
            found.append((column, f"{column} {exc}"))
    started, resolved = dates["stage_started_on"], dates["resolved_on"]
    if started is None and "stage_started_on" not in {field for field, _ in found}:
        found.append(("stage_started_on", "stage_started_on is empty; it is required"))
    if started is not None and started > as_of:
        found.append(("stage_started_on", f"stage_started_on {started} is after the as-of date {as_of}; a stage "
                                          "cannot have begun on a day that has not come"))
    if started is not None and resolved is not None and resolved < started:
        found.append(("resolved_on", f"resolved_on {resolved} is before stage_started_on {started}"))
    rejected = bool(found)
    if resolved is not None and resolved > as_of:
        found.append(("resolved_on", f"resolved_on {resolved} is after the as-of date {as_of}; read as empty, so "
                                     "the dispute stays open"))
        resolved = None
    errors.extend(DataError(case_ref, ref, field, message) for field, message in found)
    if rejected or ref is None or case_ref is None or stage is None or started is None:
        return None
    return DisputeRecord(dispute_ref=ref, case_ref=case_ref, stage=stage, stage_started_on=started,
                         resolved_on=resolved)
