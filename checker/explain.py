"""``checker explain``: the engine on one record, with its reasons written out.

For every obligation of the profile: whether it applies (or the reason it does not), the anchor,
the due date, the evidence found, the status, the days to go or overdue, and the citation.
Names are not shown: the case reference identifies the young person.
"""

from __future__ import annotations

from datetime import date

from checker.engine import Assessed, assess_case
from checker.profiles import Profile
from checker.report_text import plural
from checker.sources.base import Source
from checker.sources.records import find_case
from rules.calendar import age_on
from rules.periods import case_anchor_a
from rules.records import CaseRecord, Finding, Status


def _status_line(f: Finding, as_of: date) -> str:
    if f.status is Status.MET:
        late = f.completed_on is not None and f.completed_on > f.due_date
        return f"met on {f.completed_on}" + (" (after the due date)" if late else "")
    if f.status is Status.PENDING:
        left = (f.due_date - as_of).days
        return f"pending: {'due today' if left == 0 else plural(left, 'day') + ' to go'}"
    line = (f"OVERDUE by {plural((as_of - f.due_date).days, 'day')} "
            f"({plural(f.working_days_overdue, 'working day')})")
    if f.escalate_to_stage is not None:
        line += f"; escalate to stage {f.escalate_to_stage}"
    elif f.escalated_to is not None:
        line += f"; escalated to {f.escalated_to.value}"
    return line


def _block(item: Assessed, case: CaseRecord, as_of: date) -> list[str]:
    ob = item.obligation
    head = f"{ob.id}" + (f" [{item.dispute.dispute_ref}, stage {item.dispute.stage}]" if item.dispute else "")
    lines = [f"{head}: {ob.title} ({ob.citation})"]
    outcome = item.outcome
    if not isinstance(outcome, Finding):
        lines.append(f"  does not apply: {outcome.reason}")
        return lines
    evidence = ", ".join(
        f"{column} = {getattr(item.dispute if item.dispute and column == 'resolved_on' else case, column) or 'empty'}"
        for column in outcome.evidence_columns
    )
    lines += [
        f"  applies; owner {outcome.owner.value}",
        f"  anchor:   {outcome.anchor}",
        f"  due:      {outcome.due_date}",
        f"  evidence: {evidence or 'none needed'}",
        f"  status:   {_status_line(outcome, as_of)}",
    ]
    return lines


def explain_case(source: Source, profile: Profile, as_of: date, case_ref: str) -> tuple[str, bool]:
    """The explanation text, and whether the case was found in the source."""
    found = find_case(source, as_of, case_ref)
    if not found.rows:
        return f"No case {case_ref} in {source.description}.", False
    case, disputes, errors = found.case, found.disputes, found.errors
    out = [f"Case {case_ref} as of {as_of}, profile {profile.name} ({profile.title})"]
    if case is not None:
        anchor = case_anchor_a(case)
        out.append(
            f"Age {age_on(case.date_of_birth, as_of)}; A (later of 16th birthday and looked_after_since) = "
            f"{anchor or 'not known: never looked after'}; adviser {case.adviser_email or 'none'}, "
            f"manager {case.manager_email or 'none'}, team {case.team or 'none'}"
        )
    if errors:
        out.append("")
        out.append("Data errors:")
        out += [f"  {e.field}: {e.message}" for e in errors]
    if case is None:
        out.append("")
        out.append("The case is rejected, so no obligation is checked for it until the data is fixed.")
        return "\n".join(out), True
    for item in assess_case(case, disputes, profile, as_of):
        out.append("")
        out += _block(item, case, as_of)
    return "\n".join(out), True
