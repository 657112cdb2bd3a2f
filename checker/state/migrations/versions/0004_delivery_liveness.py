"""Honest delivery: worker heartbeats, when a message was handed to its channel, operators' outbox actions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from checker.state.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker", sa.String(200), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("beat_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("worker", name="pk_worker_heartbeat"),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("handed_at", UTCDateTime()))
    op.create_table(
        "outbox_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("state_before", sa.String(16), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["outbox.id"], name="fk_outbox_action_message_id_outbox",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_action"),
    )
    op.create_index("ix_outbox_action_message_id", "outbox_action", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_action_message_id", table_name="outbox_action")
    op.drop_table("outbox_action")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("handed_at")
    op.drop_table("worker_heartbeat")
