"""``checker run --once --as-of D`` cannot rewrite the state's history.

Against a live state database, a tick for a day before the last good tick plans and sends again for
days already told (and makes the history go back and forth), and one for a day after today sends
reminders and escalations that are not due. Both are refused with a clear message and exit 2, nothing
changed, unless ``--scratch-state`` says the state database is a scratch copy.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, select
from support.caseload import custody_case, write_csv

from checker.state.schema import notification, outbox, run

CHECKER = Path(sys.executable).parent / "checker"
RELEASE = "2026-12-01"


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"}
    return env | {"CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml"),
                  "CHECKER_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}",
                  "CHECKER_DELIVERY__WINDOW": "any_time", "CHECKER_ROUTING__OPERATOR_EMAIL": "ops@example.org"}


def tick(tmp_path: Path, as_of: str, *extra: str) -> subprocess.CompletedProcess[str]:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", RELEASE)])
    return subprocess.run([str(CHECKER), "run", "--once", "--as-of", as_of, "--cases", str(cases), "--no-digests",
                           *extra], env=env_for(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)


def counts(tmp_path: Path) -> tuple[int, int, int]:
    engine = create_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(select(func.count()).select_from(t)).scalar_one()
                         for t in (run, notification, outbox))
    finally:
        engine.dispose()


def test_an_as_of_before_the_last_good_tick_is_refused_unless_the_state_is_a_scratch_copy(tmp_path: Path) -> None:
    assert tick(tmp_path, "2026-11-23").returncode == 0
    before = counts(tmp_path)

    refused = tick(tmp_path, "2026-11-20")
    assert refused.returncode == 2
    assert refused.stderr.startswith("checker: --as-of 2026-11-20 is before the last good tick (run 1, as of "
                                     "2026-11-23)")
    assert "--scratch-state" in refused.stderr
    assert refused.stdout == ""
    assert counts(tmp_path) == before  # no run row, nothing planned, nothing sent

    same_day = tick(tmp_path, "2026-11-23")
    assert same_day.returncode == 0, same_day.stderr  # the day of the last good tick again is fine

    scratch = tick(tmp_path, "2026-11-20", "--scratch-state")
    assert scratch.returncode == 0, scratch.stderr
    assert scratch.stdout.startswith("Tick 3 as of 2026-11-20:")


def test_an_as_of_after_today_is_refused_unless_the_state_is_a_scratch_copy(tmp_path: Path) -> None:
    tomorrow = (datetime.now(ZoneInfo("Europe/London")) + timedelta(days=1)).date().isoformat()
    refused = tick(tmp_path, tomorrow)
    assert refused.returncode == 2
    assert refused.stderr.startswith(f"checker: --as-of {tomorrow} is after today (")
    assert "not due yet" in refused.stderr
    assert not (tmp_path / "checker-outbox").exists()

    scratch = tick(tmp_path, tomorrow, "--scratch-state")
    assert scratch.returncode == 0, scratch.stderr
    assert scratch.stdout.startswith(f"Tick 1 as of {tomorrow}:")


def test_the_daemon_refuses_scratch_state(tmp_path: Path) -> None:
    result = subprocess.run([str(CHECKER), "run", "--scratch-state"], env=env_for(tmp_path), cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "--scratch-state are for --once" in result.stderr
