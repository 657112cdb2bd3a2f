"""``checker run --once`` as an operator runs it: the installed command, settings from the environment.

Against real local servers: aiosmtpd for SMTP, the local identity platform + Graph server (real msal in
the child process). The kill test is the crash-safety promise of the outbox: kill -9 the process while
a message is being sent, run again, and every planned message has arrived exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers.graph import CLIENT_ID, CLIENT_SECRET, SEND_MESSAGE, SENDER, TENANT, GraphTestServer
from servers.smtp import PASSWORD, SmtpTestServer
from sqlalchemy import create_engine, select
from support.caseload import custody_case, write_csv

from checker.state.schema import outbox

CHECKER = Path(sys.executable).parent / "checker"
SOON = "2027-03-10"  # a release whose pre-release review is due within the 20-day lead time of 2026-11-23
AS_OF = "2026-11-23"

pytest_plugins = ["servers.graph_fixtures", "servers.smtp_fixtures"]


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a fresh shell: no CHECKER_ settings but these, no settings file, state in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"}
    env |= {"CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml"),
            "CHECKER_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}",
            "CHECKER_DELIVERY__WINDOW": "any_time",
            "CHECKER_ROUTING__OPERATOR_EMAIL": "ops@example.org"}
    return env | {f"CHECKER_{name.upper()}": value for name, value in settings.items()}


def run_once(env: dict[str, str], cases: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECKER), "run", "--once", "--as-of", AS_OF, "--cases", str(cases), *extra],
                          env=env, cwd=cases.parent, capture_output=True, text=True, timeout=120, check=False)


def outbox_rows(tmp_path: Path) -> list[tuple[str, str]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        with engine.connect() as connection:
            return [(r.key, r.state) for r in connection.execute(select(outbox.c.key, outbox.c.state))]
    finally:
        engine.dispose()


def test_run_once_twice_on_unchanged_data_sends_nothing_the_second_time(smtp: SmtpTestServer,
                                                                       tmp_path: Path) -> None:
    env = clean_env(tmp_path, delivery__email="smtp", smtp__host=smtp.host, smtp__port=str(smtp.port),
                    smtp__username="checker", smtp__password=PASSWORD, smtp__sender="checker@council.example",
                    smtp__ca_file=str(smtp.write_ca(tmp_path)))
    cases = write_csv(tmp_path / "cases.csv",
                      [custody_case("C1", SOON), custody_case("C2", SOON, "pa.two@example.org")])
    first = run_once(env, cases, "--no-digests")
    assert first.returncode == 0, first.stderr
    assert "Delivered 2;" in first.stdout
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == ["pa.one@example.org", "pa.two@example.org"]
    assert PASSWORD not in first.stdout + first.stderr

    second = run_once(env, cases, "--no-digests")
    assert second.returncode == 0, second.stderr
    assert "Planned 0 new notifications in 0 messages" in second.stdout
    assert "Delivered 0;" in second.stdout
    assert len(smtp.received) == 2


def test_the_daemon_refuses_the_options_of_one_tick(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", SOON)])
    result = subprocess.run([str(CHECKER), "run", "--cases", str(cases)], env=clean_env(tmp_path),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "are for --once" in result.stderr


def test_the_daemon_without_a_source_is_a_start_up_error(tmp_path: Path) -> None:
    result = subprocess.run([str(CHECKER), "run"], env=clean_env(tmp_path), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2
    assert "no source given" in result.stderr


@pytest.mark.slow
def test_killed_during_delivery_then_run_again_every_message_arrives_exactly_once(graph_server: GraphTestServer,
                                                                                   tmp_path: Path) -> None:
    env = clean_env(tmp_path, delivery__email="graph", delivery__heartbeat_seconds="1",
                    graph__tenant_id=TENANT, graph__client_id=CLIENT_ID, graph__client_secret=CLIENT_SECRET,
                    graph__sender=SENDER, graph__authority_host=graph_server.authority_host,
                    graph__graph_url=graph_server.graph_url, graph__ca_file=str(graph_server.write_ca(tmp_path)),
                    graph__timeout="60")
    advisers = [f"pa.{n}@example.org" for n in range(6)]
    cases = write_csv(tmp_path / "cases.csv", [custody_case(f"C{n}", SOON, a) for n, a in enumerate(advisers)])
    graph_server.normal(SEND_MESSAGE, times=2)
    graph_server.slow(SEND_MESSAGE, 8.0, act=True)  # the third is sent, and its answer never reaches the process

    process = subprocess.Popen([str(CHECKER), "run", "--once", "--as-of", AS_OF, "--cases", str(cases),
                                "--no-digests"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while graph_server.calls(SEND_MESSAGE) < 3:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the third send never started"
        time.sleep(0.05)
    deadline = time.monotonic() + 30
    while len(graph_server.sent) < 3:  # the third send is done on the server; its answer is still on its way
        assert time.monotonic() < deadline, "the third send never completed on the server"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert len(graph_server.sent) == 3
    states = sorted(state for _key, state in outbox_rows(tmp_path))
    assert states == ["pending"] * 3 + ["sending"] + ["sent"] * 2

    time.sleep(3.5)  # three missed heartbeats (far inside the 10-minute claim lease): the process is known dead
    again = run_once(env, cases, "--no-digests")
    assert again.returncode == 0, again.stderr
    assert "Resumed 1 message claimed by a process that died." in again.stdout
    rows = outbox_rows(tmp_path)
    assert {state for _key, state in rows} == {"sent"}
    assert len(rows) == 6
    for key, _state in rows:
        assert len(graph_server.sent_with_key(key)) == 1, key
    assert sorted(to for mail in graph_server.sent for to in mail.to) == sorted(advisers)


def test_a_source_that_shrank_stops_the_tick_and_only_the_operator_hears(smtp: SmtpTestServer,
                                                                         tmp_path: Path) -> None:
    env = clean_env(tmp_path, delivery__email="smtp", smtp__host=smtp.host, smtp__port=str(smtp.port),
                    smtp__username="checker", smtp__password=PASSWORD, smtp__sender="checker@council.example",
                    smtp__ca_file=str(smtp.write_ca(tmp_path)))
    everyone = [custody_case(f"C{n}", SOON, f"pa.{n}@example.org") for n in range(5)]
    cases = write_csv(tmp_path / "cases.csv", everyone)
    assert run_once(env, cases, "--no-digests").returncode == 0
    assert len(smtp.received) == 5

    write_csv(cases, [*everyone[:2], custody_case("C9", SOON, "pa.9@example.org")])  # a half-written extract
    stopped = run_once(env, cases, "--no-digests")
    assert stopped.returncode == 1
    assert "3 cases were evaluated (3 rows read), 40% fewer than the 5" in stopped.stderr
    (alert,) = smtp.received[5:]  # nothing for pa.9: only the operator's alert
    assert alert.rcpt_tos == ("ops@example.org",)
    assert "stopped before it changed anything" in alert.message["Subject"]

    accepted = run_once(env, cases, "--no-digests", "--accept-drop")
    assert accepted.returncode == 0, accepted.stderr
    assert [m.rcpt_tos for m in smtp.received[6:]] == [("pa.9@example.org",)]
