"""The leader lease: exactly one replica holds it, on SQLite and on a real PostgreSQL, against threads,
separate processes and a holder killed with SIGKILL; and the migration that adds its table."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from support.state_db import BACKENDS, empty_state_url, migrate

from checker.state import leader
from checker.state.database import current_revision, head_revision, open_database, upgrade
from checker.state.leader import Leadership, holder_of, lease_of, release, renew, try_acquire
from checker.state.schema import metadata, run

NAME = "checker"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty state database (a SQLite file, or a new database on the throwaway server)."""
    return empty_state_url(request, tmp_path)


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    """A migrated state database."""
    engine = open_database(url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


# --- the contract, one caller at a time --------------------------------------------------------------


def test_the_first_caller_wins_and_the_second_loses(engine: Engine) -> None:
    assert holder_of(engine, NAME, T0) is None
    assert try_acquire(engine, NAME, "a", T0, TTL)
    assert not try_acquire(engine, NAME, "b", T0, TTL)
    assert not try_acquire(engine, NAME, "b", T0 + TTL, TTL)  # the expiry instant itself still belongs to a
    assert holder_of(engine, NAME, T0 + TTL) == "a"
    lease = lease_of(engine, NAME)
    assert lease is not None
    assert (lease.holder, lease.acquired_at, lease.renewed_at, lease.expires_at) == ("a", T0, T0, T0 + TTL)
    assert lease.expires_at.tzinfo is UTC


def test_leases_of_different_names_are_independent(engine: Engine) -> None:
    assert try_acquire(engine, NAME, "a", T0, TTL)
    assert try_acquire(engine, "other", "b", T0, TTL)
    assert (holder_of(engine, NAME, T0), holder_of(engine, "other", T0)) == ("a", "b")


def test_the_holder_renews_and_keeps_its_tenure(engine: Engine) -> None:
    assert try_acquire(engine, NAME, "a", T0, TTL)
    assert renew(engine, NAME, "a", T0 + timedelta(seconds=10), TTL)
    assert try_acquire(engine, NAME, "a", T0 + timedelta(seconds=20), TTL)  # already ours: renews
    lease = lease_of(engine, NAME)
    assert lease is not None
    assert lease.acquired_at == T0
    assert lease.renewed_at == T0 + timedelta(seconds=20)
    assert lease.expires_at == T0 + timedelta(seconds=20) + TTL
    assert not try_acquire(engine, NAME, "b", T0 + TTL + timedelta(seconds=1), TTL)  # the renewal counted
    assert not renew(engine, NAME, "b", T0 + timedelta(seconds=20), TTL)  # nobody renews another's lease


def test_after_expiry_another_takes_over_and_the_old_holder_cannot_renew(engine: Engine) -> None:
    assert try_acquire(engine, NAME, "a", T0, TTL)
    later = T0 + TTL + timedelta(microseconds=1)
    assert holder_of(engine, NAME, later) is None
    assert try_acquire(engine, NAME, "b", later, TTL)
    assert not renew(engine, NAME, "a", later, TTL)
    assert not try_acquire(engine, NAME, "a", later, TTL)
    assert holder_of(engine, NAME, later) == "b"
    lease = lease_of(engine, NAME)
    assert lease is not None
    assert (lease.holder, lease.acquired_at, lease.expires_at) == ("b", later, later + TTL)


def test_a_lapsed_lease_is_not_renewed_even_when_nobody_took_it(engine: Engine) -> None:
    assert try_acquire(engine, NAME, "a", T0, TTL)
    late = T0 + TTL + timedelta(seconds=1)
    assert not renew(engine, NAME, "a", late, TTL)
    assert try_acquire(engine, NAME, "a", late, TTL)  # taken afresh: a new tenure
    lease = lease_of(engine, NAME)
    assert lease is not None
    assert lease.acquired_at == late


def test_release_lets_another_in_at_once_and_only_the_holder_may_release(engine: Engine) -> None:
    assert try_acquire(engine, NAME, "a", T0, TTL)
    release(engine, NAME, "b")
    assert holder_of(engine, NAME, T0) == "a"
    release(engine, NAME, "a")
    assert holder_of(engine, NAME, T0) is None
    assert not renew(engine, NAME, "a", T0, TTL)  # released means given up, not paused
    assert try_acquire(engine, NAME, "b", T0, TTL)
    release(engine, NAME, "a")  # a no longer holds it: nothing happens
    assert holder_of(engine, NAME, T0) == "b"


def test_naive_times_and_a_non_positive_ttl_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="aware"):
        try_acquire(engine, NAME, "a", T0.replace(tzinfo=None), TTL)
    with pytest.raises(ValueError, match="positive ttl"):
        try_acquire(engine, NAME, "a", T0, timedelta(0))
    with pytest.raises(ValueError, match="positive ttl"):
        Leadership(engine, timedelta(seconds=-1))
    assert lease_of(engine, NAME) is None


