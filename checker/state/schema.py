"""The state database: what was found, what was told to whom, and what happened (SQLAlchemy Core).

Tables
- ``obligation_instance``: one row per (case_ref, obligation, ref) ever reported, with its latest
  status and due date; ``instance_event`` keeps its history (first seen, due date moved, status
  changed, completed, no longer reported).
- ``notification``: one row per thing to tell one recipient on one channel, unique on
  (case, obligation, ref, due date, stage, recipient, channel) so planning twice is a no-op;
  ``outbox``: the messages that group them (one per recipient, channel and tick), with the delivery
  state machine pending → sending → sent | parked | held | cancelled (``checker.state.outbox``);
  ``outbox_action``: what an operator did to a held or parked message (retry, drop), by whom, when.
- ``suppression``: snoozes and waivers, each with a reason and an expiry date, and who lifted one early.
- ``run``: the run log, one row per tick.
- ``worker_heartbeat``: each delivering process, beating while it works, so that a message claimed by
  a process that died is resumed as soon as its heartbeat lapses (``checker.state.heartbeat``).
- ``due_occurrence``: one row per due date an instance has had (a recurring obligation has one per
  round), with when it was met, how late, how far it was escalated and how it ended: the history the
  board's quarterly report counts (``checker/state/occurrences.py``).
- ``data_error_log``: each data error (case, dispute, field) from the tick it was first seen until the
  tick it was gone (``checker/state/data_errors.py``).
- ``link_action``: what a recipient did from an action link in a message (acknowledge, snooze), with
  the recipient the link was issued to; its unique ``nonce`` makes each link usable once
  (``checker/actions``).
- ``absence``: an adviser or manager away from one date to another, and who deputises
  (``checker away``; ``checker/state/absences.py``).
- ``leader_lease``: who leads (ticks and delivers) when several replicas share the database, and until
  when (see ``checker.state.leader``).

The schema is owned by the Alembic migrations in ``checker/state/migrations``; this module is the
description the code uses, and each migration must bring the database to match it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from rules.records import EMAIL_MAX_LENGTH, KEY_MAX_LENGTH

#: Every column holding a value from the case records is sized from the limits the sources enforce
#: (``rules.records``), so whatever a source accepts fits: identifiers (case_ref, obligation, dispute
#: ref, team) are ``KEY``, addresses ``EMAIL``. Keys made of several parts (``outbox.key``) are kept to
#: ``MESSAGE_KEY`` by ``checker.state.outbox.message_key``, which hashes the tail of a longer one.
KEY = KEY_MAX_LENGTH
EMAIL = EMAIL_MAX_LENGTH
MESSAGE_KEY = 400
WORKER = 200  # host:pid:token of the process (checker.state.runs.this_process)
WHO = 200  # who snoozed or waived (``--by``, or the login name)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant on every database (SQLite keeps no zone, so store and read back UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC instant")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        instant: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

run = Table(
    "run",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # tick | digest | deliver
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("as_of", Date, nullable=False),
    Column("profile", String(100), nullable=False),
    Column("source", String(300), nullable=False),
    Column("outcome", String(16), nullable=False),  # running | ok | failed | aborted | abandoned
    Column("worker", String(WORKER)),  # the process making the run (host:pid:token); see runs.abandon_dead_runs
    Column("cases_read", Integer, nullable=False, default=0),
    Column("cases_rejected", Integer, nullable=False, default=0),
    Column("findings", Integer, nullable=False, default=0),
    Column("overdue", Integer, nullable=False, default=0),
    Column("data_errors", Integer, nullable=False, default=0),
    Column("planned", Integer, nullable=False, default=0),
    Column("sent", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("parked", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("columns", Text),  # a good tick's canonical source columns, JSON (planning/guard.py)
)

obligation_instance = Table(
    "obligation_instance",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_ref", String(KEY), nullable=False),
    Column("obligation", String(KEY), nullable=False),
    Column("ref", String(KEY), nullable=False),  # the dispute_ref, or "" for case obligations
    Column("status", String(16), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("completed_on", Date),
    Column("owner", String(32), nullable=False),
    Column("escalated_to", String(32)),
    Column("stage", Integer),
    Column("working_days_overdue", Integer, nullable=False, default=0),
    Column("adviser_email", String(EMAIL)),
    Column("manager_email", String(EMAIL)),
    Column("team", String(KEY)),
    Column("initials", String(16)),  # for digests and channel cards; no names are kept here
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),  # when a tick last changed the row
    Column("last_seen_run", Integer, ForeignKey("run.id"), nullable=False),  # the run that last changed it
    Column("closed_at", UTCDateTime),  # set while the obligation is no longer reported
    Column("change_note", String(400)),  # what changed, for the next message about it (re-baselining)
    # A hash of what the tick wrote from the finding (checker/state/instances.py): equal, nothing to write.
    Column("fingerprint", BigInteger),
    UniqueConstraint("case_ref", "obligation", "ref"),
)

instance_event = Table(
    "instance_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, ForeignKey("obligation_instance.id", ondelete="CASCADE"), nullable=False),
    Column("run_id", Integer, ForeignKey("run.id")),
    Column("at", UTCDateTime, nullable=False),
    Column("event", String(32), nullable=False),  # first_seen | due_date_changed | status_changed | closed | reopened
    Column("old_value", String(64)),
    Column("new_value", String(64)),
    Index("ix_instance_event_instance_at", "instance_id", "at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(MESSAGE_KEY), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # reminder | digest | operator
    Column("recipient", String(EMAIL), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sending | sent | parked | held | cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(WORKER)),
    Column("claimed_at", UTCDateTime),
    Column("progress", String(400)),
    Column("provider_id", String(400)),
    Column("last_error", Text),
    Column("payload", Text),  # JSON facts for digests and operator alerts; purged after sending (retention.py)
    Column("rendered", Text),  # the message as first rendered, reused by every retry; purged likewise
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("run_id", Integer, ForeignKey("run.id")),
    # set (in the claim) just before the message is handed to its channel: a claim that died after it
    # may have delivered the message; one that died before it did not
    Column("handed_at", UTCDateTime),
    Index("ix_outbox_state_next", "state", "next_attempt_at"),
)

notification = Table(
    "notification",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, ForeignKey("obligation_instance.id", ondelete="CASCADE"), nullable=False),
    Column("case_ref", String(KEY), nullable=False),
    Column("obligation", String(KEY), nullable=False),
    Column("ref", String(KEY), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("stage", String(40), nullable=False),
    Column("recipient", String(EMAIL), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("message_id", Integer, ForeignKey("outbox.id"), index=True),
    Column("state", String(16), nullable=False),  # planned | cancelled | sent
    Column("note", String(400)),
    Column("facts", Text),  # JSON for rendering; names allowed; purged after sending (retention.py)
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("case_ref", "obligation", "ref", "due_date", "stage", "recipient", "channel",
                     name="uq_notification_key"),
    Index("ix_notification_instance", "instance_id"),
    # PostgreSQL: room on each page so marking an item sent (state, then facts purged; neither indexed) is a
    # heap-only update, not a new tuple plus four index entries (migration 0011, docs/operations.md)
    postgresql_with={"fillfactor": 70},
)

suppression = Table(
    "suppression",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(8), nullable=False),  # snooze | waive
    Column("case_ref", String(KEY), nullable=False),
    Column("obligation", String(KEY), nullable=False),
    Column("ref", String(KEY), nullable=False),
    Column("reason", Text, nullable=False),
    Column("until", Date, nullable=False),
    Column("created_by", String(WHO), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),  # lifted (``checker snooze lift``) at this instant ...
    Column("revoked_by", String(WHO)),  # ... by this person (the audit of the lift)
    Index("ix_suppression_case", "case_ref", "obligation", "ref"),
)

due_occurrence = Table(
    "due_occurrence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, ForeignKey("obligation_instance.id", ondelete="CASCADE"), nullable=False),
    Column("case_ref", String(100), nullable=False),
    Column("obligation", String(100), nullable=False),
    Column("ref", String(100), nullable=False),
    Column("team", String(100)),
    Column("adviser_email", String(254)),
    Column("owner", String(32), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("anchor", Date),
    Column("state", String(16), nullable=False),  # open | met | superseded | closed
    Column("met_on", Date),
    Column("working_days_late", Integer),  # met after its due date: working days from due date to met
    Column("escalated_to", String(32)),  # the highest role it reached while overdue
    Column("dispute_stage", Integer),  # disputes: the highest stage seen for this due date
    Column("working_days_to_resolve", Integer),  # disputes: first known stage start to resolution
    Column("first_seen_on", Date, nullable=False),
    Column("updated_on", Date, nullable=False),  # the as-of date of its last change
    Column("ended_on", Date),  # the as-of date it stopped being open (met, superseded or closed)
    UniqueConstraint("instance_id", "due_date", name="uq_due_occurrence_instance_due"),
    Index("ix_due_occurrence_due", "due_date"),
)

data_error_log = Table(
    "data_error_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_ref", String(100), nullable=False),  # "" when the row had none
    Column("dispute_ref", String(100), nullable=False),  # "" for a cases row
    Column("field", String(100), nullable=False),
    Column("first_seen_on", Date, nullable=False),
    Column("last_seen_on", Date, nullable=False),  # the last tick that saw it, once fixed (data_errors.py)
    Column("fixed_on", Date),  # the first tick's as-of date without it
    Column("days_unfixed", Integer),  # calendar days from first seen to fixed
    Index("ix_data_error_log_open", "fixed_on"),
)

leader_lease = Table(
    "leader_lease",
    metadata,
    Column("name", Text, primary_key=True),  # what is led, e.g. "checker"
    Column("holder", Text, nullable=False),  # the replica that holds (or last held) it
    Column("acquired_at", UTCDateTime, nullable=False),  # when the holder's current tenure began
    Column("renewed_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),  # free once this has passed
)

outbox_action = Table(
    "outbox_action",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("outbox.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("action", String(16), nullable=False),  # retry | drop
    Column("state_before", String(16), nullable=False),  # held | parked
    Column("by", String(200), nullable=False),  # the operator's login name
    Column("at", UTCDateTime, nullable=False),
)

worker_heartbeat = Table(
    "worker_heartbeat",
    metadata,
    Column("worker", String(200), primary_key=True),  # the claimant name of outbox rows (host:pid:random)
    Column("started_at", UTCDateTime, nullable=False),
    Column("beat_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),  # known dead once this has passed
)

link_action = Table(
    "link_action",
    metadata,
    Column("id", Integer, primary_key=True),
    # The link's one-time number: unique, so a link is used once (the used-token table, checker/actions).
    Column("nonce", String(32), nullable=False, unique=True),
    Column("action", String(16), nullable=False),  # acknowledge | snooze
    Column("instance_id", Integer, ForeignKey("obligation_instance.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("case_ref", String(KEY), nullable=False),
    Column("obligation", String(KEY), nullable=False),
    Column("ref", String(KEY), nullable=False),
    Column("team", String(KEY)),
    Column("due_date", Date, nullable=False),  # the due date the link was issued for
    Column("stage", String(40), nullable=False),  # the reminder stage it came with (lead-5, due, overdue-1)
    Column("recipient", String(EMAIL)),  # who the link was issued to; erased by retention.py
    Column("at", UTCDateTime, nullable=False),
    Column("snooze_until", Date),
    Column("reason", Text),  # a snooze's reason (also on its suppression row)
)

absence = Table(
    "absence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(EMAIL), nullable=False, index=True),  # the adviser or manager who is away
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),  # inclusive
    Column("deputy", String(EMAIL)),  # who takes their items; none: the team manager (or senior manager)
    Column("created_by", String(WHO), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)
