"""The process that makes each run (``run.worker``), so a run left ``running`` by a dead process is found.

The key and address columns were already as wide as the limits the sources enforce
(``rules.records.KEY_MAX_LENGTH``, 100, and ``EMAIL_MAX_LENGTH``, 254); ``schema.py`` now names those
limits instead of repeating the numbers, so nothing else changes here.

On SQLite the column is added in batch mode, which for an added nullable column is a plain
``ALTER TABLE … ADD COLUMN``: the ``run`` table is not copied and dropped, so the rows of
``obligation_instance``, ``instance_event`` and ``outbox`` that refer to it (foreign keys, enforced)
are untouched.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run", recreate="never") as batch:
        batch.add_column(sa.Column("worker", sa.String(200)))


def downgrade() -> None:
    # Never by copying the table: with foreign keys enforced, dropping the old ``run`` fails (or would
    # orphan the rows that refer to it). SQLite 3.35 and newer drop a column in place.
    with op.batch_alter_table("run", recreate="never") as batch:
        batch.drop_column("worker")