def test_leadership_remembers_the_expiry_it_last_confirmed(engine: Engine) -> None:
    first = Leadership(engine, TTL, holder="a")
    second = Leadership(engine, TTL, holder="b")
    assert first.renew_every == timedelta(seconds=10)
    assert not first.holds(T0)
    assert first.acquire(T0)
    assert not second.acquire(T0)
    assert first.holds(T0 + TTL)
    assert not first.holds(T0 + TTL + timedelta(microseconds=1))  # stop acting, whatever the database says
    assert first.renew(T0 + first.renew_every)
    assert first.holds(T0 + TTL + timedelta(seconds=5))
    assert second.acquire(T0 + first.renew_every + TTL + timedelta(seconds=1))
    assert not first.renew(T0 + first.renew_every + TTL + timedelta(seconds=2))
    assert not first.holds(T0 + first.renew_every + TTL + timedelta(seconds=2))
    second.release()
    assert not second.holds(T0)
    assert first.acquire(T0 + timedelta(minutes=5))


def test_a_default_holder_is_unique_to_the_process_and_visible_to_operators(engine: Engine) -> None:
    one, two = Leadership(engine, TTL), Leadership(engine, TTL)
    assert one.holder != two.holder
    assert str(os.getpid()) in one.holder
    assert one.acquire(T0)
    assert holder_of(engine, leader.LEADER, T0) == one.holder


# --- concurrency ---------------------------------------------------------------------------------------


def contend(engine: Engine, holders: list[str], now: datetime) -> list[str]:
    """Every holder calls try_acquire at the same moment with the same ``now``; the ones that won."""
    barrier = threading.Barrier(len(holders))

    def attempt(holder: str) -> bool:
        barrier.wait(timeout=30)
        return try_acquire(engine, NAME, holder, now, TTL)

    with ThreadPoolExecutor(len(holders)) as pool:
        results = list(pool.map(attempt, holders))
    return [holder for holder, won in zip(holders, results, strict=True) if won]


def test_of_concurrent_threads_exactly_one_wins_each_round(engine: Engine) -> None:
    holders = [f"thread-{n}" for n in range(8)]
    winners: list[str] = []
    for round_number in range(12):  # round 0 races the first INSERT, later rounds the takeover UPDATE
        now = T0 + round_number * 2 * TTL  # the previous round's lease has lapsed
        won = contend(engine, holders, now)
        assert len(won) == 1, f"round {round_number}: {won} all acquired at {now}"
        assert holder_of(engine, NAME, now) == won[0]
        winners.extend(won)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(leader.leader_lease)).scalar_one() == 1
    assert len(winners) == 12


CONTENDER = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from checker.state.database import open_database
from checker.state.leader import try_acquire

url, holder, seconds, slot_seconds = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:5])
engine = open_database(url)
engine.connect().close()
base, ttl = datetime(2026, 12, 1, tzinfo=UTC), timedelta(seconds=30)
print("ready", flush=True)
start = float(sys.stdin.readline())  # the parent sends one start time once both children are ready
time.sleep(max(0.0, start - time.time()))
attempted, won = set(), set()
while (elapsed := time.time() - start) < seconds:
    slot = int(elapsed / slot_seconds)  # both processes work on the same slot at the same time
    attempted.add(slot)
    if try_acquire(engine, "checker", holder, base + slot * 2 * ttl, ttl):  # each slot's now: the last lapsed
        won.add(slot)
