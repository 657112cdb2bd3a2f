"""The obligation engine: case records in, findings out (architecture: sources → engine → findings).

The engine only evaluates: every source hands it validated records and data errors through
``checker.sources.records`` (the disputes held by case, the cases streaming one at a time, memory flat).
For each valid case it runs every obligation of the profile through its rule kind (``rules.kinds``) and
keeps the findings; cases 25 or over on the as-of date have none (docs/input.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from checker.profiles import Profile
from checker.sources.base import Source
from checker.sources.records import ValidatedSource
from rules.calendar import is_under
from rules.obligation import Obligation
from rules.records import CaseRecord, DataError, DisputeRecord, Finding, NotApplicable

SCOPE_AGE = 25


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One valid case and its findings on the as-of date (empty when none apply).

    ``flagged``: the case, or one of its disputes, had a data error this time, so an obligation may be
    missing from ``findings`` because of bad data rather than because it no longer applies.
    """

    case: CaseRecord
    findings: list[Finding]
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class Assessed:
    """One obligation of the profile for one case (and dispute): a finding, or why it does not apply."""

    obligation: Obligation[Any]
    dispute: DisputeRecord | None
    outcome: Finding | NotApplicable


# A date the calendar can hold but no due date can be counted from (9999-12-31 + 12 months) raises one of
# these in the date arithmetic; it is a data error for that obligation, never the end of the run.
UNCOUNTABLE = (ValueError, OverflowError)


def uncountable(case: CaseRecord, dispute: DisputeRecord | None, obligation: Obligation[Any]) -> DataError:
    """The data error for an obligation whose due date falls beyond the last date a calendar holds."""
    if dispute is not None:
        field, value = "stage_started_on", dispute.stage_started_on
        return DataError(case.case_ref, dispute.dispute_ref, field,
                         f"{field} {value} is too late to count the working days of the stage from; "
                         f"the dispute cannot be checked until the date is corrected")
    dated: list[tuple[date, str]] = sorted(
        (day, name) for name in obligation.columns if isinstance(day := getattr(case, name, None), date))
    if not dated:  # every kind shipped reads a date column; a profile's own obligation might not
        return DataError(case.case_ref, None, obligation.id,
                         f"no due date can be counted for {obligation.id}; check the case's dates")
    latest, field = dated[-1]
    return DataError(case.case_ref, None, field,
                     f"{field} {latest} is too late to count a due date from, so {obligation.id} "
                     f"cannot be checked until the date is corrected")


def findings_for(case: CaseRecord, disputes: Sequence[DisputeRecord], profile: Profile,
                 as_of: date, errors: list[DataError]) -> list[Finding]:
    """Every finding for one validated case: the engine's inner loop, kept lean.

    An obligation whose due date cannot be counted is skipped with a data error appended to ``errors``.
    """
    if not is_under(case.date_of_birth, SCOPE_AGE, as_of):
        return []
    calendar = profile.calendar
    found: list[Finding] = []
    for obligation, kind, needed in profile.case_checks:
        if needed is not None and getattr(case, needed) is None:
            continue  # the kind would answer "does not apply": skip the call
        try:
            outcome = kind.assess(case, obligation, as_of, calendar, False)
        except UNCOUNTABLE:
            errors.append(uncountable(case, None, obligation))
            continue
        if type(outcome) is Finding:
            found.append(outcome)
    for one in disputes:
        for obligation, dispute_kind in profile.dispute_obligations:
            try:
                outcome = dispute_kind.assess(case, one, obligation, as_of, calendar, False)
            except UNCOUNTABLE:
                errors.append(uncountable(case, one, obligation))
                continue
            if type(outcome) is Finding:
                found.append(outcome)
    return found


def _guarded(case: CaseRecord, dispute: DisputeRecord | None, obligation: Obligation[Any],
             assess: Callable[[], Finding | NotApplicable]) -> Assessed:
    try:
        outcome = assess()
    except UNCOUNTABLE:
        outcome = NotApplicable(f"cannot be checked: {uncountable(case, dispute, obligation).message}")
    return Assessed(obligation, dispute, outcome)


def assess_case(case: CaseRecord, disputes: Sequence[DisputeRecord], profile: Profile,
                as_of: date) -> list[Assessed]:
    """Every obligation of the profile for one case, with the reason for those that do not apply."""
    calendar = profile.calendar
    if not is_under(case.date_of_birth, SCOPE_AGE, as_of):
        out_of_scope = NotApplicable(f"{SCOPE_AGE} or over on {as_of}: out of scope (nothing is reported from the "
                                     f"{SCOPE_AGE}th birthday)")
        return [Assessed(o, None, out_of_scope) for o in profile.obligations]
    assessed = [_guarded(case, None, o, partial(kind.assess, case, o, as_of, calendar))
                for o, kind in profile.case_obligations]
    for obligation, dispute_kind in profile.dispute_obligations:
        if not disputes:
            assessed.append(Assessed(obligation, None, NotApplicable("no dispute is recorded for this case")))
        for one in disputes:
            assess = partial(dispute_kind.assess, case, one, obligation, as_of, calendar)
            assessed.append(_guarded(case, one, obligation, assess))
    return assessed


@dataclass
class Evaluation:
    """One evaluation of a source against a profile on an as-of date. Sends nothing, writes nothing.

    The source's cases come as validated records (``checker.sources.records.ValidatedSource``, the same
    rules for every kind); the engine only evaluates them. Iterate ``results()`` once; afterwards
    ``data_errors`` holds every rejected record or field (the source's, then the engine's own for a due date
    that cannot be counted, in case order, then the disputes'), ``cases_read`` / ``cases_rejected`` the
    counts, ``cases_evaluated`` the cases that were evaluated (what the tick's source safety guard judges:
    a rejected row, or one without a ``case_ref``, is not a case present) and ``rejected_case_refs`` the
    refs rejected.
    """

    source: Source
    profile: Profile
    as_of: date
    case_errors: list[DataError] = field(default_factory=list)
    dispute_errors: list[DataError] = field(default_factory=list)
    records: ValidatedSource = field(init=False)

    def __post_init__(self) -> None:
        self.records = ValidatedSource(self.source, self.as_of, self.case_errors, self.dispute_errors)

    @property
    def cases_read(self) -> int:
        return self.records.cases_read

    @property
    def cases_rejected(self) -> int:
        return self.records.cases_rejected

    @property
    def cases_evaluated(self) -> int:
        return self.records.cases_evaluated

    @property
    def rejected_case_refs(self) -> set[str]:
        return self.records.rejected_case_refs

    @property
    def data_errors(self) -> list[DataError]:
        return self.case_errors + self.dispute_errors

    def results(self) -> Iterator[CaseResult]:
        profile, as_of, errors = self.profile, self.as_of, self.case_errors
        for case, disputes, flagged in self.records.cases():
            before = len(errors)
            found = findings_for(case, disputes, profile, as_of, errors)
            yield CaseResult(case, found, flagged or len(errors) > before)
