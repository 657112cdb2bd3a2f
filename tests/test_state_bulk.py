"""state/bulk.py: many rows in one statement hold exactly what SQLAlchemy's own insert would have stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from support.state_db import BACKENDS, empty_state_url

from checker.state.bulk import insert_rows
from checker.state.database import open_database, upgrade
from checker.state.schema import instance_event, obligation_instance, run

NOW = datetime(2026, 11, 23, 12, 0, 0, 123456, tzinfo=UTC)
COLUMNS = ("case_ref", "obligation", "ref", "status", "due_date", "completed_on", "owner", "escalated_to", "stage",
           "working_days_overdue", "adviser_email", "manager_email", "team", "initials", "fingerprint",
           "last_seen_run", "first_seen_at", "updated_at")


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    made = open_database(empty_state_url(request, tmp_path))
    upgrade(made)
    with made.begin() as connection:
        connection.execute(insert(run).values(id=1, kind="tick", started_at=NOW, as_of=date(2026, 11, 23),
                                              profile="p", source="s", outcome="ok"))
    return made


def row(n: int) -> tuple[object, ...]:
    """The n-th instance; every other one with no completion, escalation, stage or addresses (NULLs)."""
    full = n % 2 == 0
    return (f"C{n}", "pathway-plan-review", "" if full else f"D{n}", "overdue", date(2026, 1, 1) + timedelta(n % 300),
            date(2026, 2, 1) if full else None, "adviser", "manager" if full else None, 2 if full else None, n,
            "pa@example.org" if full else None, None, "North", "S.K.", -(2**63) + n, 1,
            NOW + timedelta(seconds=n), NOW)


def test_rows_inserted_in_bulk_read_back_as_given(engine: Engine) -> None:
    rows = [row(n) for n in range(1, 1300)]  # on SQLite, statements of 512, 512, 256, 16, 2 and 1 rows
    with engine.begin() as connection:
        returned = insert_rows(connection, obligation_instance, COLUMNS, rows, ("id", "case_ref"))
        insert_rows(connection, instance_event, ("instance_id", "run_id", "at", "event", "old_value", "new_value"),
                    [(instance_id, 1, NOW, "first_seen", None, "x") for instance_id, _ref in returned])
    with engine.connect() as connection:
        stored = {r.case_ref: r for r in connection.execute(select(obligation_instance))}
        events = connection.execute(select(instance_event.c.instance_id, instance_event.c.at)).all()
    assert len(returned) == len(rows) == len(stored)
    assert {ref: stored[ref].id for _id, ref in returned} == {ref: i for i, ref in returned}
    for given in rows:
        got = stored[str(given[0])]
        assert tuple(getattr(got, name) for name in COLUMNS) == given
    assert sorted(events) == sorted((instance_id, NOW) for instance_id, _ref in returned)


def test_nothing_to_insert_sends_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        assert insert_rows(connection, obligation_instance, COLUMNS, [], ("id",)) == []
