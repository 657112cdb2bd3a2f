"""``kill -9`` of ``checker run --once`` in the middle of a delivery, then a second run, on every kind of channel.

The service accepts the message in flight and its answer never reaches the killed process. Promised:
Graph mail arrives exactly once (``test_run_once.py`` kills it the same way); SMTP (``on_ambiguous =
"resend"``) sends the one message in flight at most once more, with the same Message-ID, and every
other message exactly once; a Teams channel card (``"hold"``) is held for the operator and not sent
again, the second run exiting 4. The second run starts a few seconds after the kill: the dead process's
heartbeat (``delivery.heartbeat_seconds = 1``) has lapsed, far inside the 10-minute claim lease.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from servers.smtp import PASSWORD, SmtpTestServer
from servers.webhook import WebhookReceiver
from sqlalchemy import create_engine, select
from support.caseload import custody_case, write_csv

from checker.state.schema import outbox

pytest_plugins = ["servers.smtp_fixtures"]

CHECKER = Path(sys.executable).parent / "checker"
AS_OF = "2026-11-23"
SOON = "2027-03-10"  # the pre-release review is due within the lead time: one reminder each
OVERDUE = "2026-12-10"  # overdue on AS_OF: the team's channel hears of it too
HEARTBEAT_LAPSE = 3.5  # seconds: three beats of one second, and a little more


def clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"}
    env |= {"CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml"),
            "CHECKER_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}",
            "CHECKER_DELIVERY__WINDOW": "any_time", "CHECKER_DELIVERY__HEARTBEAT_SECONDS": "1",
            "CHECKER_ROUTING__OPERATOR_EMAIL": "ops@example.org"}
    return env | {f"CHECKER_{name.upper()}": value for name, value in settings.items()}


def command(cases: Path) -> list[str]:
    return [str(CHECKER), "run", "--once", "--as-of", AS_OF, "--cases", str(cases), "--no-digests"]


def states(tmp_path: Path) -> list[tuple[str, str, str]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        with engine.connect() as connection:
            return [(r.key, r.channel, r.state)
                    for r in connection.execute(select(outbox.c.key, outbox.c.channel, outbox.c.state))]
    finally:
        engine.dispose()


def kill_when(process: subprocess.Popen[str], accepted: Callable[[], bool]) -> None:
    """SIGKILL ``process`` once the server has accepted the message whose answer it is holding back."""
    deadline = time.monotonic() + 60
    while not accepted():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the message in flight never reached the server"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


@pytest.mark.slow
def test_smtp_killed_mid_send_resends_only_the_message_in_flight(smtp: SmtpTestServer, tmp_path: Path) -> None:
    env = clean_env(tmp_path, delivery__email="smtp", smtp__host=smtp.host, smtp__port=str(smtp.port),
                    smtp__username="checker", smtp__password=PASSWORD, smtp__sender="checker@council.example",
                    smtp__ca_file=str(smtp.write_ca(tmp_path)), smtp__timeout="60")
    advisers = [f"pa.{n}@example.org" for n in range(5)]
    cases = write_csv(tmp_path / "cases.csv", [custody_case(f"C{n}", SOON, a) for n, a in enumerate(advisers)])
    smtp.slow_after_data(0.0, times=2)
    smtp.slow_after_data(30.0)  # the third is accepted, and its 250 never reaches the process
    process = subprocess.Popen(command(cases), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    kill_when(process, lambda: len(smtp.received) >= 3)
    assert sorted(state for _k, _c, state in states(tmp_path)) == ["pending"] * 2 + ["sending"] + ["sent"] * 2

    time.sleep(HEARTBEAT_LAPSE)
    again = subprocess.run(command(cases), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           check=False)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Resumed 1 message claimed by a process that died." in again.stdout
    assert {state for _k, _c, state in states(tmp_path)} == {"sent"}
    copies = Counter(str(mail.message["Message-ID"]) for mail in smtp.received)
    assert len(copies) == len(advisers)
    assert sorted(copies.values()) == [1] * (len(advisers) - 1) + [2]  # the documented duplicate, same Message-ID
    assert sorted({mail.rcpt_tos[0] for mail in smtp.received}) == sorted(advisers)


@pytest.mark.slow
def test_a_teams_card_killed_mid_send_is_held_and_the_run_exits_4(tmp_path: Path) -> None:
    with WebhookReceiver() as webhook:
        env = clean_env(tmp_path, delivery__email="sink", delivery__sink_dir=str(tmp_path / "sink"),
                        delivery__teams_channel="webhook", teams__webhooks__north=webhook.url,
                        teams__team_channels__North="north", teams__timeout="60")
        cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", OVERDUE)])
        webhook.slow(30.0)  # the card is posted to the channel; the answer never reaches the process
        process = subprocess.Popen(command(cases), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        kill_when(process, lambda: len(webhook.accepted) >= 1)
        assert ("teams_channel", "sending") in [(c, s) for _k, c, s in states(tmp_path)]

        time.sleep(HEARTBEAT_LAPSE)
        again = subprocess.run(command(cases), env=env, cwd=tmp_path, capture_output=True, text=True,
                               timeout=120, check=False)
        assert again.returncode == 4, again.stdout + again.stderr
        assert "1 held" in again.stdout
        card = [s for _k, c, s in states(tmp_path) if c == "teams_channel"]
        assert card == ["held"]
        assert len(webhook.accepted) == 1  # held, not posted a second time
        assert webhook.sig not in again.stdout + again.stderr

        listed = subprocess.run([str(CHECKER), "outbox"], env=env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=60, check=False)
        assert listed.returncode == 0, listed.stderr
        assert "held" in listed.stdout
        assert "teams_channel" in listed.stdout
        assert "died after handing it to the channel" in listed.stdout
        assert webhook.sig not in listed.stdout
