"""The board report at scale: a year of history for 100k young people, and ``checker report`` on it.

    .venv/bin/python bench/report.py [--cases N] [--url STATE_URL] [--reuse]

1. Writes a year (2026) of synthetic state history into a state database (SQLite in bench/out/report/ by
   default, or ``--url``, e.g. a PostgreSQL database): per young person four obligation instances, each
   with its due dates of the year (a recurring one has two), met on time, late, still open or no longer
   applying in realistic proportions, escalations told for the late ones, disputes, snoozes and waivers,
   data errors and a tick a working day. Rows go in with bulk inserts, not by ticking (a year of daily
   ticks at this size is the daemon's job, not a benchmark's).
2. Times ``checker report --period 2026Q3 --out ...`` (the installed console script) and its peak resident
   memory. Targets: under 60 seconds, under 1 GB; the figures (wall time, peak memory, rows) are printed.

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select

from checker.state.database import open_database, upgrade
from checker.state.schema import (
    data_error_log,
    due_occurrence,
    notification,
    obligation_instance,
    outbox,
    run,
    suppression,
)

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out" / "report"
CHECKER = Path(sys.executable).parent / "checker"
SECONDS_TARGET, RSS_TARGET_MB = 60.0, 1024
OBLIGATIONS = (("pathway-plan-review", 182), ("housing-register-renewal", 365), ("housing-register-initial", 0),
               ("custody-release-review", 0))
TEAMS = [f"Team {n}" for n in range(1, 9)]
ROLES = ("manager", "senior_manager", "head_of_service")
YEAR = date(2026, 1, 1)
_WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)


def generate(engine: Engine, cases: int, seed: int = 13) -> int:
    """Write the synthetic year; return the number of due occurrences."""
    rng = random.Random(seed)
    with engine.begin() as connection:
        first = connection.execute(insert(run).returning(run.c.id), [
            {"kind": "tick", "started_at": _at(YEAR + timedelta(days=d)), "finished_at": _at(YEAR + timedelta(days=d)),
             "as_of": YEAR + timedelta(days=d), "profile": "lancashire", "source": "bench", "outcome": "ok",
             "cases_read": cases, "cases_rejected": rng.randrange(0, 40)} for d in range(365)
            if (YEAR + timedelta(days=d)).weekday() < 5]).scalars().first()
    occurrences = 0
    for start in range(0, cases, 5000):
        instances: list[dict[str, Any]] = []
        for n in range(start, min(cases, start + 5000)):
            team, adviser = TEAMS[n % len(TEAMS)], f"pa{n % 400}@example.org"
            for obligation, _every in OBLIGATIONS[: 2 + n % 3]:
                instances.append({"case_ref": f"C{n:07d}", "obligation": obligation, "ref": "", "status": "pending",
                                  "due_date": YEAR + timedelta(days=rng.randrange(365)), "owner": "adviser",
                                  "working_days_overdue": 0, "adviser_email": adviser, "manager_email": "tm@x.org",
                                  "team": team, "initials": "A.B.", "first_seen_at": _at(YEAR),
                                  "updated_at": _at(YEAR), "last_seen_run": first})
        with engine.begin() as connection:
            ids = connection.execute(insert(obligation_instance).returning(obligation_instance.c.id), instances).all()
            rows, told = [], []
            for (instance_id,), instance in zip(ids, instances, strict=True):
                every = dict(OBLIGATIONS)[instance["obligation"]]
                dues = [instance["due_date"]] + ([instance["due_date"] - timedelta(days=every)] if every else [])
                for due in dues:
                    row, escalation = _occurrence(rng, instance_id, instance, due)
                    rows.append(row)
                    if escalation:
                        told.append(escalation)
            connection.execute(insert(due_occurrence), rows)
            if told:
                connection.execute(insert(notification), told)
            occurrences += len(rows)
    with engine.begin() as connection:
        connection.execute(insert(suppression), [
            {"kind": rng.choice(("snooze", "waive")), "case_ref": f"C{rng.randrange(cases):07d}",
             "obligation": "pathway-plan-review", "ref": "", "reason": rng.choice(("In hospital", "Moved away",
                                                                                  "Review rescheduled")),
             "until": YEAR + timedelta(days=300), "created_by": "tm", "created_at": _at(YEAR + timedelta(days=d % 365))}
            for d in range(cases // 50)])
        connection.execute(insert(data_error_log), [
            {"case_ref": f"C{rng.randrange(cases):07d}", "dispute_ref": "", "field": rng.choice(
                ("date_of_birth", "adviser_email", "release_date")), "first_seen_on": YEAR + timedelta(days=d % 330),
             "last_seen_on": YEAR + timedelta(days=d % 330 + 5), "fixed_on": YEAR + timedelta(days=d % 330 + 6),
             "days_unfixed": 6} for d in range(cases // 100)])
        connection.execute(insert(outbox).values(key="bench", kind="operator", recipient="ops@x.org", channel="email",
                                                 state="sent", attempts=1, next_attempt_at=_at(YEAR),
                                                 created_at=_at(YEAR)))
    return occurrences


def _occurrence(rng: random.Random, instance_id: int, instance: dict[str, Any], due: date
                ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    fate = rng.random()
    met_on, late, state, escalated = None, None, "open", None
    if fate < 0.7:
        met_on, late, state = due - timedelta(days=rng.randrange(30)), 0, "met"
    elif fate < 0.9:
        days = rng.randrange(1, 90)
        met_on, late, state = due + timedelta(days=days), days * 5 // 7, "met"
        escalated = ROLES[min(2, late // 20)] if late >= 5 else None
    elif fate < 0.95:
        state = "closed"
    base = {"instance_id": instance_id, "case_ref": instance["case_ref"], "obligation": instance["obligation"],
            "ref": "", "team": instance["team"], "adviser_email": instance["adviser_email"], "owner": "adviser",
            "due_date": due, "anchor": None, "state": state, "met_on": met_on, "working_days_late": late,
            "escalated_to": escalated, "dispute_stage": None, "working_days_to_resolve": None,
            "first_seen_on": YEAR, "updated_on": met_on or due,
            "ended_on": met_on if state == "met" else (due - timedelta(days=3) if state == "closed" else None)}
    told = None if escalated is None else {
        "instance_id": instance_id, "case_ref": instance["case_ref"], "obligation": instance["obligation"], "ref": "",
        "due_date": due, "stage": f"escalated-{escalated}", "recipient": "tm@x.org", "channel": "email",
        "state": "sent", "created_at": _at(due + timedelta(days=7))}
    return base, told


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="state database URL (default: SQLite in bench/out/report/)")
    parser.add_argument("--reuse", action="store_true", help="keep a database already generated")
    options = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = options.url or f"sqlite:///{OUT / f'state-{options.cases}.sqlite'}"
    if options.url is None and not options.reuse:
        Path(OUT / f"state-{options.cases}.sqlite").unlink(missing_ok=True)
    engine = open_database(url)
    upgrade(engine)
    with engine.connect() as connection:
        existing = connection.execute(select(func.count()).select_from(due_occurrence)).scalar_one()
    if existing and options.reuse:
        occurrences = existing
        print(f"reusing {occurrences} due occurrences in {url.split('@')[-1]}")
    else:
        started = time.monotonic()
        occurrences = generate(engine, options.cases)
        print(f"generated a year for {options.cases} cases: {occurrences} due occurrences "
              f"in {time.monotonic() - started:.0f} s")
    engine.dispose()
    env = {**os.environ, "CHECKER_STATE_URL": url, "CHECKER_SETTINGS_FILE": str(OUT / "none.toml")}
    command = [str(CHECKER), "report", "--period", "2026Q3", "--out", str(OUT / "html")]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *command], env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        print(done.stderr[-2000:])
        return 1
    peak_mb = int(done.stdout.strip().splitlines()[-1]) / 1024
    print(f"checker report --period 2026Q3: {seconds:.1f} s (target < {SECONDS_TARGET:.0f} s), "
          f"peak memory {peak_mb:.0f} MB (target < {RSS_TARGET_MB} MB)")
    return 0 if seconds < SECONDS_TARGET and peak_mb < RSS_TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
