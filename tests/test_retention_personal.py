"""Retention of the audit tables' personal fields: initials, e-mail addresses, who snoozed and why, and
stored error texts are erased ``retention.keep_personal_data_days`` (365 by default) after the business
they belong to finished; what is still open, pending or parked keeps them; the audit trail stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.channels import build_channels
from checker.settings import DeliverySettings, RetentionSettings, Settings
from checker.sources import CsvSource
from checker.state import suppressions
from checker.state.retention import purge_personal_data
from checker.state.schema import notification, obligation_instance, outbox, run, suppression

MONDAY = date(2026, 11, 23)
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TUESDAY_NOON = MONDAY_NOON + timedelta(days=1)
RELEASE = "2026-12-01"  # the pre-release review (000 §14) is overdue: the manager hears too
PERSONAL = ("pa.one@example.org", "pa.two@example.org", "tm.north@example.org", "S.K.", "jsmith",
            "rang Sam's carer")


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


def settings_for(url: str, tmp_path: Path, **more: Any) -> Settings:
    return Settings(state_url=url, delivery=DeliverySettings(window="any_time", sink_dir=tmp_path / "sink"), **more)


def tick(app: App, settings: Settings, tmp_path: Path, cases: list[dict[str, str]], as_of: date,
         now: datetime) -> None:
    path = write_csv(tmp_path / f"cases-{as_of}-{now:%H%M%S%f}.csv", cases)
    with build_channels(settings) as channels:
        app.tick(CsvSource(path, None), guarded=False).run_once(as_of, now, app.delivery(channels, clock=lambda: now),
                                                                digests=False)


def history(tmp_path: Path, url: str) -> tuple[App, int]:
    """Two cases told on Monday; on Tuesday C2 is gone (its obligations closed). A parked message, a failed
    run and an expired snooze of C1 besides. Returns the app and the parked message's id."""
    settings = settings_for(url, tmp_path)
    app = App.from_settings(settings)
    tick(app, settings, tmp_path, [custody_case("C1", RELEASE), custody_case("C2", RELEASE, "pa.two@example.org")],
         MONDAY, MONDAY_NOON)
    tick(app, settings, tmp_path, [custody_case("C1", RELEASE)], MONDAY + timedelta(days=1), TUESDAY_NOON)
    suppressions.add(app.engine, kind="snooze", case_ref="C1", obligation="custody-release-review", ref="",
                     reason="rang Sam's carer", until=MONDAY + timedelta(days=1), created_by="jsmith",
                     now=MONDAY_NOON, today=MONDAY)
    with app.engine.begin() as connection:
        parked = connection.execute(select(outbox.c.id).where(outbox.c.recipient == "pa.one@example.org")
                                    .order_by(outbox.c.id)).scalars().first()
        connection.execute(update(outbox).where(outbox.c.id == parked)
                           .values(state="parked", sent_at=None, last_error="550 no such user pa.one@example.org"))
        connection.execute(insert(run).values(
            kind="tick", started_at=MONDAY_NOON, finished_at=MONDAY_NOON, as_of=MONDAY, profile="p", source="s",
            outcome="failed", error="SMTP refused tm.north@example.org", cases_read=0, cases_rejected=0, findings=0,
            overdue=0, data_errors=0, planned=0, sent=0, failed=0, parked=0))
    assert parked is not None
    return app, parked


def dump(engine: Engine, table: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(select(table)))


