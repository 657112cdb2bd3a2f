"""Building a state database with a history: a caseload ticked day by day through several quarters.

``tick_through`` moves the as-of date forward one working day at a time; each day the caseload is asked
for the rows as they stood that day (what had been recorded by then), written to CSV files, checked,
planned and delivered to the local sink, exactly as the daemon's 07:00 tick does. ``on_day`` runs before
each tick (to record a snooze or a waiver on that day, as a person would).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from checker.app import App
from checker.channels import build_channels
from checker.settings import DeliverySettings, RoutingSettings, Settings
from checker.sources import CsvSource
from support.caseload import DISPUTE_COLUMNS, write_csv

Rows = list[dict[str, str]]


def history_settings(tmp_path: Path, state_url: str | None = None, **extra: object) -> Settings:
    """Settings for a history: state in ``tmp_path`` (or ``state_url``), email to the sink ``tmp_path/outbox``."""
    return Settings(
        state_url=state_url or f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="sink", window="any_time", sink_dir=tmp_path / "outbox"),
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
        **extra,  # type: ignore[arg-type]
    )


def seven_am(day: date) -> datetime:
    return datetime.combine(day, time(7, 0), tzinfo=UTC)


def tick_through(app: App, folder: Path, first: date, last: date, cases_on: Callable[[date], Rows],
                 disputes_on: Callable[[date], Rows] = lambda _day: [],
                 on_day: Callable[[date, datetime], None] = lambda _day, _now: None) -> int:
    """Tick every working day from ``first`` to ``last``; return how many ticks ran."""
    clock = [seven_am(first)]
    ticks = 0
    with build_channels(app.settings) as channels:
        delivery = app.delivery(channels, clock=lambda: clock[0])
        day = first
        while day <= last:
            if app.profile.calendar.is_working_day(day):
                clock[0] = seven_am(day)
                on_day(day, clock[0])
                cases = write_csv(folder / "cases.csv", cases_on(day))
                disputes = write_csv(folder / "disputes.csv", disputes_on(day), DISPUTE_COLUMNS)
                app.tick(CsvSource(cases, disputes), guarded=False).run_once(day, clock[0], delivery, digests=False)
                delivery.counts.parked_ids.clear()
                ticks += 1
            day += timedelta(days=1)
    return ticks
