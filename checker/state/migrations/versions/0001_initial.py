"""Initial state schema: runs, obligation instances and their history, notifications, outbox, suppressions.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from checker.state.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("profile", sa.String(100), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False)
          for name in ("cases_read", "cases_rejected", "findings", "overdue", "data_errors",
                       "planned", "sent", "failed", "parked")),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_run"),
    )
    op.create_table(
        "obligation_instance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("obligation", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date()),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("escalated_to", sa.String(32)),
        sa.Column("stage", sa.Integer()),
        sa.Column("working_days_overdue", sa.Integer(), nullable=False),
        sa.Column("adviser_email", sa.String(254)),
        sa.Column("manager_email", sa.String(254)),
        sa.Column("team", sa.String(100)),
        sa.Column("initials", sa.String(16)),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_run", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTCDateTime()),
        sa.Column("change_note", sa.String(400)),
        sa.PrimaryKeyConstraint("id", name="pk_obligation_instance"),
        sa.ForeignKeyConstraint(["last_seen_run"], ["run.id"], name="fk_obligation_instance_last_seen_run_run"),
        sa.UniqueConstraint("case_ref", "obligation", "ref", name="uq_obligation_instance_case_ref"),
    )
    op.create_table(
        "instance_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("old_value", sa.String(64)),
        sa.Column("new_value", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_instance_event"),
        sa.ForeignKeyConstraint(["instance_id"], ["obligation_instance.id"], ondelete="CASCADE",
                                name="fk_instance_event_instance_id_obligation_instance"),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name="fk_instance_event_run_id_run"),
    )
    op.create_index("ix_instance_event_instance_at", "instance_event", ["instance_id", "at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(200)),
        sa.Column("claimed_at", UTCDateTime()),
        sa.Column("progress", sa.String(400)),
        sa.Column("provider_id", sa.String(400)),
        sa.Column("last_error", sa.Text()),
        sa.Column("payload", sa.Text()),
        sa.Column("rendered", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
        sa.Column("run_id", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name="fk_outbox_run_id_run"),
    )
    op.create_index("ix_outbox_state_next", "outbox", ["state", "next_attempt_at"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("obligation", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("message_id", sa.Integer()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.String(400)),
        sa.Column("facts", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
        sa.ForeignKeyConstraint(["instance_id"], ["obligation_instance.id"], ondelete="CASCADE",
                                name="fk_notification_instance_id_obligation_instance"),
        sa.ForeignKeyConstraint(["message_id"], ["outbox.id"], name="fk_notification_message_id_outbox"),
        sa.UniqueConstraint("case_ref", "obligation", "ref", "due_date", "stage", "recipient", "channel",
                            name="uq_notification_key"),
    )
    op.create_index("ix_notification_message_id", "notification", ["message_id"])
    op.create_index("ix_notification_instance", "notification", ["instance_id"])
    op.create_table(
        "suppression",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("obligation", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_suppression"),
    )
    op.create_index("ix_suppression_case", "suppression", ["case_ref", "obligation", "ref"])


def downgrade() -> None:
    for table in ("suppression", "notification", "outbox", "instance_event", "obligation_instance", "run"):
        op.drop_table(table)
