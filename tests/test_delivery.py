"""Delivery end to end in one process: plan a tick, deliver through a real SMTP server (aiosmtpd), count.

What arrives is counted at the server, by the Message-ID each outbox row's key gives its email, so
"exactly once" is checked where a person would see a duplicate.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from servers.graph import CLIENT_ID, CLIENT_SECRET, SENDER, TENANT, GraphTestServer
from servers.smtp import PASSWORD, SmtpTestServer
from servers.webhook import WebhookReceiver
from sqlalchemy import select, update
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.channels import ChannelSetupError, build_channels, builders
from checker.delivery import DeliveryCounts
from checker.settings import DeliverySettings, GraphSettings, RoutingSettings, Settings, SmtpSettings, TeamsSettings
from checker.sources import CsvSource
from checker.state.schema import outbox
from checker.tick import TickReport
from notifiers.registry import TRANSPORTS

pytest_plugins = ["servers.graph_fixtures", "servers.smtp_fixtures"]

MONDAY = date(2026, 11, 23)
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
OPERATOR = "ops@example.org"
SOON = "2027-03-10"  # release: the invitation is due 10 Dec 2026, 13 working days after MONDAY: one reminder


def settings_for(smtp: SmtpTestServer, tmp_path: Path, state_url: str | None = None, **delivery: Any) -> Settings:
    return Settings(
        state_url=state_url or f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="smtp", **({"window": "any_time"} | delivery)),
        smtp=SmtpSettings(host=smtp.host, port=smtp.port, sender="checker@council.example", username="checker",
                          password=PASSWORD, timeout=5.0, ca_file=smtp.write_ca(tmp_path)),
        routing=RoutingSettings(operator_email=OPERATOR, senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
    )


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


CASES = [custody_case("C1", "2026-12-10"), custody_case("C2", "2027-01-20", adviser="pa.two@example.org"),
         custody_case("C3", "2027-02-01", adviser="pa.two@example.org")]


def tick(settings: Settings, tmp_path: Path, rows: list[dict[str, str]] = CASES,
         clock: Callable[[], datetime] = lambda: MONDAY_NOON, as_of: date = MONDAY) -> TickReport:
    app = App.from_settings(settings)
    cases = write_csv(tmp_path / "cases.csv", rows)
    with build_channels(settings) as channels:
        return app.tick(CsvSource(cases, None)).run_once(as_of, clock(), app.delivery(channels, clock=clock))


def deliver(settings: Settings, clock: Callable[[], datetime], *, migrate: bool = True) -> DeliveryCounts:
    app = App.from_settings(settings, migrate=migrate)
    with build_channels(settings) as channels:
        return app.delivery(channels, clock=clock).run()


def rows(settings: Settings) -> list[Any]:
    app = App.from_settings(settings)
    with app.engine.connect() as connection:
        return list(connection.execute(select(outbox).order_by(outbox.c.id)))


def arrived(smtp: SmtpTestServer) -> Counter[str]:
    """How often each Message-ID reached the server."""
    return Counter(str(mail.message["Message-ID"]) for mail in smtp.received)


def test_every_planned_message_arrives_once_and_a_second_tick_sends_nothing(smtp: SmtpTestServer,
                                                                            tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path)
    report = tick(settings, tmp_path)
    outbox_rows = rows(settings)
    assert report.messages >= 2  # one per adviser at least (C2 and C3 share pa.two)
    assert report.delivery.sent == len(outbox_rows)
    assert {r.state for r in outbox_rows} == {"sent"}
    counts = arrived(smtp)
    assert len(counts) == len(outbox_rows)
    assert set(counts.values()) == {1}
    assert {r.provider_id for r in outbox_rows} == set(counts)
    to_advisers = [m for m in smtp.received if m.rcpt_tos[0].startswith("pa.")]
    assert sorted(m.rcpt_tos[0] for m in to_advisers) == ["pa.one@example.org", "pa.two@example.org"]

    again = tick(settings, tmp_path)
    assert (again.planned, again.messages, again.delivery.sent) == (0, 0, 0)
    assert arrived(smtp) == counts


def test_a_transient_failure_is_retried_later_then_parked_and_the_operator_told(smtp: SmtpTestServer,
                                                                                 tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path, max_attempts=2, retry_minutes=15)
    clock = Clock(MONDAY_NOON)
    smtp.fail_next("RCPT", 451, times=1)
    report = tick(settings, tmp_path, [custody_case("C1", SOON)], clock)
    assert (report.delivery.sent, report.delivery.failed) == (0, 1)
    (row,) = rows(settings)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    assert row.next_attempt_at.replace(tzinfo=UTC) >= MONDAY_NOON + timedelta(minutes=15)

    assert deliver(settings, clock).sent == 0  # not due again yet
    clock.now += timedelta(minutes=16)
    smtp.fail_next("RCPT", 451, times=1)
    counts = deliver(settings, clock)
    assert (counts.sent, counts.parked) == (1, 1)  # the reminder parked, the operator's alert sent
    reminder, alert = rows(settings)
    assert (reminder.state, reminder.attempts) == ("parked", 2)
    assert alert.kind == "operator"
    assert alert.state == "sent"
    (mail,) = smtp.received
    assert mail.rcpt_tos == (OPERATOR,)
    assert f"message {reminder.id} could not be delivered" in mail.message["Subject"]

    box_listing = _outbox_listing(settings)
    assert str(reminder.id) in box_listing
    assert "451" in box_listing

    from checker.state import outbox as box  # noqa: PLC0415 - the operator's `checker outbox retry` step

    assert box.retry_parked(App.from_settings(settings).engine, reminder.id, clock.now) == 1
    assert deliver(settings, clock).sent == 1
    assert [m.rcpt_tos for m in smtp.received] == [(OPERATOR,), ("pa.one@example.org",)]


def _outbox_listing(settings: Settings) -> str:
    from checker.state import outbox as box  # noqa: PLC0415 - what `checker outbox` lists

    return "\n".join(f"{m.id} {m.state} {m.last_error}" for m in box.listing(App.from_settings(settings).engine,
                                                                              ("parked",)))


def test_a_permanent_failure_parks_at_once(smtp: SmtpTestServer, tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path, max_attempts=5)
    smtp.fail_next("RCPT", 550, times=1, text="5.1.1 no such mailbox")
    report = tick(settings, tmp_path, [custody_case("C1", SOON)])
    assert report.delivery.parked == 1
    reminder, rerouted, alert = rows(settings)  # the address does not exist: its item went to the manager
    assert (reminder.state, reminder.attempts) == ("parked", 1)
    assert "550" in reminder.last_error
    assert (rerouted.recipient, rerouted.state) == ("tm.north@example.org", "sent")
    assert alert.state == "sent"


def test_reminders_wait_for_the_working_window_but_operator_alerts_do_not(smtp: SmtpTestServer,
                                                                          tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path, window="working_hours")
    clock = Clock(SATURDAY_NOON)
    broken = {"case_ref": "C9", "date_of_birth": "2031-01-01"}  # a data error: the operator is told
    report = tick(settings, tmp_path, [custody_case("C1", SOON), broken], clock, as_of=date(2026, 11, 28))
    assert report.data_errors == 1
    assert report.delivery.sent == 1
    (mail,) = smtp.received
    assert mail.rcpt_tos == (OPERATOR,)
    assert "could not be checked" in mail.message["Subject"]
    assert "C9: date_of_birth" in mail.message.get_body(("plain",)).get_content()
    reminder = next(r for r in rows(settings) if r.kind == "reminder")
    assert reminder.state == "pending"
    assert reminder.next_attempt_at.replace(tzinfo=UTC) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 08:00

    clock.now = datetime(2026, 11, 30, 7, 59, tzinfo=UTC)
    assert deliver(settings, clock).sent == 0
    clock.now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert deliver(settings, clock).sent == 1
    assert smtp.received[-1].rcpt_tos == ("pa.one@example.org",)


def _two_workers_deliver(settings: Settings, smtp: SmtpTestServer, tmp_path: Path) -> None:
    many = [custody_case(f"C{i}", SOON, adviser=f"pa.{i}@example.org") for i in range(30)]
    app = App.from_settings(settings)
    cases = write_csv(tmp_path / "cases.csv", many)
    planned = app.tick(CsvSource(cases, None)).plan(MONDAY, MONDAY_NOON, digests=False)
    assert planned.messages == 30
    results: list[DeliveryCounts] = []
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        results.append(deliver(settings, lambda: MONDAY_NOON, migrate=False))  # migrated above

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2  # both workers ran to the end
    assert sum(r.sent for r in results) == 30
    counts = arrived(smtp)
    assert len(counts) == 30
    assert set(counts.values()) == {1}
    assert {r.state for r in rows(settings)} == {"sent"}


@pytest.mark.slow
def test_two_workers_on_postgres_never_send_the_same_message(smtp: SmtpTestServer, tmp_path: Path,
                                                             fresh_postgres_url: str) -> None:
    _two_workers_deliver(settings_for(smtp, tmp_path, state_url=fresh_postgres_url), smtp, tmp_path)


def test_two_workers_on_sqlite_never_send_the_same_message(smtp: SmtpTestServer, tmp_path: Path) -> None:
    _two_workers_deliver(settings_for(smtp, tmp_path), smtp, tmp_path)


def test_a_message_abandoned_mid_send_is_resumed_after_its_lease(smtp: SmtpTestServer, tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path, claim_lease_seconds=60)
    app = App.from_settings(settings)
    app.tick(CsvSource(write_csv(tmp_path / "cases.csv", [custody_case("C1", SOON)]), None)).plan(
        MONDAY, MONDAY_NOON)
    with app.engine.begin() as connection:  # a sender claimed it, then its process died
        connection.execute(update(outbox).values(state="sending", claimed_by="dead:1", claimed_at=MONDAY_NOON,
                                                 attempts=1))
    assert deliver(settings, lambda: MONDAY_NOON + timedelta(seconds=59)).sent == 0
    assert deliver(settings, lambda: MONDAY_NOON + timedelta(seconds=61)).sent == 1
    assert len(smtp.received) == 1


def test_every_registered_transport_can_be_chosen_in_settings() -> None:
    class Probe:
        def __getattr__(self, name: str) -> Callable[[], None]:
            return lambda: None

    assert builders(Probe()).keys() == TRANSPORTS.keys()  # type: ignore[arg-type]  # only the table's keys


def test_a_channel_that_cannot_be_set_up_says_which_setting(tmp_path: Path) -> None:
    settings = Settings(state_url=f"sqlite:///{tmp_path / 's.sqlite'}", delivery=DeliverySettings(email="graph"),
                        graph=GraphSettings(tenant_id="", client_id="x", client_secret="s3cret-value"))  # noqa: S106 - a made-up secret that must not show
    with pytest.raises(ChannelSetupError, match=r"email channel \(graph_mail\).*\[graph\].*tenant_id") as caught:
        build_channels(settings)
    assert "s3cret-value" not in str(caught.value)


def test_every_channel_through_its_real_server(graph_server: GraphTestServer, tmp_path: Path) -> None:
    """Graph mail, the adviser's Teams activity feed and the team's Workflows channel, as settings choose."""
    with WebhookReceiver() as webhook:
        settings = Settings(
            state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
            delivery=DeliverySettings(email="graph", teams_activity="graph", teams_channel="webhook",
                                      window="any_time"),
            graph=GraphSettings(tenant_id=TENANT, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, sender=SENDER,
                                authority_host=graph_server.authority_host, graph_url=graph_server.graph_url,
                                ca_file=graph_server.write_ca(tmp_path)),
            teams=TeamsSettings(webhooks={"north": webhook.url}, team_channels={"North": "north"}),
            routing=RoutingSettings(operator_email=OPERATOR, senior_manager="sm@example.org",
                                    head_of_service="hos@example.org"),
        )
        adviser = "pa.smith@council.example"  # a user of the tenant, with the Teams app
        report = tick(settings, tmp_path, [custody_case("C1", "2026-12-10", adviser=adviser)])
        assert report.delivery.parked == 0
        assert {r.state for r in rows(settings)} == {"sent"}
        assert report.delivery.sent == len(rows(settings))
        for row in rows(settings):
            if row.channel == "email":
                assert len(graph_server.sent_with_key(row.key)) == 1
        assert adviser in [to for mail in graph_server.sent for to in mail.to]
        assert len(graph_server.feed(adviser)) == 1
        (card,) = webhook.cards  # the team hears that C1 became overdue: initials and case reference only
        text = json.dumps(card)
        assert "C1" in text
        assert "Sam" not in text
        assert "Khan" not in text
        assert len(graph_server.token_requests) == 1  # one msal app and token for both Graph channels
