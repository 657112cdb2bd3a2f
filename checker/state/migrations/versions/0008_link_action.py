"""Action links: what a recipient did from a message's acknowledge or snooze link (each link used once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from checker.state.schema import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("obligation", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100)),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(254)),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("snooze_until", sa.Date()),
        sa.Column("reason", sa.Text()),
        sa.ForeignKeyConstraint(["instance_id"], ["obligation_instance.id"], ondelete="CASCADE",
                                name="fk_link_action_instance_id_obligation_instance"),
        sa.PrimaryKeyConstraint("id", name="pk_link_action"),
        sa.UniqueConstraint("nonce", name="uq_link_action_nonce"),
    )
    op.create_index("ix_link_action_instance_id", "link_action", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_link_action_instance_id", table_name="link_action")
    op.drop_table("link_action")
