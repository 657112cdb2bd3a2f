"""Kind ``ladder``: each stage of a dispute must resolve within N working days or move up.

The escalation procedure of 000 §18 (stage 1 workers, 2 managers, 3 senior manager lead for housing,
4 head of service) with BCP's timescale of 2 working days a stage (003 §17.1-17.2). One finding per
dispute row, ``ref`` = its ``dispute_ref``; owner is the role of the current stage; ``met`` with
``completed_on`` = ``resolved_on`` once resolved; when overdue, ``escalate_to_stage`` is the next
stage (the last stage stays where it is). Disputes carry no ``escalated_to`` (extended §4).
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from rules.calendar import WorkingCalendar
from rules.kinds.base import Assessment, DisputeRuleKind
from rules.obligation import Obligation, standing
from rules.periods import Parameters
from rules.records import CaseRecord, DisputeRecord, Finding, Role, Status

DEFAULT_STAGE_OWNERS = (Role.ADVISER, Role.MANAGER, Role.SENIOR_MANAGER, Role.HEAD_OF_SERVICE)


class LadderParameters(Parameters):
    working_days_per_stage: int = Field(default=2, ge=1)
    stage_owners: tuple[Role, Role, Role, Role] = DEFAULT_STAGE_OWNERS


def columns(p: LadderParameters) -> frozenset[str]:
    return frozenset()


def evidence(p: LadderParameters) -> tuple[str, ...]:
    return ("resolved_on",)


def assess(
    case: CaseRecord,
    dispute: DisputeRecord,
    ob: Obligation[LadderParameters],
    as_of: date,
    calendar: WorkingCalendar,
    explain: bool = True,
) -> Assessment:
    if (why := ob.not_applicable(case, as_of, explain)) is not None:
        return why
    p = ob.parameters
    stage = dispute.stage
    due = calendar.working_days_after(dispute.stage_started_on, p.working_days_per_stage)
    status, late = standing(due, dispute.resolved_on, as_of, calendar)
    escalate = min(stage + 1, len(p.stage_owners)) if status is Status.OVERDUE else None
    return Finding(case.case_ref, ob.id, dispute.dispute_ref, status, due, dispute.resolved_on,
                   p.stage_owners[stage - 1], None, ob.citation, late, dispute.stage_started_on,
                   ob.evidence_columns, stage, escalate)


KIND = DisputeRuleKind(
    name="ladder",
    parameters=LadderParameters,
    columns=columns,
    evidence=evidence,
    assess=assess,
    summary="each stage of a dispute resolves within N working days or goes to the next stage",
)
