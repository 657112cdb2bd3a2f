"""A tick plans from what changed, and says what it did: on SQLite and on PostgreSQL.

- A tick on unchanged data writes no notification item and no outbox message (its run record only).
- A stage that falls due on a later day with the data unchanged (time alone moves it) is planned on that
  day, once, whatever the number of ticks.
- The tick's summary (``TickReport``: items planned, messages, digests, daily digests, findings, and what
  delivery sent) is what the state database holds afterwards.

C1 is in custody, release 14 Mar 2027: the pre-release review (000 §14) is due Mon 14 Dec 2026. On Tue 1 Dec
it is 9 working days away (lead-20); on Mon 7 Dec 5 (lead-5); on Mon 14 Dec it is due. C2's review (release
10 Dec 2026) was due Thu 10 Sep 2026: long overdue and escalated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.channels import build_channels
from checker.settings import DeliverySettings, RoleAddressSettings, RoutingSettings, Settings, TeamsSettings
from checker.sources import CsvSource
from checker.state.schema import instance_event, notification, outbox, run
from checker.tick import TickReport

NORTH = [custody_case("C1", "2027-03-14"), custody_case("C2", "2026-12-10", adviser="pa.two@example.org")]
SOUTH = [custody_case("S1", "2027-03-14", adviser="pa.south@example.org", team="South",
                      manager_email="tm.south@example.org"),
         custody_case("S2", "2026-12-10", adviser="pa.south@example.org", team="South",
                      manager_email="tm.south@example.org")]


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


@pytest.fixture
def settings(url: str, tmp_path: Path) -> Settings:
    return Settings(
        state_url=url,
        delivery=DeliverySettings(window="any_time", sink_dir=tmp_path / "sink", teams_channel="sink",
                                  teams_activity="sink", daily_digest_teams=["South"]),
        teams=TeamsSettings(team_channels={"north": "north-hook"}),
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org",
                                teams={"north": RoleAddressSettings(head_of_service="hos.north@example.org")}),
    )


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    app = App.from_settings(settings)
    yield app
    app.engine.dispose()


def tick(app: App, settings: Settings, tmp_path: Path, rows: list[dict[str, str]], as_of: date, hour: int = 9, *,
         digests: bool = False) -> TickReport:
    now = datetime.combine(as_of, time(hour), tzinfo=UTC)
    cases = write_csv(tmp_path / f"cases-{as_of}-{hour}.csv", rows)
    with build_channels(settings) as channels:
        return app.tick(CsvSource(cases, None), guarded=False).run_once(
            as_of, now, app.delivery(channels, clock=lambda: now), digests=digests)


def dump(app: App, table: Any) -> list[tuple[Any, ...]]:
    with app.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(table).order_by(table.c.id))]


def stages(app: App, case_ref: str) -> Counter[tuple[str, str]]:
    """(stage, channel) -> items planned for ``case_ref``, in any state."""
    with app.engine.connect() as connection:
        rows = connection.execute(select(notification.c.stage, notification.c.channel)
                                  .where(notification.c.case_ref == case_ref)).all()
    return Counter((r.stage, r.channel) for r in rows)


def test_an_unchanged_tick_writes_no_item_and_no_message(app: App, settings: Settings, tmp_path: Path) -> None:
    first = tick(app, settings, tmp_path, NORTH, date(2026, 12, 1))
    items, messages = dump(app, notification), dump(app, outbox)
    again = tick(app, settings, tmp_path, NORTH, date(2026, 12, 1), hour=10)
    assert first.planned > 0
    assert (again.planned, again.messages, again.delivery.sent) == (0, 0, 0)
    assert dump(app, notification) == items  # not one row written, not one updated
    assert dump(app, outbox) == messages
    assert [r[0] for r in dump(app, run)] == [first.run_id, again.run_id]


def test_a_stage_falling_due_on_a_later_day_is_planned_once(app: App, settings: Settings, tmp_path: Path) -> None:
    days = ((date(2026, 12, 1), 9), (date(2026, 12, 2), 9), (date(2026, 12, 7), 9), (date(2026, 12, 7), 15),
            (date(2026, 12, 8), 9), (date(2026, 12, 14), 9), (date(2026, 12, 14), 16))
    planned = [tick(app, settings, tmp_path, NORTH[:1], day, hour).planned for day, hour in days]
    # C1's adviser, by email and in the Teams activity feed: lead-20 on 1 Dec (9 working days to go), nothing
    # new on 2 Dec, lead-5 on 7 Dec (5 to go), nothing again that afternoon or on 8 Dec (4 to go, still lead-5),
    # due on 14 Dec, and nothing that afternoon.
    assert planned == [2, 0, 2, 0, 0, 2, 0]
    assert stages(app, "C1") == {("lead-20", "email"): 1, ("lead-20", "teams_activity"): 1,
                                 ("lead-5", "email"): 1, ("lead-5", "teams_activity"): 1,
                                 ("due", "email"): 1, ("due", "teams_activity"): 1}


def test_the_tick_summary_matches_the_state(app: App, settings: Settings, tmp_path: Path) -> None:
    tick(app, settings, tmp_path, NORTH + SOUTH, date(2026, 11, 27))  # go-live, the week before
    later = [*NORTH, *SOUTH, custody_case("C3", "2026-12-10", adviser="pa.three@example.org")]
    report = tick(app, settings, tmp_path, later, date(2026, 12, 1), digests=True)
    with app.engine.connect() as connection:
        def count(table: Any, *where: Any) -> int:
            return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

        this_run = outbox.c.run_id == report.run_id
        assert report.planned == count(notification, notification.c.created_at == datetime(2026, 12, 1, 9,
                                                                                            tzinfo=UTC))
        assert report.messages == count(outbox, this_run, outbox.c.kind == "reminder")
        assert report.digests == count(outbox, this_run, outbox.c.kind == "digest")
        assert report.daily_digests == count(outbox, this_run, outbox.c.kind == "daily")
        assert report.delivery.sent == count(outbox, this_run, outbox.c.state == "sent")
        assert report.closed == count(instance_event, instance_event.c.run_id == report.run_id,
                                      instance_event.c.event == "closed")
        row = connection.execute(select(run).where(run.c.id == report.run_id)).one()
    assert (row.cases_read, row.findings, row.overdue, row.planned) == (
        report.cases_read, report.findings, report.overdue, report.planned)
    # Worked out by hand: C3 is new and long overdue (release 10 Dec 2026: due Thu 10 Sep, 57 working days
    # before Tue 1 Dec). Its adviser hears of it by email and in the activity feed, North's head of service by
    # email, and North's channel once: four items, four messages. The weekly digests go to the two managers
    # with overdue items (tm.north: C2 and C3; tm.south: S2); South's adviser gets the day's digest.
    assert report.planned == 4
    assert report.messages == 4
    assert report.digests == 2
    assert report.daily_digests == 1
    assert report.delivery.sent == report.messages + report.digests + report.daily_digests