def test_personal_fields_are_kept_for_the_period_then_erased_and_the_audit_trail_stays(url: str,
                                                                                       tmp_path: Path) -> None:
    app, parked = history(tmp_path, url)
    keep = timedelta(days=365)
    try:
        nothing = purge_personal_data(app.engine, TUESDAY_NOON + timedelta(days=364), keep)
        assert (nothing.instances, nothing.items, nothing.messages, nothing.runs, nothing.suppressions) == (0,) * 5

        erased = purge_personal_data(app.engine, TUESDAY_NOON + timedelta(days=366), keep)
        assert erased.instances == 1  # C2's review, closed on Tuesday
        assert erased.runs == 1
        assert erased.suppressions == 1
        instances = {r.case_ref: r for r in dump(app.engine, obligation_instance)}
        messages = dump(app.engine, outbox)
        items = dump(app.engine, notification)
        runs = dump(app.engine, run)
        snoozes = dump(app.engine, suppression)
    finally:
        app.engine.dispose()

    c1, c2 = instances["C1"], instances["C2"]
    assert (c1.initials, c1.adviser_email, c1.manager_email) == ("S.K.", "pa.one@example.org", "tm.north@example.org")
    assert (c2.initials, c2.adviser_email, c2.manager_email) == (None, None, None)
    assert (c2.obligation, c2.status, c2.closed_at is not None) == ("custody-release-review", "overdue", True)

    for message in messages:
        if message.id == parked:  # still to be dealt with: nothing erased
            assert (message.recipient, message.state) == ("pa.one@example.org", "parked")
            assert message.last_error.startswith("550")
        else:
            assert message.recipient == message.key == f"erased:{message.id}"
            assert (message.last_error, message.payload, message.rendered) == (None, None, None)
            assert message.sent_at is not None  # when, and on which channel, stays
    for item in items:
        if item.message_id == parked:
            assert item.recipient == "pa.one@example.org"
        else:
            assert item.recipient == f"erased:{item.id}"
            assert item.case_ref in {"C1", "C2"}
    assert [r.error for r in runs] == [None] * len(runs)
    assert [(s.created_by, s.reason, s.case_ref) for s in snoozes] == [("erased", "erased", "C1")]

    kept = str([tuple(r) for r in [*messages, *items, *runs, *snoozes] if getattr(r, "id", None) != parked
                and getattr(r, "message_id", None) != parked])
    kept += str(tuple(c2))
    for value in PERSONAL:
        assert value not in kept, value


def test_a_tick_erases_what_is_past_the_setting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    assert Settings().retention.keep_personal_data_days == 365
    settings = settings_for(url, tmp_path, retention=RetentionSettings(keep_personal_data_days=1))
    app = App.from_settings(settings)
    try:
        tick(app, settings, tmp_path, [custody_case("C1", RELEASE), custody_case("C2", RELEASE)], MONDAY, MONDAY_NOON)
        tick(app, settings, tmp_path, [custody_case("C1", RELEASE)], MONDAY + timedelta(days=3),
             MONDAY_NOON + timedelta(days=3))
        messages = dump(app.engine, outbox)
        instances = {r.case_ref: r for r in dump(app.engine, obligation_instance)}
    finally:
        app.engine.dispose()
    monday = [m for m in messages if m.created_at < MONDAY_NOON + timedelta(days=1)]
    assert monday
    assert all(m.recipient.startswith("erased:") for m in monday)
    assert instances["C2"].adviser_email is not None  # closed on Thursday: less than a day before the purge


def test_only_the_days_first_good_tick_erases(url: str, tmp_path: Path) -> None:
    """The purges read whole tables, so a tick runs them only as the first good tick of its UTC date: what
    passes the period during the day is erased by the next day's first tick (at most a day late)."""
    settings = settings_for(url, tmp_path, retention=RetentionSettings(keep_personal_data_days=1))
    app = App.from_settings(settings)
    cases = [custody_case("C1", RELEASE), custody_case("C2", RELEASE)]
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)

    def monday_recipients() -> set[str]:
        return {m.recipient for m in dump(app.engine, outbox) if m.created_at == MONDAY_NOON}

    try:
        tick(app, settings, tmp_path, cases, MONDAY, MONDAY_NOON)
        told = monday_recipients()
        assert told
        assert not any(r.startswith("erased:") for r in told)
        # Tuesday 01:00, the day's first tick: Monday noon is less than a day ago, nothing to erase yet
        tick(app, settings, tmp_path, cases, tuesday, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
        assert monday_recipients() == told
        # Tuesday 13:00: Monday's messages are now past the day, but a tick already ran today
        tick(app, settings, tmp_path, cases, tuesday, datetime(2026, 11, 24, 13, 0, tzinfo=UTC))
        assert monday_recipients() == told
        # Wednesday 00:10, the day's first tick: erased
        tick(app, settings, tmp_path, cases, wednesday, datetime(2026, 11, 25, 0, 10, tzinfo=UTC))
        assert all(r.startswith("erased:") for r in monday_recipients())
    finally:
        app.engine.dispose()
