"""The demo's case-management database: a small schema of its own, and loading a caseload into it.

The schema looks like the system a leaving-care service runs, not like the canonical columns: people,
their care episodes, placements, housing register applications, pathway plans, custody episodes and a
log of dated events, plus staff and teams, and the housing dispute log. Dates and flags are TEXT, as in
many older systems, so a value typed wrong (``2025/13/45``, ``maybe``) is kept as typed and reaches the
checker's validation unchanged. ``person_ref`` is not unique: two records for one person is the kind of
mistake a migration leaves behind, and the checker must reject both.

``config/sql/demo_cases.sql`` and ``demo_disputes.sql`` map this schema back to the canonical columns,
as an operator's queries would. ``load`` writes canonical rows (``checker.demo.caseload``) through
SQLAlchemy Core in batches, so any number of cases streams into the database; a row that this schema
could not give back exactly as it came (which the generator never makes) is refused with ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)

from checker.demo.roster import ESTABLISHMENTS, staff_member
from checker.sources.values import parse_bool

Row = Mapping[str, str | None]
_BATCH = 2000

metadata = MetaData()


def _dates(*names: str) -> list[Column[Any]]:
    return [Column(name, Text) for name in names]


def _person_id(unique: bool = False) -> Column[Any]:
    return Column("young_person_id", Integer, ForeignKey("young_person.id"), nullable=False, index=not unique,
                  unique=unique)


staff = Table(
    "staff", metadata,
    Column("id", Integer, primary_key=True),
    Column("full_name", Text),
    Column("email", Text, nullable=False, unique=True),
    Column("job_title", Text, nullable=False),
)
team = Table(
    "team", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("manager_id", Integer, ForeignKey("staff.id")),
)
young_person = Table(
    "young_person", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_ref", Text, nullable=False, index=True),
    Column("given_name", Text),
    Column("family_name", Text),
    Column("date_of_birth", Text),
    Column("team_id", Integer, ForeignKey("team.id")),
    Column("adviser_id", Integer, ForeignKey("staff.id")),
    Column("adviser_allocated_on", Text),
    Column("leaving_care_status", Text),  # ELIG, REL, FREL, QUAL
    Column("support_after_21", Text),
    Column("local_connection_district", Text),
)
care_episode = Table("care_episode", metadata, Column("id", Integer, primary_key=True), _person_id(),
                     *_dates("started_on", "ended_on"))
placement = Table(
    "placement", metadata, Column("id", Integer, primary_key=True), _person_id(unique=True),
    Column("district", Text), Column("settled", Text), Column("out_of_area", Text),
    *_dates("district_since", "planned_move_on", "move_plan_agreed_on", "bnb_since", "bnb_approved_on"),
)
housing_register = Table("housing_register", metadata, Column("id", Integer, primary_key=True),
                         _person_id(unique=True), *_dates("joined_on", "renewed_on"))
pathway_plan = Table("pathway_plan", metadata, Column("id", Integer, primary_key=True), _person_id(unique=True),
                     *_dates("last_reviewed_on", "last_shared_on"))
custody_episode = Table(
    "custody_episode", metadata, Column("id", Integer, primary_key=True), _person_id(),
    Column("establishment", Text), Column("accommodation_confirmed", Text),
    *_dates("started_on", "expected_release_on", "release_review_invited_on", "released_on"),
)
case_event = Table(
    "case_event", metadata, Column("id", Integer, primary_key=True), _person_id(),
    Column("event_type", Text, nullable=False), Column("event_on", Text),
    UniqueConstraint("young_person_id", "event_type"),
)
housing_dispute = Table(
    "housing_dispute", metadata,
    Column("id", Integer, primary_key=True),
    Column("dispute_ref", Text, nullable=False),
    Column("person_ref", Text, nullable=False),  # as written on the dispute log, not a foreign key
    Column("stage", Integer),
    *_dates("stage_started_on", "resolved_on"),
)

LEAVING_CARE_CODES = {"eligible": "ELIG", "relevant": "REL", "former_relevant": "FREL", "qualifying": "QUAL"}

# Canonical column -> column of a table with at most one row per young person.
_ONE_ROW_TABLES: tuple[tuple[Table, dict[str, str]], ...] = (
    (care_episode, {"looked_after_since": "started_on", "ceased_looked_after_on": "ended_on"}),
    (placement, {"placement_area": "district", "placement_area_since": "district_since",
                 "placement_settled": "settled", "placed_out_of_area": "out_of_area",
                 "planned_move_on": "planned_move_on", "move_plan_agreed_on": "move_plan_agreed_on",
                 "bnb_since": "bnb_since", "bnb_approved_on": "bnb_approved_on"}),
    (housing_register, {"housing_register_joined_on": "joined_on", "housing_register_renewed_on": "renewed_on"}),
    (pathway_plan, {"pathway_plan_reviewed_on": "last_reviewed_on", "pathway_plan_shared_on": "last_shared_on"}),
)
_CUSTODY = {"custody_started_on": "started_on", "release_date": "expected_release_on",
            "release_review_invited_on": "release_review_invited_on",
            "release_accommodation_confirmed": "accommodation_confirmed"}
EVENT_TYPES = {
    "housing_panel_on": "HOUSING_PANEL", "housing_options_meeting_on": "HOUSING_OPTIONS_MEETING",
    "joint_housing_assessment_on": "JOINT_HOUSING_ASSESSMENT", "pre18_panel_on": "PANEL_17_PLUS",
    "housing_contact_on": "HOUSING_OPTIONS_CONTACT", "threatened_with_homelessness_on": "HOMELESSNESS_THREAT",
    "duty_to_refer_on": "DUTY_TO_REFER", "host_register_joined_on": "HOST_REGISTER_JOINED",
    "consent_to_share_on": "CONSENT_TO_SHARE", "intentionality_decision_on": "INTENTIONALITY_DECISION",
    "intentionality_signoff_on": "INTENTIONALITY_SIGNOFF",
}


class _Loader:
    """Turns canonical rows into rows of the schema, a batch at a time, on one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.staff_ids: dict[str, int] = {}
        self.teams: dict[str, tuple[int, str | None]] = {}
        self.batches: dict[Table, list[dict[str, Any]]] = {}
        self.people = 0

    def _add(self, table: Table, values: dict[str, Any]) -> None:
        self.batches.setdefault(table, []).append(values)

    def flush(self) -> None:
        # young_person first: the other tables point at it (and foreign keys may be enforced).
        for table in sorted(self.batches, key=lambda t: t is not young_person):
            if self.batches[table]:
                self.connection.execute(table.insert(), self.batches[table])
        self.batches.clear()

    def _staff(self, email: str | None, job_title: str) -> int | None:
        if email is None:
            return None
        known = self.staff_ids.get(email)
        if known is None:
            member = staff_member(email)
            known = self.staff_ids[email] = self.connection.execute(staff.insert().values(
                full_name=member.full_name if member else None, email=email, job_title=job_title,
            ).returning(staff.c.id)).scalar_one()
        return known

    def _team(self, ref: str | None, name: str | None, manager: str | None) -> int | None:
        if name is None:
            if manager is not None:
                raise ValueError(f"case {ref}: a manager_email without a team cannot be stored (managers lead teams)")
            return None
        known = self.teams.get(name)
        if known is None:
            team_id = self.connection.execute(team.insert().values(
                name=name, manager_id=self._staff(manager, "Team manager")).returning(team.c.id)).scalar_one()
            known = self.teams[name] = (team_id, manager)
        elif known[1] != manager:
            raise ValueError(f"case {ref}: team {name} is managed by {known[1]}, not {manager}")
        return known[0]

    def case(self, row: Row) -> None:
        self.people += 1
        person, ref = self.people, row.get("case_ref")
        category = row.get("leaving_care_category")
        if category is not None and category not in LEAVING_CARE_CODES:
            raise ValueError(f"case {ref}: leaving_care_category {category!r} has no code in this system")
        self._add(young_person, {
            "id": person, "person_ref": ref, "given_name": row.get("given_name"),
            "family_name": row.get("family_name"), "date_of_birth": row.get("date_of_birth"),
            "team_id": self._team(ref, row.get("team"), row.get("manager_email")),
            "adviser_id": self._staff(row.get("adviser_email"), "Personal adviser"),
            "adviser_allocated_on": row.get("adviser_allocated_on"),
            "leaving_care_status": LEAVING_CARE_CODES[category] if category else None,
            "support_after_21": row.get("support_requested_after_21"),
            "local_connection_district": row.get("local_connection_area"),
        })
        for table, columns in _ONE_ROW_TABLES:
            values = {column: row.get(canonical) for canonical, column in columns.items()}
            if any(v is not None for v in values.values()):
                self._add(table, {"young_person_id": person, **values})
        custody = {column: row.get(canonical) for canonical, column in _CUSTODY.items()}
        if parse_bool(row.get("in_custody")):
            self._add(custody_episode, {"young_person_id": person, "released_on": None,
                                        "establishment": ESTABLISHMENTS[person % len(ESTABLISHMENTS)], **custody})
        elif any(v is not None for v in custody.values()):
            raise ValueError(f"case {ref}: custody details without in_custody cannot be stored")
        for canonical, event_type in EVENT_TYPES.items():
            day = row.get(canonical)
            if day is not None:
                self._add(case_event, {"young_person_id": person, "event_type": event_type, "event_on": day})

    def dispute(self, row: Row) -> None:
        stage = row.get("stage")
        self._add(housing_dispute, {
            "dispute_ref": row.get("dispute_ref"), "person_ref": row.get("case_ref"),
            "stage": int(stage) if stage is not None and stage.isdigit() else stage,
            "stage_started_on": row.get("stage_started_on"), "resolved_on": row.get("resolved_on"),
        })


def load(engine: Engine, cases: Iterable[Row], disputes: Iterable[Row]) -> tuple[int, int]:
    """Create the schema and write the caseload in one transaction; the numbers of cases and disputes."""
    metadata.create_all(engine)
    count = 0
    with engine.begin() as connection:
        loader = _Loader(connection)
        for row in cases:
            loader.case(row)
            if loader.people % _BATCH == 0:
                loader.flush()
        for count, row in enumerate(disputes, start=1):
            loader.dispute(row)
            if count % _BATCH == 0:
                loader.flush()
        loader.flush()
    return loader.people, count


def _fast_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # A demo file that is rebuilt from scratch each time: no need to survive a power cut mid-write.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = OFF")
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


def write_sqlite(path: Path, cases: Iterable[Row], disputes: Iterable[Row]) -> tuple[str, int, int]:
    """Replace ``path`` with a new SQLite database of the caseload; its URL and the numbers written."""
    for stale in (path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{path.resolve()}"
    engine = create_engine(url)
    event.listen(engine, "connect", _fast_sqlite)
    try:
        people, disputes_written = load(engine, cases, disputes)
    finally:
        engine.dispose()
    return url, people, disputes_written
