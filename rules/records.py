"""The canonical case records and the findings made from them.

The column tables are the data contract of docs/input.md: every
source (CSV, SQL) returns these column names, and a profile may read only these columns. Records are
built by ``checker.sources`` after validation, so a record here always holds well-typed values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

ColumnType = Literal["text", "date", "bool", "email", "int"]

#: The longest identifier (case_ref, team, dispute_ref, obligation name) a source may hand over. The state
#: database sizes its key columns to these limits, so a value the source accepts always fits there.
KEY_MAX_LENGTH = 100
#: The longest e-mail address (RFC 5321 path limit) a source may hand over; the state database's address
#: columns are sized to it.
EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    meaning: str = ""


def _table(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


CASE_COLUMNS: dict[str, Column] = _table(
    # docs/input.md
    Column("case_ref", "text", required=True, meaning="the case-management system's person id; unique"),
    Column("given_name", "text", meaning="for display in reminders"),
    Column("family_name", "text", meaning="for display in reminders"),
    Column("date_of_birth", "date", required=True),
    Column("looked_after_since", "date", meaning="start of the current or most recent period in care"),
    Column("ceased_looked_after_on", "date", meaning="end of that period; empty while still in care"),
    Column("leaving_care_category", "text", meaning="eligible, relevant, former_relevant or qualifying"),
    Column("support_requested_after_21", "bool", meaning="asked for PA support from 21 to 25 (001 §1.2)"),
    Column("adviser_email", "email", meaning="the allocated personal adviser"),
    Column("manager_email", "email", meaning="the adviser's team manager"),
    Column("team", "text", meaning="team or locality, for digests and reports"),
    Column("housing_register_joined_on", "date", meaning="first joined the Part 6 housing register"),
    Column("housing_register_renewed_on", "date", meaning="last renewal of that registration"),
    Column("pathway_plan_reviewed_on", "date", meaning="last pathway plan review"),
    Column("in_custody", "bool", meaning="in prison or youth custody now"),
    Column("custody_started_on", "date", meaning="start of the current custody period"),
    Column("release_date", "date", meaning="expected release date"),
    Column("release_review_invited_on", "date", meaning="partners invited to the pre-release review"),
    # docs/input.md
    Column("adviser_allocated_on", "date", meaning="PA allocated"),
    Column("housing_panel_on", "date", meaning="presented at the multi-agency housing panel (000 §4)"),
    Column("housing_options_meeting_on", "date", meaning="attended the housing options meeting (000 §5)"),
    Column("placed_out_of_area", "bool", meaning="placed outside the authority's boundary (000 §10)"),
    Column("joint_housing_assessment_on", "date", meaning="Joint Housing Assessment done (003 §6.1)"),
    Column("pre18_panel_on", "date", meaning="discussed at the 17+ panel (004 §6.2)"),
    Column("planned_move_on", "date", meaning="planned date of leaving the placement or moving"),
    Column("housing_contact_on", "date", meaning="PA contacted the housing options team (002 §8.1)"),
    Column("move_plan_agreed_on", "date", meaning="the move was planned with the young person (001 §2.2)"),
    Column("threatened_with_homelessness_on", "date", meaning="homeless or will be within 56 days"),
    Column("duty_to_refer_on", "date", meaning="Duty to Refer submitted to the housing authority"),
    Column("release_accommodation_confirmed", "bool", meaning="accommodation for release is secured"),
    Column("local_connection_area", "text", meaning="Part 6 local-connection district (000 §8)"),
    Column("placement_area", "text", meaning="district of the current placement (000 §8)"),
    Column("placement_area_since", "date", meaning="in the current placement district since"),
    Column("placement_settled", "bool", meaning="placement long-term and settled (000 §8 a-c)"),
    Column("host_register_joined_on", "date", meaning="joined the host district's register"),
    Column("consent_to_share_on", "date", meaning="information-sharing consent signed (002 §3.5)"),
    Column("pathway_plan_shared_on", "date", meaning="pathway plan part 2 last shared with housing"),
    Column("bnb_since", "date", meaning="placed in B&B by the leaving care service since (000 §15)"),
    Column("bnb_approved_on", "date", meaning="approval of that placement (000 §15, 003 §5.5)"),
    Column("intentionality_decision_on", "date", meaning="intentional homelessness decision issued"),
    Column("intentionality_signoff_on", "date", meaning="senior sign-off from both services (001 §2.10)"),
)

DISPUTE_COLUMNS: dict[str, Column] = _table(
    Column("dispute_ref", "text", required=True, meaning="unique"),
    Column("case_ref", "text", required=True, meaning="the young person it concerns"),
    Column("stage", "int", required=True, meaning="1 workers, 2 managers, 3 senior manager, 4 head of service"),
    Column("stage_started_on", "date", required=True, meaning="when the dispute reached its current stage"),
    Column("resolved_on", "date", meaning="empty while unresolved"),
)

CASE_DATE_COLUMNS: tuple[str, ...] = tuple(n for n, c in CASE_COLUMNS.items() if c.type == "date")
CASE_BOOL_COLUMNS: tuple[str, ...] = tuple(n for n, c in CASE_COLUMNS.items() if c.type == "bool")

LEAVING_CARE_CATEGORIES = frozenset({"eligible", "relevant", "former_relevant", "qualifying"})


# CaseRecord, Finding and NotApplicable are built once per case, finding or skipped obligation, a million
# times a run: a frozen dataclass pays an object.__setattr__ per field for that (about 5x the cost of a
# plain slotted one). They are read-only by contract instead - nothing assigns to them - and keep the
# frozen classes' equality and hash (``unsafe_hash``).


@dataclass(slots=True, unsafe_hash=True)
class CaseRecord:
    """One young person, as validated from a cases row. Empty cells are ``None`` (bools: ``False``).

    Read-only by contract: records are shared by every obligation of the case.
    """

    case_ref: str
    date_of_birth: date
    given_name: str | None = None
    family_name: str | None = None
    looked_after_since: date | None = None
    ceased_looked_after_on: date | None = None
    leaving_care_category: str | None = None
    support_requested_after_21: bool = False
    adviser_email: str | None = None
    manager_email: str | None = None
    team: str | None = None
    housing_register_joined_on: date | None = None
    housing_register_renewed_on: date | None = None
    pathway_plan_reviewed_on: date | None = None
    in_custody: bool = False
    custody_started_on: date | None = None
    release_date: date | None = None
    release_review_invited_on: date | None = None
    adviser_allocated_on: date | None = None
    housing_panel_on: date | None = None
    housing_options_meeting_on: date | None = None
    placed_out_of_area: bool = False
    joint_housing_assessment_on: date | None = None
    pre18_panel_on: date | None = None
    planned_move_on: date | None = None
    housing_contact_on: date | None = None
    move_plan_agreed_on: date | None = None
    threatened_with_homelessness_on: date | None = None
    duty_to_refer_on: date | None = None
    release_accommodation_confirmed: bool = False
    local_connection_area: str | None = None
    placement_area: str | None = None
    placement_area_since: date | None = None
    placement_settled: bool = False
    host_register_joined_on: date | None = None
    consent_to_share_on: date | None = None
    pathway_plan_shared_on: date | None = None
    bnb_since: date | None = None
    bnb_approved_on: date | None = None
    intentionality_decision_on: date | None = None
    intentionality_signoff_on: date | None = None

    def in_care_on(self, day: date) -> bool:
        """In care on ``day`` (extended §3.1): looked after on or before it and not ceased before it."""
        since = self.looked_after_since
        if since is None or since > day:
            return False
        ceased = self.ceased_looked_after_on
        return ceased is None or ceased >= day


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    """One escalated concern (000 §18), validated from a disputes row."""

    dispute_ref: str
    case_ref: str
    stage: int
    stage_started_on: date
    resolved_on: date | None = None


class Status(StrEnum):
    MET = "met"
    PENDING = "pending"
    OVERDUE = "overdue"


class Role(StrEnum):
    """Who owns or is escalated an obligation, lowest first (docs/profiles.md)."""

    ADVISER = "adviser"
    MANAGER = "manager"
    SENIOR_MANAGER = "senior_manager"
    HEAD_OF_SERVICE = "head_of_service"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {role: i for i, role in enumerate(Role)}


@dataclass(slots=True, unsafe_hash=True)
class Finding:
    """One obligation instance on the as-of date: the fields of docs/input.md and a few more.

    ``anchor`` is the date the period runs from and ``evidence_columns`` the columns that complete it,
    both for ``checker explain``. ``stage``/``escalate_to_stage`` are set for disputes only, and
    ``escalated_to`` never for disputes (docs/profiles.md).
    """

    case_ref: str
    obligation: str
    ref: str | None
    status: Status
    due_date: date
    completed_on: date | None
    owner: Role
    escalated_to: Role | None
    citation: str
    working_days_overdue: int
    anchor: date | None = None
    evidence_columns: tuple[str, ...] = ()
    stage: int | None = None
    escalate_to_stage: int | None = None


@dataclass(slots=True, unsafe_hash=True)
class NotApplicable:
    """Why an obligation does not apply to a case on the as-of date (for ``checker explain``)."""

    reason: str


@dataclass(frozen=True, slots=True)
class DataError:
    """A rejected record or field: who, which field, and a plain-English reason (docs/input.md)."""

    case_ref: str | None
    dispute_ref: str | None
    field: str
    message: str
