"""What a tick's changes make stale is cancelled, case by case, when many cases change in one tick: on SQLite
and on PostgreSQL (the cancels of a batch go to the database together).

Every case is in custody with its release on Tue 16 Feb 2027, so its pre-release review (000 §14) was due Mon
16 Nov 2026: on Mon 23 Nov it is overdue and its items are planned (planning only: nothing is sent). On Tue
24 Nov, C1's and C2's release dates are corrected to Mon 1 Mar 2027 (the review is now due Tue 1 Dec 2026), C3's
review was held (completed), C4 is gone from the source and C5 is as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.settings import RoutingSettings, Settings
from checker.sources import CsvSource
from checker.state.schema import notification

MONDAY, TUESDAY = date(2026, 11, 23), date(2026, 11, 24)
RELEASE, CORRECTED = "2027-02-16", "2027-03-01"
OLD_DUE, NEW_DUE = date(2026, 11, 16), date(2026, 12, 1)


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[App]:
    settings = Settings(state_url=empty_state_url(request, tmp_path),
                        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                                head_of_service="hos@example.org"))
    app = App.from_settings(settings)
    yield app
    app.engine.dispose()


def plan(app: App, tmp_path: Path, rows: list[dict[str, str]], as_of: date) -> None:
    cases = write_csv(tmp_path / f"cases-{as_of}.csv", rows)
    now = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC)
    app.tick(CsvSource(cases, None), guarded=False).plan(as_of, now, digests=False)


def items(app: App, case_ref: str) -> list[Any]:
    with app.engine.connect() as connection:
        return list(connection.execute(select(notification).where(notification.c.case_ref == case_ref,
                                                                  notification.c.obligation
                                                                  == "custody-release-review")))


def test_many_changes_in_one_tick_cancel_each_cases_stale_items(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, [custody_case(f"C{n}", RELEASE) for n in range(1, 6)], MONDAY)
    for n in range(1, 6):
        told = items(app, f"C{n}")
        assert told
        assert {(i.due_date, i.state) for i in told} == {(OLD_DUE, "planned")}

    plan(app, tmp_path, [custody_case("C1", CORRECTED), custody_case("C2", CORRECTED),
                         custody_case("C3", RELEASE, release_review_invited_on="2026-11-23"),
                         custody_case("C5", RELEASE)], TUESDAY)

    for moved in ("C1", "C2"):
        told = items(app, moved)
        stale = [i for i in told if i.due_date == OLD_DUE]
        assert stale
        assert {(i.state, i.note) for i in stale} == {("cancelled", "due date moved to 2026-12-01")}
        assert {i.state for i in told if i.due_date == NEW_DUE} == {"planned"}
    assert {(i.state, i.note) for i in items(app, "C3")} == {("cancelled", "completed")}
    assert {(i.state, i.note) for i in items(app, "C4")} == {("cancelled", "no longer applies")}
    assert {(i.due_date, i.state) for i in items(app, "C5")} == {(OLD_DUE, "planned")}
