"""Opening the state database and keeping its schema current (Alembic migrations).

SQLite by default (a file under the state folder), PostgreSQL for real deployments and for two
replicas. ``upgrade`` runs the migrations to the newest version; the CLI runs it on start-up and as
``checker db upgrade``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Insert, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def open_database(url: str) -> Engine:
    """An engine for the state database; a SQLite file (and its folder) is created if needed, readable and
    writable by its owner only (0600: it holds case references, initials and e-mail addresses).

    ``hide_parameters``: an error's text never carries the statement's values (see ``errors.py``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _create_private(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a statement on the server once it has run 5 times on a connection, and PostgreSQL
    # then settles on a generic plan for it. A tick's statements first run while their tables are small
    # (the first tick starts from empty ones), so the plan chosen then (a full scan) stayed in use while
    # the tables grew to 164k rows: every look-up scanned the whole table and the first tick grew with the
    # square of the caseload. Without server-side preparing each statement is planned with its values
    # and the table as it is; the planning costs far less than a scan.
    connect_args: dict[str, Any] = {"prepare_threshold": None} if parsed.get_driver_name() == "psycopg" else {}
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)


def _create_private(path: Path) -> None:
    """Make an empty SQLite file with mode 0600 unless it exists (SQLite gives its -wal and -shm files the
    same mode). An existing file keeps the mode its owner gave it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def open_existing(url: str) -> Engine | None:
    """The state database if it exists and has been migrated, else ``None``; never creates anything."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and (not parsed.database or not Path(parsed.database).is_file()):
        return None
    engine = open_database(url)
    try:
        if current_revision(engine) is None:
            engine.dispose()
            return None
    except SQLAlchemyError:
        engine.dispose()
        raise
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the state database to the newest schema (a no-op when it is current)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def inserted_id(result: Any) -> int:
    """The primary key of the row an ``INSERT`` just added."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the database did not return the new row's id")
    return int(key[0])


def insert_ignoring_duplicates(engine: Engine, table: Table) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` in the engine's dialect (SQLite and PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"the state database must be SQLite or PostgreSQL, not {engine.dialect.name}")
