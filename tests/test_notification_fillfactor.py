"""On PostgreSQL the notification table keeps free room on its pages (fillfactor 70, migration 0011), so that
marking items sent is a heap-only update; on SQLite the migration does nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support.state_db import migrate

from checker.state.database import current_revision, head_revision, open_database, upgrade
from checker.state.schema import notification


def reloptions(url: str) -> list[str] | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            options: list[str] | None = connection.execute(
                text("SELECT reloptions FROM pg_class WHERE relname = 'notification' AND relkind = 'r'")).scalar_one()
            return options
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_after_upgrade_the_notification_table_has_fillfactor_70_and_downgrade_resets_it(
        fresh_postgres_url: str) -> None:
    engine = open_database(fresh_postgres_url)
    try:
        migrate(engine, "0010")
        assert reloptions(fresh_postgres_url) is None  # packed full, PostgreSQL's default
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert reloptions(fresh_postgres_url) == ["fillfactor=70"]
        migrate(engine, "0010", down=True)
        assert reloptions(fresh_postgres_url) is None
    finally:
        engine.dispose()


def test_the_migration_is_a_no_op_on_sqlite(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        migrate(engine, "0010")
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_schema_py_declares_the_same_fillfactor() -> None:
    assert notification.dialect_options["postgresql"]["with"] == {"fillfactor": 70}
