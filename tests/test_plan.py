"""``checker plan`` (and its first name ``run --once --dry-run``) on SQLite and PostgreSQL state.

It prints who the tick would tell what, with subjects, and leaves every table of the state database as it
was; it keeps the as-of rule of ``run --once``: a day before the last good tick, or after today, is refused
with the same reason (docs/decisions.md, "A plan keeps the as-of rule of a real run").

C1 is in custody, release 16 Feb 2027: the pre-release review (000 §14) was due Mon 16 Nov 2026. On Fri
20 Nov it is 4 working days overdue (the adviser's first overdue reminder); on Mon 23 Nov, 5: the team
manager's threshold, so Monday's tick escalates it to tm.north and tells the adviser nothing new.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url, rows_per_table

from checker.cli import main
from checker.cli.common import today_in_london

ADVISER = "pa.one@example.org"
MANAGER = "tm.north@example.org"


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


@pytest.fixture
def setup(cli_env: pytest.MonkeyPatch, tmp_path: Path, state_url: str) -> tuple[Path, Path]:
    """(cases file, sink folder); the settings point at them and at the state database."""
    sink = tmp_path / "sink"
    cli_env.setenv("CHECKER_STATE_URL", state_url)
    cli_env.setenv("CHECKER_DELIVERY__SINK_DIR", str(sink))
    cli_env.setenv("CHECKER_DELIVERY__WINDOW", "any_time")
    return write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-02-16")]), sink


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def tick(cases: Path, as_of: str) -> Result:
    result = invoke("run", "--once", "--cases", str(cases), "--as-of", as_of, "--no-digests")
    assert result.exit_code == 0, result.output
    return result


def plan(cases: Path, as_of: str, *extra: str) -> Result:
    return invoke("plan", "--cases", str(cases), "--as-of", as_of, "--no-digests", *extra)


def sink_files(sink: Path) -> list[str]:
    return sorted(p.name for p in sink.rglob("*") if p.is_file()) if sink.exists() else []


def test_plan_lists_recipients_and_subjects_and_writes_nothing(setup: tuple[Path, Path], state_url: str) -> None:
    cases, sink = setup
    tick(cases, "2026-11-20")  # the adviser's overdue reminder, really sent
    before, sent = rows_per_table(state_url), sink_files(sink)
    assert before["run"] == 1
    assert before["outbox"] == 1
    assert len(sent) == 1

    result = plan(cases, "2026-11-23")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Plan as of 2026-11-23 (a dry run): nothing was sent and nothing was written.")
    assert "1 case read (0 rejected)" in out
    assert "This tick would send 1 message:" in out
    [line] = [line for line in out.splitlines() if line.startswith("  ")]
    assert line.split()[:3] == [MANAGER, "email", "reminder"]
    assert "Escalated:" in line
    assert "(C1), overdue since" in line
    assert "(1 item)" in line
    assert ADVISER not in out

    assert rows_per_table(state_url) == before  # every table, row for row in number
    assert sink_files(sink) == sent

    real = tick(cases, "2026-11-23")  # the real tick sends what the plan said: one message
    assert "Delivered 1;" in real.stdout
    assert rows_per_table(state_url)["outbox"] == 2


def test_plan_refuses_an_as_of_before_the_last_good_tick_as_run_does(setup: tuple[Path, Path],
                                                                      state_url: str) -> None:
    cases, _ = setup
    tick(cases, "2026-11-20")
    before = rows_per_table(state_url)
    reason = ("--as-of 2026-11-19 is before the last good tick (run 1, as of 2026-11-20): a tick for an earlier "
              "day would plan and send again for days already told, and rewrite the history")
    real = invoke("run", "--once", "--cases", str(cases), "--as-of", "2026-11-19", "--no-digests")
    assert real.exit_code == 2
    assert real.stderr.startswith(f"checker: {reason}.")

    for result in (plan(cases, "2026-11-19"),
                   invoke("run", "--once", "--dry-run", "--cases", str(cases), "--as-of", "2026-11-19")):
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith(f"checker: {reason}. `checker run --once` would refuse this date")
        assert "nothing was written" in result.stderr
    assert rows_per_table(state_url) == before

    scratch = plan(cases, "2026-11-19", "--scratch-state")  # on a scratch copy any day may be planned
    assert scratch.exit_code == 0, scratch.output
    assert "Plan as of 2026-11-19" in scratch.stdout
    assert rows_per_table(state_url) == before


def test_plan_refuses_a_day_after_today_even_with_no_state_database(setup: tuple[Path, Path],
                                                                    state_url: str) -> None:
    cases, _ = setup
    today = today_in_london()
    tomorrow = (today + timedelta(days=1)).isoformat()
    result = plan(cases, tomorrow)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"checker: --as-of {tomorrow} is after today ({today} in Europe/London)")
    assert rows_per_table(state_url) == {}  # no state database was made: no table at all
