"""The run row keeps the source's column set, so the source guard can tell a column that went missing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has had DROP COLUMN since 3.35): a batch "move and copy" of
# run would fail on SQLite, whose foreign keys from obligation_instance and instance_event are enforced.


def upgrade() -> None:
    op.add_column("run", sa.Column("columns", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("run", "columns")
