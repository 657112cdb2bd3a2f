"""What the delivery step does with each outcome, per channel, against the real local servers.

Ambiguous (the request went out, no definite answer came back) is a state of its own: a Teams message
is held by default (never sent again by itself, listed by ``checker outbox``, the operator told), an
SMTP message is re-sent with the same Message-ID. An operator's retry or drop is recorded. A message
claimed by a process that died is resumed as soon as that process's heartbeat lapsed, without using up
an attempt; one already handed to a channel that cannot tell follows the channel's policy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from servers.smtp import PASSWORD, SmtpTestServer
from servers.webhook import WebhookReceiver
from sqlalchemy import select, update
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.channels import build_channels
from checker.cli import main
from checker.delivery import DeliveryCounts
from checker.settings import (
    DeliverySettings,
    OnAmbiguousSettings,
    RoutingSettings,
    Settings,
    SmtpSettings,
    TeamsSettings,
)
from checker.sources import CsvSource
from checker.state import heartbeat
from checker.state import outbox as box
from checker.state.schema import outbox
from checker.tick import TickReport

pytest_plugins = ["servers.smtp_fixtures"]

MONDAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OPERATOR = "ops@example.org"
OVERDUE_SOON = "2026-12-10"  # C1's invitation is overdue on MONDAY: the team's channel hears of it
CHECKER = Path(sys.executable).parent / "checker"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def teams_settings(tmp_path: Path, webhook: WebhookReceiver, **on_ambiguous: str) -> Settings:
    return Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="sink", teams_channel="webhook", window="any_time",
                                  sink_dir=tmp_path / "sink", on_ambiguous=OnAmbiguousSettings(**on_ambiguous)),
        teams=TeamsSettings(webhooks={"north": webhook.url}, team_channels={"North": "north"}),
        routing=RoutingSettings(operator_email=OPERATOR, senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
    )


def smtp_settings(tmp_path: Path, smtp: SmtpTestServer, **on_ambiguous: str) -> Settings:
    return Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="smtp", window="any_time", on_ambiguous=OnAmbiguousSettings(**on_ambiguous)),
        smtp=SmtpSettings(host=smtp.host, port=smtp.port, sender="checker@council.example", username="checker",
                          password=PASSWORD, timeout=5.0, ca_file=smtp.write_ca(tmp_path)),
        routing=RoutingSettings(operator_email=OPERATOR, senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
    )


def tick(settings: Settings, tmp_path: Path, clock: Clock, rows: list[dict[str, str]] | None = None) -> TickReport:
    app = App.from_settings(settings)
    cases = write_csv(tmp_path / "cases.csv", rows or [custody_case("C1", OVERDUE_SOON)])
    with build_channels(settings) as channels:
        return app.tick(CsvSource(cases, None)).run_once(MONDAY, clock(), app.delivery(channels, clock=clock))


def deliver(settings: Settings, clock: Clock) -> DeliveryCounts:
    app = App.from_settings(settings)
    with build_channels(settings) as channels:
        return app.delivery(channels, clock=clock).run()


def rows(settings: Settings, channel: str | None = None) -> list[Any]:
    engine = App.from_settings(settings).engine
    query = select(outbox).order_by(outbox.c.id)
    if channel is not None:
        query = query.where(outbox.c.channel == channel)
    with engine.connect() as connection:
        return list(connection.execute(query))


def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("CHECKER_STATE_URL", settings.state_url.get_secret_value())
    return CliRunner().invoke(main, list(args))


def test_a_teams_card_whose_answer_was_lost_is_held_not_resent(tmp_path: Path, webhook: WebhookReceiver,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    settings = teams_settings(tmp_path, webhook)
    webhook.respond(504, after_acting=True)  # the flow ran; the gateway's answer says nothing
    clock = Clock(NOON)
    report = tick(settings, tmp_path, clock)
    (card,) = rows(settings, "teams_channel")
    assert card.state == "held"
    assert "HTTP 504" in card.last_error
    assert webhook.sig not in card.last_error
    assert (report.delivery.held, report.delivery.failed, report.delivery.parked) == (1, 0, 0)
    assert report.delivery.needs_operator
    assert len(webhook.accepted) == 1
    # the operator is told, by the operator's channel, what to do with it
    alerts = [r for r in rows(settings, "email") if r.key == f"operator:held:{card.id}"]
    assert len(alerts) == 1
    assert alerts[0].state == "sent"

    clock.now += timedelta(hours=2)  # later passes never send it by themselves
    assert deliver(settings, clock).sent == 0
    assert len(webhook.accepted) == 1

    listed = cli(settings, monkeypatch, "outbox")
    assert listed.exit_code == 0, listed.output
    assert f"{card.id:>6}  held" in listed.output
    assert "outbox drop ID" in listed.output

    retried = cli(settings, monkeypatch, "outbox", "retry", str(card.id), "--by", "a.operator")
    assert retried.exit_code == 0, retried.output
    clock.now = datetime.now(UTC) + timedelta(minutes=1)  # the command queued it for the wall clock's now
    assert deliver(settings, clock).sent == 1  # the operator's decision: sent again
    assert len(webhook.accepted) == 2
    engine = App.from_settings(settings).engine
    assert [(a, before, by) for a, before, by, _at in box.actions(engine, card.id)] == [
        ("retry", "held", "a.operator")]


def test_an_operator_drops_a_held_message_and_it_is_recorded(tmp_path: Path, webhook: WebhookReceiver,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = teams_settings(tmp_path, webhook)
    webhook.drop()  # accepted, then the connection closes unanswered
    tick(settings, tmp_path, Clock(NOON))
    (card,) = rows(settings, "teams_channel")
    assert card.state == "held"
    dropped = cli(settings, monkeypatch, "outbox", "drop", str(card.id), "--by", "a.operator")
    assert dropped.exit_code == 0, dropped.output
    (card,) = rows(settings, "teams_channel")
    assert card.state == "cancelled"
    assert "dropped by a.operator" in card.last_error
    engine = App.from_settings(settings).engine
    assert [a[:3] for a in box.actions(engine, card.id)] == [("drop", "held", "a.operator")]
    again = cli(settings, monkeypatch, "outbox", "drop", str(card.id))
    assert again.exit_code != 0
    assert "not held or parked" in again.output
    assert len(webhook.accepted) == 1


def test_teams_channel_set_to_resend_sends_again(tmp_path: Path, webhook: WebhookReceiver) -> None:
    settings = teams_settings(tmp_path, webhook, teams_channel="resend")
    webhook.respond(504, after_acting=True)
    clock = Clock(NOON)
    report = tick(settings, tmp_path, clock)
    assert (report.delivery.held, report.delivery.failed) == (0, 1)
    clock.now += timedelta(hours=1)
    assert deliver(settings, clock).sent == 1
    assert len(webhook.accepted) == 2  # the documented duplicate of "resend"


def test_an_smtp_answer_lost_after_data_is_resent_with_the_same_message_id(tmp_path: Path,
                                                                            smtp: SmtpTestServer) -> None:
    settings = smtp_settings(tmp_path, smtp)
    smtp.drop_after_data()
    clock = Clock(NOON)
    report = tick(settings, tmp_path, clock)
    assert (report.delivery.failed, report.delivery.held) == (1, 0)
    assert report.delivery.reasons.get("ambiguous:dropped") == 1
    clock.now += timedelta(hours=1)
    assert deliver(settings, clock).sent == 1
    ids = Counter(str(mail.message["Message-ID"]) for mail in smtp.received)
    # the one whose answer was lost came twice, both copies with its one Message-ID; every other once
    assert sorted(ids.values()) == [1] * (len(ids) - 1) + [2]
    assert {r.state for r in rows(settings)} == {"sent"}


def test_smtp_set_to_hold_holds(tmp_path: Path, smtp: SmtpTestServer) -> None:
    settings = smtp_settings(tmp_path, smtp, email="hold")
    smtp.drop_after_data()
    report = tick(settings, tmp_path, Clock(NOON))
    assert report.delivery.held == 1
    (held,) = [r for r in rows(settings) if r.state == "held"]
    ids = Counter(str(mail.message["Message-ID"]) for mail in smtp.received)
    assert set(ids.values()) == {1}  # nothing twice; the held one went out once, and the operator was told
    assert any(r.key == f"operator:held:{held.id}" and r.state == "sent" for r in rows(settings))


def claim_as_dead_worker(settings: Settings, channel: str, now: datetime, *, handed: bool) -> Any:
    """A message claimed, and maybe handed over, by a worker whose heartbeat lapsed a moment ago."""
    engine = App.from_settings(settings).engine
    (row,) = rows(settings, channel)
    message = box.claim(engine, row.id, "dead-host:4242:cafe", now - timedelta(seconds=40))
    assert message is not None
    if handed:
        box.mark_handed(engine, row.id, "dead-host:4242:cafe", now - timedelta(seconds=39))
    heartbeat.beat(engine, "dead-host:4242:cafe", now - timedelta(seconds=40), timedelta(seconds=30))
    return message


def planned_only(settings: Settings, tmp_path: Path, clock: Clock) -> None:
    """Plan a tick with nothing delivered (the window shut), as if the process died before delivering."""
    shut = settings.model_copy(update={"delivery": settings.delivery.model_copy(update={"window": "working_hours"})})
    tick(shut, tmp_path, Clock(clock.now.replace(hour=6)))  # before the working day: planned, nothing sent
    assert {r.state for r in rows(settings)} == {"pending"}


def test_a_dead_workers_claim_is_resumed_at_once_without_using_an_attempt(tmp_path: Path,
                                                                          webhook: WebhookReceiver) -> None:
    settings = teams_settings(tmp_path, webhook)
    clock = Clock(NOON)
    planned_only(settings, tmp_path, clock)
    claimed = claim_as_dead_worker(settings, "teams_channel", clock.now, handed=False)
    assert claimed.attempts == 1
    counts = deliver(settings, clock)  # 40 s later: far inside the 10-minute claim lease
    assert counts.resumed == 1
    (card,) = rows(settings, "teams_channel")
    assert (card.state, card.attempts) == ("sent", 1)  # the crashed claim gave its attempt back
    assert len(webhook.accepted) == 1


def test_a_dead_workers_claim_already_handed_to_teams_is_held(tmp_path: Path, webhook: WebhookReceiver) -> None:
    settings = teams_settings(tmp_path, webhook)
    clock = Clock(NOON)
    planned_only(settings, tmp_path, clock)
    claim_as_dead_worker(settings, "teams_channel", clock.now, handed=True)
    counts = deliver(settings, clock)
    assert (counts.resumed, counts.held) == (1, 1)  # the emails (to the sink) went as usual
    (card,) = rows(settings, "teams_channel")
    assert (card.state, card.attempts) == ("held", 0)
    assert "died after handing it to the channel" in card.last_error
    assert webhook.accepted == []
    alert = [r for r in rows(settings, "email") if r.key == f"operator:held:{card.id}"]
    assert [r.state for r in alert] == ["sent"]  # the operator heard of it in the same pass


def test_a_live_workers_claim_is_left_alone(tmp_path: Path, webhook: WebhookReceiver) -> None:
    settings = teams_settings(tmp_path, webhook)
    clock = Clock(NOON)
    planned_only(settings, tmp_path, clock)
    engine = App.from_settings(settings).engine
    (row,) = rows(settings, "teams_channel")
    heartbeat.beat(engine, "busy-host:7:beef", clock.now - timedelta(seconds=5), timedelta(seconds=30))
    assert box.claim(engine, row.id, "busy-host:7:beef", clock.now - timedelta(seconds=5)) is not None
    counts = deliver(settings, clock)
    assert counts.resumed == 0
    (card,) = rows(settings, "teams_channel")
    assert (card.state, card.claimed_by) == ("sending", "busy-host:7:beef")
    assert webhook.accepted == []


def test_a_claim_is_taken_by_one_worker_only(tmp_path: Path, webhook: WebhookReceiver) -> None:
    settings = teams_settings(tmp_path, webhook)
    clock = Clock(NOON)
    planned_only(settings, tmp_path, clock)
    engine = App.from_settings(settings).engine
    (row,) = rows(settings, "teams_channel")
    assert box.claim(engine, row.id, "a", clock.now) is not None
    assert box.claim(engine, row.id, "b", clock.now) is None
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == row.id).values(state="pending"))


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"}
    env |= {"CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml"),
            "CHECKER_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}",
            "CHECKER_DELIVERY__WINDOW": "any_time", "CHECKER_ROUTING__OPERATOR_EMAIL": OPERATOR}
    return env | {f"CHECKER_{name.upper()}": value for name, value in settings.items()}


def test_run_once_exits_4_when_a_message_was_parked(tmp_path: Path, smtp: SmtpTestServer) -> None:
    env = clean_env(tmp_path, delivery__email="smtp", smtp__host=smtp.host, smtp__port=str(smtp.port),
                    smtp__username="checker", smtp__password=PASSWORD, smtp__sender="checker@council.example",
                    smtp__ca_file=str(smtp.write_ca(tmp_path)))
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-03-10")])
    smtp.fail_next("RCPT", 550)
    ran = subprocess.run([str(CHECKER), "run", "--once", "--as-of", "2026-11-23", "--cases", str(cases),
                          "--no-digests"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         check=False)
    assert ran.returncode == 4, ran.stdout + ran.stderr
    assert "1 parked; 0 held" in ran.stdout
    assert PASSWORD not in ran.stdout + ran.stderr
