"""Retention: the content of sent messages (which may name a young person) is purged; the audit trail stays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.channels import build_channels
from checker.settings import DeliverySettings, Settings
from checker.sources import CsvSource
from checker.state.retention import purge_message_content
from checker.state.schema import notification, outbox

MONDAY = date(2026, 11, 23)
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def delivered_app(tmp_path: Path) -> App:
    settings = Settings(state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
                        delivery=DeliverySettings(window="any_time", sink_dir=tmp_path / "sink"))
    app = App.from_settings(settings)
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-03-10"),
                                                custody_case("C2", "2027-03-10", adviser="pa.two@example.org")])
    with build_channels(settings) as channels:
        app.tick(CsvSource(cases, None)).run_once(MONDAY, MONDAY_NOON,
                                                  app.delivery(channels, clock=lambda: MONDAY_NOON))
    return app


def test_sent_content_is_kept_for_the_retention_period_then_purged(tmp_path: Path) -> None:
    app = delivered_app(tmp_path)
    with app.engine.begin() as connection:  # one message could not be delivered: it is still to be sent
        parked = connection.execute(select(outbox.c.id).where(outbox.c.recipient == "pa.two@example.org")).scalar_one()
        connection.execute(update(outbox).where(outbox.c.id == parked).values(state="parked", sent_at=None))

    keep = timedelta(days=30)
    assert purge_message_content(app.engine, MONDAY_NOON + timedelta(days=29), keep).messages == 0
    purged = purge_message_content(app.engine, MONDAY_NOON + timedelta(days=31), keep)
    assert purged.messages >= 1
    assert purged.items >= 1
    with app.engine.connect() as connection:
        rows = {r.id: r for r in connection.execute(select(outbox))}
        items = list(connection.execute(select(notification)))
    for row in rows.values():
        if row.id == parked:
            assert row.rendered is not None  # still to be sent: nothing purged
        else:
            assert row.state == "sent"
            assert (row.rendered, row.payload) == (None, None)
            assert row.recipient  # the audit trail: who was told, when, how
            assert row.sent_at is not None
    for item in items:
        assert (item.facts is None) == (item.message_id != parked)
        assert item.case_ref in {"C1", "C2"}
    assert "Sam" not in str([tuple(r) for r in rows.values() if r.id != parked])


def test_a_tick_purges_what_is_past_retention(tmp_path: Path) -> None:
    app = delivered_app(tmp_path)
    later = MONDAY_NOON + timedelta(days=40)
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-03-10"),
                                                custody_case("C2", "2027-03-10", adviser="pa.two@example.org")])
    with build_channels(app.settings) as channels:
        app.tick(CsvSource(cases, None)).run_once(later.date(), later, app.delivery(channels, clock=lambda: later))
    with app.engine.connect() as connection:
        first = connection.execute(select(outbox).where(outbox.c.sent_at == MONDAY_NOON)).all()
    assert first
    assert all(r.rendered is None for r in first)
