"""PostgreSQL's statistics after a tick that filled the tables (issue 14: an unchanged tick right after a
first tick at 100k cases cost a minute of the server's CPU, its reads planned as if the tables were empty).

A table never analysed has ``pg_class.reltuples = -1``; after a first tick of 520 cases (one open instance
each) the tick must have analysed the instance and notification tables itself, without waiting for
autovacuum. A tick that adds few instances to many leaves the statistics to autovacuum.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.settings import RoutingSettings, Settings
from checker.sources import CsvSource
from checker.state.statistics import worth_refreshing

MONDAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> App:
    settings = Settings(state_url=empty_state_url(request, tmp_path),
                        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                                head_of_service="hos@example.org"))
    return App.from_settings(settings)


def tick(app: App, tmp_path: Path, cases: int, now: datetime) -> None:
    # released 16 Feb 2027: the pre-release review was due Mon 16 Nov 2026, overdue on the 23rd (000 §14)
    rows = [custody_case(f"C{n}", "2027-02-16") for n in range(cases)]
    app.tick(CsvSource(write_csv(tmp_path / "cases.csv", rows), None)).plan(MONDAY, now, digests=False)


def estimated_rows(app: App, table: str) -> float:
    with app.engine.connect() as connection:
        return float(connection.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"),
                                        {"t": table}).scalar_one())


@pytest.mark.postgres
@pytest.mark.parametrize("app", [BACKENDS[1]], indirect=True)
def test_a_first_tick_leaves_postgresql_statistics_of_what_it_wrote(app: App, tmp_path: Path) -> None:
    assert estimated_rows(app, "obligation_instance") == -1  # never analysed: the planner would guess
    tick(app, tmp_path, 520, NOON)
    assert estimated_rows(app, "obligation_instance") == 520
    assert estimated_rows(app, "notification") > 0  # each overdue review told to its adviser at least


def test_an_unchanged_tick_after_a_large_first_tick_writes_nothing_new(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, 520, NOON)
    with app.engine.connect() as connection:
        before = connection.execute(text("SELECT count(*) FROM notification")).scalar_one()
    tick(app, tmp_path, 520, NOON + timedelta(hours=1))
    with app.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notification")).scalar_one() == before


def test_statistics_are_refreshed_when_the_instances_grew_by_a_tenth() -> None:
    assert worth_refreshing(added=520, had=0)  # a first tick
    assert worth_refreshing(added=10_000, had=100_000)
    assert not worth_refreshing(added=9_999, had=100_000)  # a busy day: autovacuum keeps up
    assert not worth_refreshing(added=499, had=0)  # too few to matter
