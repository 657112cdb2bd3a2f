"""Alembic environment: migrations run on the connection handed over by ``checker.state.database``."""

from __future__ import annotations

from alembic import context

from checker.state.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `checker db upgrade`, which supplies the connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
