"""Instance fingerprints: a hash of what a tick wrote from a finding, so that a tick finding the same writes nothing.

Existing rows get none: the first tick after the upgrade counts each of them as changed once and rewrites it
with its fingerprint (and brings its due occurrence up to date), as every tick did before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("obligation_instance", sa.Column("fingerprint", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("obligation_instance") as batch:
        batch.drop_column("fingerprint")
