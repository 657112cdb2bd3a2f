"""The obligation engine: case records in, findings out (architecture: sources → engine → findings).

For each valid case the engine runs every obligation of the profile through its rule kind
(``rules.kinds``) and keeps the findings; cases 25 or over on the as-of date have none
(obligations.md §3). Disputes are read first and held by case (there are few of them), then cases
stream past one at a time, each with its own disputes, so memory does not grow with the caseload
beyond the set of case refs needed to reject duplicates and match disputes to cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker.profiles import Profile
from checker.sources.base import Source, duplicates
from checker.sources.validation import CaseValidator, dispute
from rules.calendar import is_under
from rules.obligation import Obligation
from rules.records import CaseRecord, DataError, DisputeRecord, Finding, NotApplicable

SCOPE_AGE = 25


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One valid case and its findings on the as-of date (empty when none apply)."""

    case: CaseRecord
    findings: list[Finding]


@dataclass(frozen=True, slots=True)
class Assessed:
    """One obligation of the profile for one case (and dispute): a finding, or why it does not apply."""

    obligation: Obligation[Any]
    dispute: DisputeRecord | None
    outcome: Finding | NotApplicable


def findings_for(case: CaseRecord, disputes: Sequence[DisputeRecord], profile: Profile,
                 as_of: date) -> list[Finding]:
    """Every finding for one validated case: the engine's inner loop, kept lean."""
    if not is_under(case.date_of_birth, SCOPE_AGE, as_of):
        return []
    calendar = profile.calendar
    found: list[Finding] = []
    for obligation, kind in profile.case_obligations:
        outcome = kind.assess(case, obligation, as_of, calendar)
        if type(outcome) is Finding:
            found.append(outcome)
    for one in disputes:
        for obligation, dispute_kind in profile.dispute_obligations:
            outcome = dispute_kind.assess(case, one, obligation, as_of, calendar)
            if type(outcome) is Finding:
                found.append(outcome)
    return found


def assess_case(case: CaseRecord, disputes: Sequence[DisputeRecord], profile: Profile,
                as_of: date) -> list[Assessed]:
    """Every obligation of the profile for one case, with the reason for those that do not apply."""
    calendar = profile.calendar
    if not is_under(case.date_of_birth, SCOPE_AGE, as_of):
        out_of_scope = NotApplicable(f"{SCOPE_AGE} or over on {as_of}: out of scope (obligations.md §3)")
        return [Assessed(o, None, out_of_scope) for o in profile.obligations]
    assessed = [Assessed(o, None, kind.assess(case, o, as_of, calendar)) for o, kind in profile.case_obligations]
    for obligation, dispute_kind in profile.dispute_obligations:
        if not disputes:
            assessed.append(Assessed(obligation, None, NotApplicable("no dispute is recorded for this case")))
        for one in disputes:
            assessed.append(Assessed(obligation, one, dispute_kind.assess(case, one, obligation, as_of, calendar)))
    return assessed


@dataclass
class Evaluation:
    """One evaluation of a source against a profile on an as-of date. Sends nothing, writes nothing.

    Iterate ``results()`` once; afterwards ``data_errors`` holds every rejected record or field,
    ``cases_read`` / ``cases_rejected`` the counts and ``rejected_case_refs`` the refs rejected.
    ``before_cases``, when set, is called with the number of case rows before any is evaluated, and
    may raise to stop the evaluation (the tick's source safety guard).
    """

    source: Source
    profile: Profile
    as_of: date
    case_errors: list[DataError] = field(default_factory=list)
    dispute_errors: list[DataError] = field(default_factory=list)
    cases_read: int = 0
    cases_rejected: int = 0
    rejected_case_refs: set[str] = field(default_factory=set)
    before_cases: Callable[[int], None] | None = None

    @property
    def data_errors(self) -> list[DataError]:
        return self.case_errors + self.dispute_errors

    def _disputes_by_case(self) -> dict[str, list[DisputeRecord]]:
        source = self.source
        if not source.dispute_columns():
            return {}
        repeated = duplicates(row.get("dispute_ref") for row in source.dispute_rows())
        by_case: dict[str, list[DisputeRecord]] = defaultdict(list)
        for row in source.dispute_rows():
            record = dispute(row, repeated, self.dispute_errors)
            if record is not None:
                by_case[record.case_ref].append(record)
        return by_case

    def results(self) -> Iterator[CaseResult]:
        source, profile, as_of = self.source, self.profile, self.as_of
        columns = source.case_columns()
        disputes = self._disputes_by_case()
        counted: list[int] = []
        repeated = duplicates(source.case_refs(), counted)
        if self.before_cases is not None:
            self.before_cases(counted[0])
        validator = CaseValidator(as_of, repeated, columns)
        errors = self.case_errors
        rejected = self.rejected_case_refs
        no_disputes: list[DisputeRecord] = []
        for row in source.case_rows():
            self.cases_read += 1
            case = validator.case(row, errors)
            if case is None:
                self.cases_rejected += 1
                ref = row.get("case_ref")
                if ref is not None and str(ref).strip():
                    rejected.add(str(ref).strip())
                continue
            own = disputes.pop(case.case_ref, no_disputes)
            yield CaseResult(case, findings_for(case, own, profile, as_of))
        for case_ref, orphans in disputes.items():
            reason = ("was rejected (see its own data error)" if case_ref in rejected
                      else "is not in the cases input")
            for one in orphans:
                self.dispute_errors.append(DataError(
                    case_ref, one.dispute_ref, "case_ref",
                    f"case {case_ref} {reason}, so the dispute cannot be checked",
                ))
