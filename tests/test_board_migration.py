"""Migration 0006 adds the board's history tables (due occurrences, the data-error log) and keeps the data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select
from support.state_db import migrate

from checker.state.database import current_revision, head_revision, open_database, upgrade
from checker.state.schema import run

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_0006_adds_the_history_tables_keeps_the_data_and_goes_back(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        migrate(engine, "0005")
        with engine.begin() as connection:
            connection.execute(run.insert().values(kind="tick", started_at=T0, as_of=T0.date(), profile="lancashire",
                                                   source="csv", outcome="ok"))
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert {"due_occurrence", "data_error_log"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(select(run.c.outcome)).scalars().all() == ["ok"]
        migrate(engine, "0005", down=True)
        assert not {"due_occurrence", "data_error_log"} & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
