"""Notification pages keep 30% free on PostgreSQL, so marking items sent (and purging their facts) is a HOT update.

After delivery each sent item's ``state`` (and later its ``facts``) is rewritten; neither column is indexed, so
with free room on the row's page PostgreSQL updates it in place (a heap-only tuple) instead of writing a new
tuple on another page plus an entry in each of the table's four indexes. The bulk insert of a first tick packs
the pages full (fillfactor 100): about half those updates could not be HOT. Existing pages keep their packing
until they are rewritten (a ``VACUUM FULL`` or ``CLUSTER``); new pages get the free room. SQLite has no such
setting: nothing to do there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

FILLFACTOR = 70  # checker/state/schema.py's notification table says the same


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE notification SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE notification RESET (fillfactor)")
