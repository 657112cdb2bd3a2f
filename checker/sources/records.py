"""What every source hands the engine: validated records and data errors (docs/architecture.md).

A source kind (``checker/sources/registry.py``) only reads: it streams rows keyed by the canonical columns
(``checker.sources.base.Source``). This module is the one way from those rows to records, the same for every
kind, base and supplements alike, so the rules of docs/input.md ("Bad input") are applied once:

- ``ValidatedSource(source, as_of)``: ``cases()`` streams ``(CaseRecord, its DisputeRecords, flagged)`` for
  every case that validates, in the source's order. Before the first case it asks the source for its
  columns (a missing required column raises ``SourceError`` before any row is read), reads the disputes
  (few) and holds them by case, and reads the case refs in one cheap pass so that every row of a repeated
  ``case_ref`` is rejected. A rejected row is a ``DataError`` (case ref, field, a plain reason quoting no
  personal data) and the stream goes on. After the last case, each dispute whose case was not handed over
  is a data error too. If the cases change between the refs pass and the reading pass (a ref repeated that
  the first pass saw once), ``SourceError`` stops the stream rather than hand over half a caseload.
- The counts the source guard and the run record need: ``cases_read`` (rows of the cases),
  ``cases_rejected``, ``cases_evaluated`` (handed over) and ``rejected_case_refs``.
- ``flagged``: the case, or one of its disputes, had a data error, so an obligation may be missing from
  its findings because of bad data rather than because it no longer applies.
- ``find_case(source, as_of, case_ref)``: one case's record (or its rejection) and disputes, for
  ``checker explain``, by the same rules.

Memory stays flat: besides the disputes, only the set of case refs (to reject repeats) is held.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker.sources.base import Source, SourceError, duplicates
from checker.sources.disputes import dispute
from checker.sources.validation import CaseValidator
from rules.records import CaseRecord, DataError, DisputeRecord

#: One validated case: its record, its validated disputes, and whether it or a dispute had a data error.
ValidCase = tuple[CaseRecord, list[DisputeRecord], bool]


@dataclass
class ValidatedSource:
    """A source's cases as validated records, with the data errors and the counts of one read.

    Iterate ``cases()`` once. ``case_errors`` (in case order) and ``dispute_errors`` may be lists the caller
    owns (the engine appends its own errors of a case to ``case_errors``, so they stay in case order).
    """

    source: Source
    as_of: date
    case_errors: list[DataError] = field(default_factory=list)
    dispute_errors: list[DataError] = field(default_factory=list)
    cases_read: int = 0
    cases_rejected: int = 0
    rejected_case_refs: set[str] = field(default_factory=set)

    @property
    def description(self) -> str:
        return self.source.description

    @property
    def cases_evaluated(self) -> int:
        """The cases handed over: what the source guard judges (a rejected row is not a case present)."""
        return self.cases_read - self.cases_rejected

    def _disputes_by_case(self) -> dict[str, list[DisputeRecord]]:
        source = self.source
        if not source.dispute_columns():
            return {}
        repeated = duplicates(row.get("dispute_ref") for row in source.dispute_rows())
        by_case: dict[str, list[DisputeRecord]] = defaultdict(list)
        for row in source.dispute_rows():
            record = dispute(row, repeated, self.dispute_errors, self.as_of)
            if record is not None:
                by_case[record.case_ref].append(record)
        return by_case

    def cases(self) -> Iterator[ValidCase]:
        source = self.source
        columns = source.case_columns()
        disputes = self._disputes_by_case()
        bad_disputes = {e.case_ref for e in self.dispute_errors if e.case_ref}
        validator = CaseValidator(self.as_of, duplicates(source.case_refs()), columns)
        errors = self.case_errors
        rejected = self.rejected_case_refs
        seen: set[str] = set()
        no_disputes: list[DisputeRecord] = []
        for row in source.case_rows():
            self.cases_read += 1
            before = len(errors)
            case = validator.case(row, errors)
            if case is None:
                self.cases_rejected += 1
                ref = row.get("case_ref")
                if ref is not None and str(ref).strip():
                    rejected.add(str(ref).strip())
                continue
            ref = case.case_ref
            if ref in seen:
                raise SourceError(f"{source.description}: the cases changed while they were read (a case_ref "
                                  "came twice that the first pass saw once); nothing was changed. The next "
                                  "tick reads them again")
            seen.add(ref)
            yield case, disputes.pop(ref, no_disputes), len(errors) > before or ref in bad_disputes
        for case_ref, orphans in disputes.items():
            reason = ("was rejected (see its own data error)" if case_ref in rejected
                      else "is not in the cases input")
            for one in orphans:
                self.dispute_errors.append(DataError(
                    case_ref, one.dispute_ref, "case_ref",
                    f"case {case_ref} {reason}, so the dispute cannot be checked",
                ))


@dataclass(frozen=True, slots=True)
class FoundCase:
    """One case looked up by its ref: how many rows hold it, its record (``None``: rejected), its
    disputes and the data errors of both."""

    rows: int
    case: CaseRecord | None
    disputes: list[DisputeRecord]
    errors: list[DataError]


def _holds(row: Mapping[str, Any], case_ref: str) -> bool:
    return row.get("case_ref") is not None and str(row["case_ref"]).strip() == case_ref


def find_case(source: Source, as_of: date, case_ref: str) -> FoundCase:
    """The case ``case_ref`` validated as ``ValidatedSource`` would (a repeated ref rejects it), with its
    disputes; ``rows == 0`` when the source has no such case."""
    rows = [row for row in source.case_rows() if _holds(row, case_ref)]
    errors: list[DataError] = []
    if not rows:
        return FoundCase(0, None, [], errors)
    validator = CaseValidator(as_of, frozenset({case_ref}) if len(rows) > 1 else frozenset(), source.case_columns())
    case = validator.case(rows[0], errors)
    found: list[DisputeRecord] = []
    if source.dispute_columns():
        repeated = duplicates(row.get("dispute_ref") for row in source.dispute_rows())
        for row in source.dispute_rows():
            if _holds(row, case_ref) and (record := dispute(row, repeated, errors, as_of)) is not None:
                found.append(record)
    return FoundCase(len(rows), case, found, errors)
