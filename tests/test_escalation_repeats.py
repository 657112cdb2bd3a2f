"""The ladder repeats: an escalation is told again every N working days per role while the item stays overdue.

C1 is in custody, release 15 Mar 2027: the pre-release review (000 §14) was due Tue 15 Dec 2026. Working days
overdue count the working days w with 15 Dec < w <= as-of; Fri 25 and Mon 28 Dec 2026 (Christmas, and
Boxing Day's substitute) and Fri 1 Jan 2027 are bank holidays in England and Wales:

    Wed 16 Dec 1, Thu 17 2, Fri 18 3, Mon 21 4, Tue 22 5 (the manager's threshold: first telling),
    Wed 23 6, Thu 24 7, Tue 29 8, Wed 30 9, Thu 31 10 (5 more: first repeat; without the holidays it
    would have been Tue 29), Mon 4 Jan 11, Tue 5 12, Wed 6 13, Thu 7 14, Fri 8 15 (second repeat).

The defaults repeat the manager every 5 working days, the senior manager every 10 and the head of service
every 20 (docs/profiles.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.settings import RoutingSettings, Settings
from checker.sources import CsvSource
from checker.state.schema import notification

CASE = custody_case("C1", "2027-03-15")
MANAGER = "tm.north@example.org"


def make_app(tmp_path: Path, profile: str | None = None) -> App:
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
    )
    return App.from_settings(settings, profile)


@pytest.fixture
def app(tmp_path: Path) -> App:
    return make_app(tmp_path)


def tick(app: App, tmp_path: Path, as_of: date) -> Any:
    cases = write_csv(tmp_path / "cases.csv", [CASE])
    return app.tick(CsvSource(cases, None)).plan(as_of, datetime.combine(as_of, time(12), tzinfo=UTC),
                                                 digests=False)


def escalations(app: App) -> list[tuple[str, str]]:
    """(stage, recipient) of every escalation email planned, in the order planned."""
    with app.engine.connect() as connection:
        rows = connection.execute(select(notification.c.stage, notification.c.recipient).where(
            notification.c.stage.startswith("escalated-"), notification.c.channel == "email")
            .order_by(notification.c.id)).all()
    return [(r.stage, r.recipient) for r in rows]


def test_the_manager_is_told_again_every_five_working_days_across_christmas(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, date(2026, 12, 21))  # 4 working days overdue
    assert escalations(app) == []
    tick(app, tmp_path, date(2026, 12, 22))  # 5
    assert escalations(app) == [("escalated-manager", MANAGER)]
    for day in (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 30)):  # 6 to 9
        tick(app, tmp_path, day)
    assert escalations(app) == [("escalated-manager", MANAGER)]
    tick(app, tmp_path, date(2026, 12, 31))  # 10
    first_repeat = [("escalated-manager", MANAGER), ("escalated-manager-repeat-1", MANAGER)]
    assert escalations(app) == first_repeat
    tick(app, tmp_path, date(2026, 12, 31))  # the same day again: told exactly once
    tick(app, tmp_path, date(2027, 1, 7))  # 14
    assert escalations(app) == first_repeat
    tick(app, tmp_path, date(2027, 1, 8))  # 15
    assert escalations(app) == [*first_repeat, ("escalated-manager-repeat-2", MANAGER)]


def test_a_tick_missed_on_the_repeat_day_tells_the_repeat_on_the_next_one(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, date(2026, 12, 22))  # 5
    tick(app, tmp_path, date(2027, 1, 4))  # 11: the first repeat (10 was Thu 31 Dec, no tick ran)
    assert escalations(app) == [("escalated-manager", MANAGER), ("escalated-manager-repeat-1", MANAGER)]


def test_a_repeat_goes_to_the_role_escalated_to_now(app: App, tmp_path: Path) -> None:
    # 20 working days overdue: Mon 11 Jan 16, Tue 12 17, Wed 13 18, Thu 14 19, Fri 15 20: the senior
    # manager's threshold; the manager, below, is not told again. 10 more (senior manager's repeat):
    # Mon 18 21 ... Fri 22 25, Mon 25 26 ... Fri 29 Jan 30.
    tick(app, tmp_path, date(2027, 1, 14))  # 19: the manager's first telling (nothing told before)
    assert escalations(app) == [("escalated-manager-repeat-2", MANAGER)]
    tick(app, tmp_path, date(2027, 1, 15))  # 20
    tick(app, tmp_path, date(2027, 1, 28))  # 29
    told = [("escalated-manager-repeat-2", MANAGER), ("escalated-senior_manager", "sm@example.org")]
    assert escalations(app) == told
    tick(app, tmp_path, date(2027, 1, 29))  # 30
    assert escalations(app) == [*told, ("escalated-senior_manager-repeat-1", "sm@example.org")]


def test_the_profile_sets_each_role_s_interval_and_0_tells_once(tmp_path: Path) -> None:
    profile = tmp_path / "repeats.toml"
    profile.write_text('[profile]\nname = "repeats"\ntitle = "Repeats"\nobligations = ["custody-release-review"]\n'
                       "[escalation_repeats]\nmanager = 2\n")
    app = make_app(tmp_path, str(profile))
    tick(app, tmp_path, date(2026, 12, 22))  # 5
    tick(app, tmp_path, date(2026, 12, 24))  # 7: (7 - 5) // 2 = 1
    assert escalations(app)[-1] == ("escalated-manager-repeat-1", MANAGER)
    once = tmp_path / "once.toml"
    once.write_text('[profile]\nname = "once"\ntitle = "Once"\nobligations = ["custody-release-review"]\n'
                    "[escalation_repeats]\nmanager = 0\n")
    (tmp_path / "q").mkdir()
    quiet = make_app(tmp_path / "q", str(once))
    for day in (date(2026, 12, 22), date(2026, 12, 31), date(2027, 1, 8)):
        tick(quiet, tmp_path, day)
    assert escalations(quiet) == [("escalated-manager", MANAGER)]


@pytest.mark.parametrize("days", [(date(2026, 12, 22), date(2026, 12, 31), date(2027, 1, 8)),
                                  (date(2026, 12, 31), date(2027, 1, 8))],
                         ids=["from the first telling", "first seen at the first repeat"])
def test_a_team_channel_hears_of_the_escalation_once(tmp_path: Path, days: tuple[date, ...]) -> None:
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        routing=RoutingSettings(operator_email="ops@example.org"),
        delivery={"teams_channel": "sink"},  # type: ignore[arg-type]
        teams={"team_channels": {"North": "https://example.org/hook"}},  # type: ignore[arg-type]
    )
    app = App.from_settings(settings)
    for day in days:
        tick(app, tmp_path, day)
    with app.engine.connect() as connection:
        stages = connection.execute(select(notification.c.stage).where(
            notification.c.channel == "teams_channel", notification.c.stage.startswith("escalated-"))).scalars()
        assert list(stages) == ["escalated-manager"]
    told = ["escalated-manager", "escalated-manager-repeat-1", "escalated-manager-repeat-2"]
    assert [s for s, _ in escalations(app)] == told[-len(days):]
