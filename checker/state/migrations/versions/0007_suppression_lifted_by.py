"""Who lifted a snooze or waiver early (``checker snooze lift``, ``checker waiver lift``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("suppression", sa.Column("revoked_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("suppression") as batch:
        batch.drop_column("revoked_by")
