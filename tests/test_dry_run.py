"""``checker run --once --dry-run``: who would get what, with subjects; nothing sent and nothing written.

C1 is in custody, release 16 Feb 2027: the pre-release review (000 §14) was due Mon 16 Nov 2026. On Fri
20 Nov it is 4 working days overdue (the adviser's first overdue reminder); on Mon 23 Nov, 5: the team
manager's threshold, so Monday's tick escalates it to tm.north and tells the adviser nothing new (the
next overdue reminder is at 6).
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.caseload import custody_case, write_csv
from support.state_db import rows_per_table

from checker.cli import main

ADVISER = "pa.one@example.org"
MANAGER = "tm.north@example.org"


@pytest.fixture
def setup(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path, Path]:
    """(cases file, state database path, sink folder); the settings point at them."""
    state, sink = tmp_path / "state" / "state.sqlite", tmp_path / "sink"
    cli_env.setenv("CHECKER_STATE_URL", f"sqlite:///{state}")
    cli_env.setenv("CHECKER_DELIVERY__SINK_DIR", str(sink))
    cli_env.setenv("CHECKER_DELIVERY__WINDOW", "any_time")
    return write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-02-16")]), state, sink


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tick(cases: Path, as_of: str, *extra: str) -> Result:
    result = invoke("run", "--once", "--cases", str(cases), "--as-of", as_of, "--no-digests", *extra)
    assert result.exit_code == 0, result.output
    return result


def digest(path: Path) -> str:
    """The database file's hash once everything committed is in it (the state database runs in WAL mode, where
    committed pages wait in the -wal file until a checkpoint, which any connection may run)."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contents(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def sink_files(sink: Path) -> list[str]:
    return sorted(p.name for p in sink.rglob("*") if p.is_file()) if sink.exists() else []


def test_with_no_state_database_it_shows_the_first_tick_and_creates_nothing(
        setup: tuple[Path, Path, Path]) -> None:
    cases, state, sink = setup
    out = tick(cases, "2026-11-20", "--dry-run").stdout
    assert "nothing was sent and nothing was written" in out
    assert "there is no state database yet" in out
    line = next(line for line in out.splitlines() if ADVISER in line)
    assert "email" in line
    assert "reminder" in line
    assert "(C1)" in line  # the subject names the case reference
    assert "(1 item)" in line
    assert not state.exists()
    assert not state.parent.exists()
    assert sink_files(sink) == []


def test_on_a_state_database_it_writes_nothing_and_sends_nothing(setup: tuple[Path, Path, Path]) -> None:
    cases, state, sink = setup
    tick(cases, "2026-11-20")  # the adviser's overdue reminder, really sent
    before_rows, before_bytes, before_sink = rows_per_table(f"sqlite:///{state}"), digest(state), sink_files(sink)
    before_contents = contents(state)
    assert len(before_sink) == 1

    out = tick(cases, "2026-11-23", "--dry-run").stdout
    assert "This tick would send 1 message:" in out
    [line] = [line for line in out.splitlines() if line.startswith("  ")]
    assert MANAGER in line
    assert "Escalated:" in line
    assert "(C1), overdue since" in line
    assert ADVISER not in out

    assert rows_per_table(f"sqlite:///{state}") == before_rows
    assert contents(state) == before_contents  # every row of every table as it was
    assert digest(state) == before_bytes
    assert sink_files(sink) == before_sink

    real = tick(cases, "2026-11-23")  # the real tick sends exactly what the dry run said
    assert "Delivered 1;" in real.stdout
    assert len(sink_files(sink)) == 2
    again = tick(cases, "2026-11-23", "--dry-run").stdout
    assert "This tick would send nothing new." in again


def test_dry_run_is_for_once_only(setup: tuple[Path, Path, Path]) -> None:
    result = CliRunner().invoke(main, ["run", "--dry-run"])
    assert result.exit_code == 2
    assert "--dry-run and --scratch-state are for --once" in result.output
