"""The daemon: ticks on schedule, health endpoints, stops safely on SIGTERM, and two replicas on one
PostgreSQL never send the same thing, even when the leader is killed with kill -9 mid-delivery.

Everything real: APScheduler, the installed ``checker`` command, the local Graph server with the real
msal client in the child processes, a throwaway PostgreSQL server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import trustme
from apscheduler.triggers.cron import CronTrigger
from servers.graph import CLIENT_ID, CLIENT_SECRET, SEND_MESSAGE, SENDER, TENANT, GraphTestServer
from servers.webhook import WebhookReceiver
from sqlalchemy import create_engine, func, select
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.channels import build_channels
from checker.daemon import Daemon, last_scheduled, trigger
from checker.metrics import Metrics
from checker.settings import CsvSourceSettings, DeliverySettings, HealthSettings, ScheduleSettings, Settings
from checker.state.schema import leader_lease, outbox, run
from notifiers.teams_activity import chain_id

pytest_plugins = ["servers.graph_fixtures"]

CHECKER = Path(sys.executable).parent / "checker"
LONDON = ZoneInfo("Europe/London")
SOON = "2027-03-10"  # a release whose pre-release review falls inside the 20-working-day lead time of today
NEVER = "0 3 29 2 1"  # a crontab that fires only on a Monday 29 February: not during a test


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


# --- The schedule ---------------------------------------------------------------------------------

def test_the_last_scheduled_time_of_a_working_day_cron() -> None:
    cron = trigger("0 7 * * mon-fri")
    monday_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert last_scheduled(cron, monday_9) == datetime(2026, 11, 30, 7, 0, tzinfo=LONDON)
    monday_6 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    assert last_scheduled(cron, monday_6) == datetime(2026, 11, 27, 7, 0, tzinfo=LONDON)  # the Friday before
    summer = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)  # 07:30 in London (BST): today's 07:00 has passed
    assert last_scheduled(cron, summer) == datetime(2026, 7, 1, 7, 0, tzinfo=LONDON)


def test_a_bad_schedule_is_refused_with_the_expression() -> None:
    with pytest.raises(ValueError, match="'0 7 \\* \\* someday' is not a crontab expression"):
        trigger("0 7 * * someday")


def test_the_daemon_ticks_on_schedule_and_a_second_tick_sends_nothing(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", SOON), custody_case("C2", SOON, "pa.two@x.org")])
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}", default_source="local",
        sources={"local": CsvSourceSettings(kind="csv", cases=cases)},
        delivery=DeliverySettings(window="any_time", sink_dir=tmp_path / "sink"),
        schedule=ScheduleSettings(retry=NEVER, digests=NEVER, catch_up=False),
        health=HealthSettings(host="127.0.0.1", port=0),
    )
    app = App.from_settings(settings)
    with build_channels(settings) as channels:
        daemon = Daemon(settings, app, channels, Metrics())
        daemon.triggers["tick"] = CronTrigger(second="*/2", timezone=LONDON)  # every two seconds, for the test
        daemon.start()
        try:
            base = f"http://127.0.0.1:{daemon.health.port}"
            assert httpx.get(f"{base}/healthz").status_code == 200  # (not ready before a tick: tested below)

            def ticks() -> int:
                with app.engine.connect() as connection:
                    return int(connection.execute(select(func.count()).select_from(run)
                                                  .where(run.c.outcome == "ok")).scalar_one())

            wait_for(lambda: ticks() >= 2, 20, "two scheduled ticks")
            assert httpx.get(f"{base}/readyz").status_code == 200
            metrics = httpx.get(f"{base}/metrics").text
            assert 'checker_findings{obligation="custody-release-review",status="pending"} 2.0' in metrics
        finally:
            daemon.stop()
    assert len(list((tmp_path / "sink").iterdir())) == 2  # two reminders, once, however many ticks ran
    assert daemon.scheduler.running is False


# --- As an operator runs it -----------------------------------------------------------------------

def daemon_env(tmp_path: Path, graph: GraphTestServer, state_url: str, cases: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"}
    settings = {
        "settings_file": str(tmp_path / "none.toml"), "state_url": state_url,
        "sources__local__kind": "csv", "sources__local__cases": str(cases), "default_source": "local",
        "delivery__email": "graph", "delivery__window": "any_time", "delivery__claim_lease_seconds": "1",
        "graph__tenant_id": TENANT, "graph__client_id": CLIENT_ID, "graph__client_secret": CLIENT_SECRET,
        "graph__sender": SENDER, "graph__authority_host": graph.authority_host, "graph__graph_url": graph.graph_url,
        "graph__ca_file": str(graph.write_ca(tmp_path)), "graph__timeout": "60",
        "schedule__retry": NEVER, "schedule__digests": NEVER, "health__host": "127.0.0.1", "health__port": "0",
        "leader__lease_seconds": "5", "routing__operator_email": "ops@example.org",
    } | extra
    return env | {f"CHECKER_{name.upper()}": value for name, value in settings.items()}


def start_daemon(env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[str]:
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen([str(CHECKER), "run"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                            text=True)


def states(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(connection.execute(select(outbox.c.state)).scalars())
    finally:
        engine.dispose()


def keys(url: str) -> list[str]:
    return [key for key, _channel in outbox_keys(url)]


def outbox_keys(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [(r.key, r.channel) for r in connection.execute(select(outbox.c.key, outbox.c.channel))]
    finally:
        engine.dispose()


def leader_pid(url: str) -> int | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            holder = connection.execute(select(leader_lease.c.holder)).scalar()
    finally:
        engine.dispose()
    return int(holder.split(":")[1]) if holder else None


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
def test_sigterm_during_delivery_stops_between_messages_and_a_restart_sends_the_rest_once(
        graph_server: GraphTestServer, tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    advisers = [f"pa.{n}@example.org" for n in range(5)]
    cases = write_csv(tmp_path / "cases.csv", [custody_case(f"C{n}", SOON, a) for n, a in enumerate(advisers)])
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    env = daemon_env(tmp_path, graph_server, url, cases)
    graph_server.normal(SEND_MESSAGE, times=1)
    graph_server.slow(SEND_MESSAGE, 3.0, act=True)  # the second send takes three seconds to answer
    first = start_daemon(env, tmp_path, "first")
    processes.append(first)
    wait_for(lambda: graph_server.calls(SEND_MESSAGE) >= 2, 60, "the second send to start")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    assert len(graph_server.sent) == 2  # the send under way was finished and recorded, nothing new started
    assert states(url) == ["pending"] * 3 + ["sent"] * 2

    second = start_daemon(env, tmp_path, "second")
    processes.append(second)
    wait_for(lambda: states(url) == ["sent"] * 5, 60, "the restarted daemon to send the rest")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0
    for key in keys(url):
        assert len(graph_server.sent_with_key(key)) == 1, key
    assert sorted(to for mail in graph_server.sent for to in mail.to) == advisers


@pytest.mark.slow
def test_two_replicas_on_postgres_send_everything_once_even_when_the_leader_is_killed(
        graph_ca: trustme.CA, tmp_path: Path, fresh_postgres_url: str,
        processes: list[subprocess.Popen[str]]) -> None:
    """Email through Graph, the advisers' Teams activity feeds and the team's Workflows channel."""
    advisers = [f"pa.{n}@example.org" for n in range(8)]
    rows = [custody_case(f"C{n}", SOON, a) for n, a in enumerate(advisers[:6])]
    rows += [custody_case(f"C{n}", "2026-12-10", a) for n, a in enumerate(advisers[6:], start=6)]  # overdue
    cases = write_csv(tmp_path / "cases.csv", rows)
    users = {a: str(uuid.uuid5(uuid.NAMESPACE_URL, a)) for a in advisers}
    with GraphTestServer(graph_ca, users=users) as graph, WebhookReceiver() as webhook:
        env = daemon_env(tmp_path, graph, fresh_postgres_url, cases, delivery__teams_activity="graph",
                         delivery__teams_channel="webhook", teams__webhooks__north=webhook.url,
                         teams__team_channels__North="north")
        App.from_settings(Settings(state_url=fresh_postgres_url))  # migrated once, before the replicas start
        graph.normal(SEND_MESSAGE, times=3)
        graph.slow(SEND_MESSAGE, 10.0, act=True)  # the fourth is sent; its answer never reaches the leader
        replicas = {name: start_daemon(env, tmp_path, name) for name in ("a", "b")}
        processes.extend(replicas.values())
        wait_for(lambda: len(graph.sent) >= 4, 60, "the leader's fourth email to leave")
        pid = leader_pid(fresh_postgres_url)
        (leader,) = [p for p in replicas.values() if p.pid == pid]
        (standby,) = [p for p in replicas.values() if p.pid != pid]
        leader.send_signal(signal.SIGKILL)
        leader.wait(timeout=10)
        assert standby.poll() is None

        def all_sent() -> bool:
            found = states(fresh_postgres_url)
            return bool(found) and set(found) == {"sent"}

        wait_for(all_sent, 60, "the standby to take over and finish")
        by_channel: dict[str, list[str]] = {}
        for key, channel in outbox_keys(fresh_postgres_url):
            by_channel.setdefault(channel, []).append(key)
        for key in by_channel["email"]:
            assert len(graph.sent_with_key(key)) == 1, key
        chains = Counter(a.body["chainId"] for a in graph.activities)
        assert sorted(chains) == sorted(chain_id(key) for key in by_channel["teams_activity"])
        assert set(chains.values()) == {1}
        assert len(webhook.accepted) == len(by_channel["teams_channel"]) >= 1
        assert set(advisers) <= {to for mail in graph.sent for to in mail.to}
        assert leader_pid(fresh_postgres_url) == standby.pid
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=30) == 0


def test_readiness_follows_the_schedule_over_a_weekend(tmp_path: Path) -> None:
    from checker.state.runs import finish_run, start_run  # noqa: PLC0415 - only to write the run log by hand

    settings = Settings(state_url=f"sqlite:///{tmp_path / 'state.sqlite'}", health=HealthSettings(port=0))
    app = App.from_settings(settings)
    now = [datetime(2026, 11, 27, 6, 0, tzinfo=UTC)]  # Friday 06:00
    with build_channels(settings) as channels:
        daemon = Daemon(settings, app, channels, Metrics(), clock=lambda: now[0])
    assert daemon.ready() == (False, "no successful tick yet")
    friday_seven = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    run_id = start_run(app.engine, kind="tick", as_of=friday_seven.date(), profile="lancashire", source="test",
                       now=friday_seven)
    finish_run(app.engine, run_id, outcome="ok", now=friday_seven + timedelta(minutes=2))
    for moment, ready in [
        (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), True),   # Saturday: Friday's tick is the one due
        (datetime(2026, 11, 30, 7, 30, tzinfo=UTC), True),   # Monday 07:30: Monday's may still be running
        (datetime(2026, 11, 30, 8, 1, tzinfo=UTC), False),   # Monday 08:01: Monday's tick has not succeeded
    ]:
        now[0] = moment
        assert daemon.ready()[0] is ready, moment


def test_catch_up_makes_a_missed_tick_once(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", SOON)])
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}", default_source="local",
        sources={"local": CsvSourceSettings(kind="csv", cases=cases)},
        delivery=DeliverySettings(window="any_time", sink_dir=tmp_path / "sink"),
        schedule=ScheduleSettings(digests=NEVER), health=HealthSettings(port=0),
    )
    app = App.from_settings(settings)
    tuesday_nine = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # today's 07:00 tick was missed
    with build_channels(settings) as channels:
        daemon = Daemon(settings, app, channels, Metrics(), clock=lambda: tuesday_nine)

        def runs() -> list[str]:
            with app.engine.connect() as connection:
                return list(connection.execute(select(run.c.kind).order_by(run.c.id)).scalars())

        daemon.catch_up()
        assert runs() == ["tick"]
        daemon.catch_up()  # a restart after it: nothing was missed
        assert runs() == ["tick"]
    assert len(list((tmp_path / "sink").iterdir())) == 1
