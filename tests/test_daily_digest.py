"""An adviser's daily digest (issue 12 item 8): a team may choose ONE email per adviser each working morning.

Two people in custody, release Mon 15 Mar 2027: each one's only open obligation is the pre-release review
(000 §14), due Tue 15 Dec 2026. C1's adviser is in North, which chose the daily digest
(``[delivery] daily_digest_teams``); C2's adviser is in South, which did not. With the default lead times
(20 and 5 working days):

- Mon 14 Dec 2026: 1 working day to go, in the 5-day lead window: North's adviser gets the day's digest
  listing C1; South's adviser gets the ``lead-5`` reminder for C2, as before.
- Tue 15 Dec: due today: another digest for North (the same item, still due); South's ``due`` reminder.
- Sat 19 and Sun 20 Dec: weekend; Fri 25 Dec: Christmas Day, a bank holiday: no digest.
- Tue 29 Dec: overdue (Mon 28 Dec is Boxing Day's substitute holiday): a digest again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.rendering.outbox import OutboxRenderer
from checker.settings import DeliverySettings, GoLiveSettings, RoutingSettings, Settings
from checker.sources import CsvSource
from checker.state.outbox import listing
from checker.state.schema import notification, outbox

NORTH, SOUTH = "pa.north@example.org", "pa.south@example.org"
CASES = [custody_case("C1", "2027-03-15", NORTH),
         custody_case("C2", "2027-03-15", SOUTH, team="South", manager_email="tm.south@example.org")]


@pytest.fixture
def app(tmp_path: Path) -> App:
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
        delivery=DeliverySettings(daily_digest_teams=["north"]),  # team names match in any case
        go_live=GoLiveSettings(summary=False),  # the first tick here is an ordinary one (docs/go-live.md)
    )
    return App.from_settings(settings)


def tick(app: App, tmp_path: Path, as_of: date, hour: int = 7) -> None:
    cases = write_csv(tmp_path / "cases.csv", CASES)
    app.tick(CsvSource(cases, None)).plan(as_of, datetime.combine(as_of, time(hour), tzinfo=UTC), digests=False)


def dailies(app: App) -> list[tuple[str, str]]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox.c.key, outbox.c.recipient).where(outbox.c.kind == "daily")
                                  .order_by(outbox.c.id)).all()
    return [(r.key, r.recipient) for r in rows]


def reminders(app: App, recipient: str) -> list[tuple[str, str]]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(notification.c.case_ref, notification.c.stage).where(
            notification.c.recipient == recipient).order_by(notification.c.id)).all()
    return [(r.case_ref, r.stage) for r in rows]


def test_one_digest_per_working_day_for_a_daily_team_and_per_change_reminders_for_the_others(
        app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, date(2026, 12, 14))
    assert dailies(app) == [("daily:2026-12-14:" + NORTH, NORTH)]
    assert reminders(app, NORTH) == []  # no per-change reminder to the daily-digest adviser
    assert reminders(app, SOUTH) == [("C2", "lead-5")]

    tick(app, tmp_path, date(2026, 12, 14), hour=15)  # a second tick the same day adds nothing
    assert dailies(app) == [("daily:2026-12-14:" + NORTH, NORTH)]

    tick(app, tmp_path, date(2026, 12, 15))
    assert [k for k, _ in dailies(app)] == ["daily:2026-12-14:" + NORTH, "daily:2026-12-15:" + NORTH]
    assert reminders(app, SOUTH) == [("C2", "lead-5"), ("C2", "due")]

    for day in (date(2026, 12, 19), date(2026, 12, 20), date(2026, 12, 25), date(2026, 12, 28)):
        tick(app, tmp_path, day)  # weekend, Christmas Day, Boxing Day's substitute
    assert len(dailies(app)) == 2

    tick(app, tmp_path, date(2026, 12, 29))
    assert [k for k, _ in dailies(app)][-1] == "daily:2026-12-29:" + NORTH
    assert len(dailies(app)) == 3
    assert reminders(app, NORTH) == []


def test_the_digest_lists_the_advisers_items_due_and_overdue(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, date(2026, 12, 29))  # C1's review, due 15 Dec: 8 working days overdue
    # (16, 17, 18, 21, 22, 23, 24 and 29 Dec; 25 and 28 Dec are bank holidays)
    [message] = [m for m in listing(app.engine, ("pending",)) if m.kind == "daily"]
    rendered = OutboxRenderer("https://cases.invalid/{case_ref}")(message, [])
    assert rendered.recipient == NORTH
    assert rendered.subject.startswith("Your actions for Tue 29 Dec 2026 — Overdue:")
    assert "C1" in rendered.text
    assert "C2" not in rendered.text
    assert "8 working days overdue (due Tue 15 Dec 2026)" in rendered.text
    assert rendered.html is not None
    assert "https://cases.invalid/C1" in rendered.html


def test_the_daily_advisers_teams_feed_is_quiet_and_the_others_is_not(tmp_path: Path) -> None:
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
        delivery=DeliverySettings(daily_digest_teams=["North"], teams_activity="sink"),
        go_live=GoLiveSettings(summary=False),
    )
    app = App.from_settings(settings)
    tick(app, tmp_path, date(2026, 12, 14))
    with app.engine.connect() as connection:
        feed = connection.execute(select(notification.c.recipient, notification.c.stage).where(
            notification.c.channel == "teams_activity")).all()
    assert [(r.recipient, r.stage) for r in feed] == [(SOUTH, "lead-5")]
    assert dailies(app) == [("daily:2026-12-14:" + NORTH, NORTH)]
