"""The board report's small fixture: eight young people and two disputes, ticked from 1 April to 9 October 2026.

Every case is someone in custody whose only obligation is the pre-release review (000 §14): due three
months before the release date, met when partners are invited (``release_review_invited_on``). The dates
below are what the report's tests count by hand (2026: Spring bank holiday Monday 25 May, Summer bank
holiday Monday 31 August).

North (manager tm.north@example.org): C1 due Wed 15 Jul, invited 10 Jul (on time); C2 due Tue 4 Aug, invited
Tue 11 Aug (5 working days late); C3 due Tue 1 Sep, never invited (21 working days overdue on 30 Sep;
escalated to the manager on 8 Sep and the senior manager on 29 Sep; snoozed on 2 Sep "In hospital"); C4
due Mon 20 Jul, invited 5 Oct (51 working days overdue on 30 Sep; escalated 27 Jul, 17 Aug, 15 Sep); C8
due Tue 15 Sep, invited 10 Sep (on time), with a date of birth that cannot be a date from 3 to 9 August.
South: C5 due Wed 10 Jun, invited 1 Jun (on time, Q2); C6 due Wed 20 May, invited Wed 27 May (4 working
days late, Q2); C7 due Thu 30 Jul, waived on 1 Jul "Release date under review", gone from the case data
from 15 Jul (no longer applies).
Disputes (stage 1, 2 working days a stage): D1 (C1) started Mon 3 Aug, due Wed 5 Aug, resolved Tue 4 Aug
(1 working day); D2 (C2) started Tue 1 Sep, due Thu 3 Sep, never resolved (escalated to stage 2 on 4 Sep;
19 working days overdue on 30 Sep).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from checker.app import App
from checker.state import suppressions
from support.caseload import custody_case
from support.history import history_settings, tick_through

FIRST, LAST = date(2026, 4, 1), date(2026, 10, 9)


def _case(ref: str, release: str, invited: str | None, day: date, team: str = "North") -> dict[str, str]:
    manager = "tm.north@example.org" if team == "North" else "tm.south@example.org"
    shown = invited if invited is not None and date.fromisoformat(invited) <= day else ""
    return custody_case(ref, release, f"pa.{ref.lower()}@example.org", team=team, manager_email=manager,
                        release_review_invited_on=shown)


def cases_on(day: date) -> list[dict[str, str]]:
    rows = [
        _case("C1", "2026-10-15", "2026-07-10", day),
        _case("C2", "2026-11-04", "2026-08-11", day),
        _case("C3", "2026-12-01", None, day),
        _case("C4", "2026-10-20", "2026-10-05", day),
        _case("C5", "2026-09-10", "2026-06-01", day, "South"),
        _case("C6", "2026-08-20", "2026-05-27", day, "South"),
        _case("C8", "2026-12-15", "2026-09-10", day),
    ]
    if day < date(2026, 7, 15):
        rows.append(_case("C7", "2026-10-30", None, day, "South"))
    if date(2026, 8, 3) <= day <= date(2026, 8, 9):
        next(r for r in rows if r["case_ref"] == "C8")["date_of_birth"] = "2006-02-30"
    return rows


def disputes_on(day: date) -> list[dict[str, str]]:
    rows = []
    if day >= date(2026, 8, 3):
        rows.append({"dispute_ref": "D1", "case_ref": "C1", "stage": "1", "stage_started_on": "2026-08-03",
                     "resolved_on": "2026-08-04" if day >= date(2026, 8, 4) else ""})
    if day >= date(2026, 9, 1):
        rows.append({"dispute_ref": "D2", "case_ref": "C2", "stage": "1", "stage_started_on": "2026-09-01",
                     "resolved_on": ""})
    return rows


def decisions(app: App) -> Callable[[date, datetime], None]:
    """The snooze and the waiver, recorded on their days as a manager would."""
    def on_day(day: date, now: datetime) -> None:
        if day == date(2026, 7, 1):
            suppressions.add(app.engine, kind="waive", case_ref="C7", obligation="custody-release-review", ref="",
                             reason="Release date under review", until=date(2026, 7, 31), created_by="tm.south",
                             now=now, today=day)
        if day == date(2026, 9, 2):
            suppressions.add(app.engine, kind="snooze", case_ref="C3", obligation="custody-release-review", ref="",
                             reason="In hospital", until=date(2026, 9, 15), created_by="tm.north", now=now,
                             today=day)
    return on_day


def make_history(folder: Path, state_url: str | None = None) -> App:
    """The state database of this fixture, ticked from FIRST to LAST (SQLite in ``folder``, or ``state_url``)."""
    with pytest.MonkeyPatch.context() as env:  # a clean environment, as tests/conftest.py's cli_env gives
        for name in list(os.environ):
            if name.startswith("CHECKER_") and not name.startswith("CHECKER_TEST_"):
                env.delenv(name)
        env.setenv("CHECKER_SETTINGS_FILE", str(folder / "no-such-settings.toml"))
        app = App.from_settings(history_settings(folder, state_url))
    tick_through(app, folder, FIRST, LAST, cases_on, disputes_on, decisions(app))
    return app