print(json.dumps({"attempted": sorted(attempted), "won": sorted(won)}))
"""


def race_two_contenders(url: str) -> list[dict[str, list[int]]]:
    """One trial: two processes loop on the same lease slots for 2 s; each reports the slots it tried and won."""
    children = [subprocess.Popen([sys.executable, "-c", CONTENDER, url, holder, "2.0", "0.05"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for holder in ("process-1", "process-2")]
    for child in children:  # both have imported and connected, however slow the machine is today
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    start = time.time() + 0.5
    for child in children:
        assert child.stdin is not None
        child.stdin.write(f"{start}\n")
        child.stdin.close()
    reports = []
    for child in children:
        assert child.stdout is not None
        assert child.stderr is not None
        out, err = child.stdout.read(), child.stderr.read()
        assert child.wait(timeout=60) == 0, err
        reports.append(json.loads(out))
    return reports


@pytest.mark.slow
def test_of_two_processes_looping_on_the_same_slots_never_both_hold_one(url: str) -> None:
    engine = open_database(url)
    upgrade(engine)
    engine.dispose()
    trials = []
    for _ in range(4):  # on a saturated machine one process may sleep through a trial: that trial proves nothing
        reports = race_two_contenders(url)
        first, second = ({*r["won"]} for r in reports)
        assert not first & second, f"slots held by both processes at once: {sorted(first & second)}"
        contended = set(reports[0]["attempted"]) & set(reports[1]["attempted"])
        trials.append(len(contended))
        if len(contended) >= 10:
            break
    else:
        pytest.fail(f"in 4 trials the two processes hardly overlapped; the test proved nothing: {trials}")
    assert len((first | second) & contended) >= len(contended) - 2  # nearly every contended slot had a winner


KILLED_HOLDER = """
import sys, time
from datetime import UTC, datetime, timedelta
from checker.state.database import open_database
from checker.state.leader import try_acquire

engine = open_database(sys.argv[1])
now, ttl = datetime.now(UTC), timedelta(seconds=2)
if not try_acquire(engine, "checker", "doomed", now, ttl):
    sys.exit("the lease was taken")
print((now + ttl).isoformat(), flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_a_holder_killed_with_sigkill_keeps_the_lease_until_it_expires(engine: Engine, url: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", KILLED_HOLDER, url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line, child.communicate(timeout=30)[1]
        expires = datetime.fromisoformat(line.strip())
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL

    before = min(datetime.now(UTC), expires - timedelta(milliseconds=1))
    assert holder_of(engine, NAME, before) == "doomed"
    assert not try_acquire(engine, NAME, "survivor", before, TTL)

    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    after = datetime.now(UTC)
    assert after > expires
    assert holder_of(engine, NAME, after) is None
    assert try_acquire(engine, NAME, "survivor", after, TTL)


# --- the migration ---------------------------------------------------------------------------------------


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_the_leader_lease_migration_is_0002_and_below_the_head() -> None:
    assert head_revision() is not None
    assert head_revision() >= "0002"


def test_upgrade_of_an_empty_database_ends_at_the_head_with_the_lease_table(url: str) -> None:
    engine = open_database(url)
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert "leader_lease" in tables(engine)
        assert try_acquire(engine, NAME, "a", T0, TTL)
    finally:
        engine.dispose()


def test_upgrade_from_0001_adds_the_lease_table_and_keeps_the_data(url: str) -> None:
    engine = open_database(url)
    try:
        migrate(engine, "0001")
        assert current_revision(engine) == "0001"
        assert "leader_lease" not in tables(engine)
        with engine.begin() as connection:
            connection.execute(run.insert().values(kind="tick", started_at=T0, as_of=T0.date(),
                                                   profile="lancashire", source="csv", outcome="ok"))
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert "leader_lease" in tables(engine)
        with engine.connect() as connection:
            assert connection.execute(select(run.c.outcome)).scalars().all() == ["ok"]
        assert try_acquire(engine, NAME, "a", T0, TTL)
        migrate(engine, "0001", down=True)
        assert "leader_lease" not in tables(engine)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_schema_py(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       metadata)
    assert differences == []
