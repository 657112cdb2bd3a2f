"""The operator's commands on the state: db upgrade, snooze and waive (shown by explain and history), outbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.caseload import custody_case, write_csv

from checker.cli import main
from checker.cli.common import today_in_london

SOON = "2027-03-10"


@pytest.fixture
def env(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A state database and sink of the test's own (settings are isolated by conftest.py); the cases file."""
    cli_env.setenv("CHECKER_STATE_URL", f"sqlite:///{tmp_path / 'state' / 'state.sqlite'}")
    cli_env.setenv("CHECKER_DELIVERY__SINK_DIR", str(tmp_path / "sink"))
    cli_env.setenv("CHECKER_DELIVERY__WINDOW", "any_time")
    return write_csv(tmp_path / "cases.csv", [custody_case("C1", SOON)])


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_db_upgrade_creates_and_reports_the_schema(env: Path, tmp_path: Path) -> None:
    first = invoke("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert "(was empty;" in first.stdout
    assert (tmp_path / "state" / "state.sqlite").is_file()
    again = invoke("db", "upgrade")
    assert "(was empty;" not in again.stdout


def test_explain_writes_no_state_database(env: Path, tmp_path: Path) -> None:
    result = invoke("explain", "C1", "--cases", str(env), "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "state").exists()


def tick(cases: Path) -> None:
    ran = invoke("run", "--once", "--cases", str(cases), "--as-of", "2026-11-23", "--no-digests")
    assert ran.exit_code == 0, ran.output


def test_a_snooze_is_recorded_and_shown_by_explain_and_history(env: Path) -> None:
    tick(env)
    until = (today_in_london() + timedelta(days=14)).isoformat()
    snoozed = invoke("snooze", "C1", "custody-release-review", "--until", until,
                     "--reason", "release date under review by the prison", "--by", "tm.north")
    assert snoozed.exit_code == 0, snoozed.output
    explained = invoke("explain", "C1", "--cases", str(env), "--as-of", "2026-11-23")
    assert explained.exit_code == 0, explained.output
    assert "Snoozes and waivers" in explained.stdout
    assert "snooze" in explained.stdout
    assert f"until {until} (in force), by tm.north on " in explained.stdout
    assert "release date under review" in explained.stdout
    history = invoke("history", "C1")
    assert "release date under review by the prison" in history.stdout


def test_a_snooze_needs_a_known_obligation_a_reason_and_a_future_expiry(env: Path) -> None:
    tick(env)
    unknown = invoke("snooze", "C1", "no-such-duty", "--until", "2026-12-31", "--reason", "x")
    assert unknown.exit_code == 2
    assert "not an obligation of profile lancashire" in unknown.stderr
    assert invoke("waive", "C1", "custody-release-review", "--until", "2026-12-31").exit_code == 2  # no reason
    past = invoke("waive", "C1", "custody-release-review", "--until", "2020-01-31", "--reason", "moved away")
    assert past.exit_code == 2


def test_the_outbox_lists_what_was_delivered_with_all(env: Path) -> None:
    ran = invoke("run", "--once", "--cases", str(env), "--as-of", "2026-11-23", "--no-digests")
    assert ran.exit_code == 0, ran.output
    assert "Delivered 1;" in ran.stdout
    assert invoke("outbox").stdout.strip() == "No held or parked messages."
    listing = invoke("outbox", "--all").stdout
    assert "sent" in listing
    assert "pa.one@example.org" in listing
