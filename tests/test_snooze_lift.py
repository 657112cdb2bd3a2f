"""Lifting a snooze (or a waiver) lets the next tick tell the adviser again about an item still due or
overdue, also when the snooze cancelled that very reminder before it was sent.

C1 is in custody, release 16 Feb 2027: the pre-release review (000 §14) was due Mon 16 Nov 2026. On Fri
20 Nov it is 4 working days overdue: the adviser's first overdue reminder (overdue-0, which stands until
the first repeat, every 5 working days by default). The tick plans it; it is not sent yet (the delivery
window); the manager snoozes the item, which cancels the planned reminder; the snooze is lifted that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.settings import Settings
from checker.sources import CsvSource
from checker.state import suppressions
from checker.state.schema import notification

ADVISER = "pa.one@example.org"
FRIDAY, MONDAY = date(2026, 11, 20), date(2026, 11, 23)


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> App:
    return App.from_settings(Settings(state_url=empty_state_url(request, tmp_path)))


def plan(app: App, tmp_path: Path, as_of: date) -> None:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-02-16")])
    app.tick(CsvSource(cases)).plan(as_of, datetime(as_of.year, as_of.month, as_of.day, 7, tzinfo=UTC),
                                    digests=False)


def adviser_items(app: App) -> list[tuple[str, str]]:
    """(stage, state) of every email item to the adviser, oldest first."""
    with app.engine.connect() as connection:
        rows = connection.execute(select(notification.c.stage, notification.c.state).where(
            notification.c.recipient == ADVISER, notification.c.channel == "email").order_by(notification.c.id))
        return [(r.stage, r.state) for r in rows]


def suppress(app: App, kind: suppressions.Kind) -> int:
    return suppressions.add(app.engine, kind=kind, case_ref="C1", obligation="custody-release-review", ref="",
                            reason="Waiting for the prison", until=date(2026, 12, 4), created_by="tm.north@example.org",
                            now=datetime(2026, 11, 20, 10, tzinfo=UTC), today=FRIDAY)


@pytest.mark.parametrize("kind", ["snooze", "waive"])
def test_after_a_lift_the_next_tick_reminds_again_of_what_the_suppression_cancelled(
        app: App, tmp_path: Path, kind: suppressions.Kind) -> None:
    plan(app, tmp_path, FRIDAY)
    assert adviser_items(app) == [("overdue-0", "planned")]
    made = suppress(app, kind)
    assert adviser_items(app) == [("overdue-0", "cancelled")]
    plan(app, tmp_path, FRIDAY)  # while it stands, nothing new
    assert adviser_items(app) == [("overdue-0", "cancelled")]

    assert suppressions.lift(app.engine, [made], "tm.north@example.org", datetime(2026, 11, 20, 11, tzinfo=UTC)) == 1
    plan(app, tmp_path, MONDAY)  # 5 working days overdue: still overdue-0, never told: told now
    states = adviser_items(app)
    assert states[-1] == ("overdue-0", "planned"), states
    assert [s for s in states if s[1] == "planned"] == [("overdue-0", "planned")]
