"""Board history: each due date an obligation instance had, and each data error while it lasted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "due_occurrence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("obligation", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("team", sa.String(100)),
        sa.Column("adviser_email", sa.String(254)),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("anchor", sa.Date()),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("met_on", sa.Date()),
        sa.Column("working_days_late", sa.Integer()),
        sa.Column("escalated_to", sa.String(32)),
        sa.Column("dispute_stage", sa.Integer()),
        sa.Column("working_days_to_resolve", sa.Integer()),
        sa.Column("first_seen_on", sa.Date(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date()),
        sa.ForeignKeyConstraint(["instance_id"], ["obligation_instance.id"], ondelete="CASCADE",
                                name="fk_due_occurrence_instance_id_obligation_instance"),
        sa.PrimaryKeyConstraint("id", name="pk_due_occurrence"),
        sa.UniqueConstraint("instance_id", "due_date", name="uq_due_occurrence_instance_due"),
    )
    op.create_index("ix_due_occurrence_due", "due_occurrence", ["due_date"])
    op.create_table(
        "data_error_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_ref", sa.String(100), nullable=False),
        sa.Column("dispute_ref", sa.String(100), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("first_seen_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("fixed_on", sa.Date()),
        sa.Column("days_unfixed", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_data_error_log"),
    )
    op.create_index("ix_data_error_log_open", "data_error_log", ["fixed_on"])


def downgrade() -> None:
    op.drop_index("ix_data_error_log_open", table_name="data_error_log")
    op.drop_table("data_error_log")
    op.drop_index("ix_due_occurrence_due", table_name="due_occurrence")
    op.drop_table("due_occurrence")
