"""The state database on SQLite and PostgreSQL: a valid value always fits, a failure never quotes a row.

- A value the sources accept (``rules.records``: identifiers up to 100 characters, addresses up to 254)
  fits every column and every key made from it: a 254-character manager address gets a digest through
  a tick on PostgreSQL (its message key, week + recipient + manager, is longer than the key column).
- A database failure during a tick says its class in one line and exits 3; its SQL parameters (case
  references, addresses, initials) appear nowhere: not on stderr, not in ``run.error``, not in the
  operator's alert.
- A state database that cannot be written (a read-only SQLite file, a PostgreSQL server that is down) is
  one line and exit 3, and a run left ``running`` by a process that died is marked ``abandoned``.
- The migration that records the worker keeps every row and every foreign key, both ways.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect, select, text
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url, migrate

from checker.cli.common import today_in_london
from checker.state.database import current_revision, head_revision, open_database, upgrade
from checker.state.notifications import message_key
from checker.state.outbox import add_message
from checker.state.runs import STALE_AFTER, abandon_dead_runs, start_run, this_process
from checker.state.schema import MESSAGE_KEY, obligation_instance, outbox, run
from rules.records import EMAIL_MAX_LENGTH

CHECKER = Path(sys.executable).parent / "checker"
AS_OF = "2026-11-23"
RELEASE = "2026-12-01"  # the pre-release review (000 §14) of a release eight days away is overdue
T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)

# 64 + 1 + 189 = 254 characters: the longest address RFC 5321 allows, with labels of at most 63.
LONG_MANAGER = f"{'m' * 64}@{'a' * 63}.{'b' * 63}.{'c' * 57}.org"
CASE_REF = "C-PRIVATE-7731"
ADVISER = "pa.private@example.org"
MANAGER = "tm.private@example.org"


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


def env_for(tmp_path: Path, state_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"}
    env |= {"CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml"), "CHECKER_SECRETS_DIR": str(tmp_path / "secrets"),
            "CHECKER_STATE_URL": state_url, "CHECKER_DELIVERY__WINDOW": "any_time",
            "CHECKER_ROUTING__OPERATOR_EMAIL": "ops@example.org"}
    return env | {f"CHECKER_{name.upper()}": value for name, value in settings.items()}


def checker(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECKER), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180,
                          check=False)


def tick(env: dict[str, str], cases: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return checker(env, cases.parent, "run", "--once", "--as-of", AS_OF, "--cases", str(cases), *extra)


def rows(engine: Engine, statement: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(statement))


# --- a valid value always fits ----------------------------------------------------------------------------


def test_a_long_key_is_hashed_to_fit_the_same_way_each_time() -> None:
    short = "digest:2026-W48:tm@example.org:tm@example.org"
    assert message_key(short) == short
    long_key = f"digest:2026-W48:{LONG_MANAGER}:{LONG_MANAGER}"
    assert len(long_key) > MESSAGE_KEY
    assert len(message_key(long_key)) == MESSAGE_KEY
    assert message_key(long_key) == message_key(long_key)
    assert message_key(long_key) != message_key(long_key[:-1] + "x")  # same head, another key


def test_a_254_character_manager_address_gets_through_a_tick_on_postgresql(fresh_postgres_url: str,
                                                                            tmp_path: Path) -> None:
    assert len(LONG_MANAGER) == EMAIL_MAX_LENGTH
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", RELEASE, manager_email=LONG_MANAGER)])
    env = env_for(tmp_path, fresh_postgres_url)
    first = tick(env, cases, "--digests")
    assert first.returncode == 0, first.stderr
    assert "1 digest" in first.stdout
    second = tick(env, cases, "--digests")
    assert second.returncode == 0, second.stderr
    assert "0 digests" in second.stdout  # the hashed key is found again: no second digest

    engine = create_engine(fresh_postgres_url)
    try:
        digests = rows(engine, select(outbox.c.recipient, outbox.c.key, outbox.c.state)
                       .where(outbox.c.kind == "digest"))
        managers = rows(engine, select(obligation_instance.c.manager_email))
    finally:
        engine.dispose()
    assert [(d.recipient, d.state) for d in digests] == [(LONG_MANAGER, "sent")]
    assert len(digests[0].key) == MESSAGE_KEY
    assert {m.manager_email for m in managers} == {LONG_MANAGER}


def test_add_message_says_whether_it_was_new_on_both_databases(url: str) -> None:
    """On PostgreSQL the insert returns the new id (implicit RETURNING): the count must still be right."""
    engine = open_database(url)
    try:
        upgrade(engine)
        added = []
        for _ in range(2):
            with engine.begin() as connection:
                added.append(add_message(connection, key="operator:test:1", kind="operator",
                                         recipient="ops@example.org", channel="email", payload={"lines": []},
                                         now=T0, send_from=T0, run_id=None))
        assert added == [True, False]
        assert len(rows(engine, select(outbox.c.id))) == 1
    finally:
        engine.dispose()


# --- a database failure quotes nothing --------------------------------------------------------------------


def refuse_instances(url: str) -> None:
    """Make the state database refuse every new obligation instance, quoting the row where it can."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                # PostgreSQL's DETAIL line then reads "Failing row contains (1, C-PRIVATE-7731, …)".
                connection.execute(text("ALTER TABLE obligation_instance ADD CONSTRAINT refuse_all "
                                        "CHECK (case_ref = 'nobody')"))
            else:
                connection.execute(text("CREATE TRIGGER refuse_all BEFORE INSERT ON obligation_instance "
                                        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"))
    finally:
        engine.dispose()


def test_a_database_error_in_a_tick_is_one_line_without_any_parameter(url: str, tmp_path: Path) -> None:
    env = env_for(tmp_path, url)
    work = tmp_path / "work-dir"
    work.mkdir()
    assert checker(env, work, "db", "upgrade").returncode == 0
    refuse_instances(url)
    cases = write_csv(work / "cases.csv", [custody_case(CASE_REF, RELEASE, ADVISER, manager_email=MANAGER,
                                                        given_name="Zoltan", family_name="Quill")])
    result = tick(env, cases, "--digests")

    assert result.returncode == 3, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("checker: the state database refused a row that breaks one of its constraints (")
    assert "IntegrityError" in lines[0]
    engine = create_engine(url)
    try:
        failed = rows(engine, select(run.c.outcome, run.c.error))
        alerts = rows(engine, select(outbox.c.payload, outbox.c.last_error).where(outbox.c.kind == "operator"))
    finally:
        engine.dispose()
    assert [r.outcome for r in failed] == ["failed"]
    assert failed[0].error.startswith("the state database refused a row")
    assert alerts, "the operator is told"
    told = [result.stdout, result.stderr, *(r.error for r in failed), *(str(a.payload) for a in alerts)]
    told += [p.read_text(errors="replace") for p in (work / "checker-outbox").glob("*")]  # the alert as sent
    for secret in (CASE_REF, ADVISER, MANAGER, "Z.Q.", "Zoltan", "Quill", "pa.one@example.org"):
        assert not any(secret in t for t in told), secret


def test_a_read_only_sqlite_state_database_is_one_line_and_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    engine = open_database(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    # Opened read-only (as a file the process may not write would be; root may write any file).
    env = env_for(tmp_path, f"sqlite:///file:{path}?mode=ro&uri=true")
    cases = write_csv(tmp_path / "cases.csv", [custody_case(CASE_REF, RELEASE, ADVISER)])
    result = tick(env, cases)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines() == [
        "checker: the state database could not be reached or written (server down, connection lost, read-only or "
        "full disk, or locked) (OperationalError, OperationalError)"]
    assert CASE_REF not in result.stdout + result.stderr


def test_a_postgresql_server_that_is_down_is_one_line_and_exit_3(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once the probe closes
    env = env_for(tmp_path, f"postgresql+psycopg://checker:s3cret-pw@127.0.0.1:{port}/state")
    cases = write_csv(tmp_path / "cases.csv", [custody_case(CASE_REF, RELEASE, ADVISER)])
    result = tick(env, cases)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("checker: the state database could not be reached or written")
    assert "s3cret-pw" not in result.stderr


# --- runs left running ------------------------------------------------------------------------------------


def test_a_run_left_running_by_a_process_that_died_is_marked_abandoned_by_the_next_tick(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    engine = open_database(state)
    upgrade(engine)
    engine.dispose()
    # A real process starts a run and dies before it can finish it (as kill -9 or a lost database would).
    child = subprocess.run([sys.executable, "-c", (
        "import sys; from datetime import UTC, date, datetime\n"
        "from checker.state.database import open_database\n"
        "from checker.state.runs import start_run\n"
        f"engine = open_database({state!r})\n"
        "print(start_run(engine, kind='tick', as_of=date(2026, 11, 23), profile='lancashire', source='csv',"
        " now=datetime.now(UTC)))\n"
        "import os; os._exit(0)")], capture_output=True, text=True, timeout=60, check=True)
    dead_run = int(child.stdout.strip())
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", RELEASE)])
    result = tick(env_for(tmp_path, state), cases)
    assert result.returncode == 0, result.stderr

    engine = create_engine(state)
    try:
        outcomes = {r.id: (r.outcome, r.error, r.worker) for r in rows(engine, select(run))}
    finally:
        engine.dispose()
    assert outcomes[dead_run][0] == "abandoned"
    assert "stopped before it finished" in outcomes[dead_run][1]
    assert [o for i, (o, _e, _w) in outcomes.items() if i != dead_run] == ["ok"]
    assert all(w is not None and w.startswith(socket.gethostname() + ":") for _o, _e, w in outcomes.values())


def test_which_running_runs_are_abandoned(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    upgrade(engine)
    now = datetime.now(UTC)
    host, pid = socket.gethostname(), os.getpid()
    workers = {
        "ours": this_process(),                                 # this very process: alive
        "our pid, another token": f"{host}:{pid}:00000000",     # a process that had our id: gone
        "parent": f"{host}:{os.getppid()}:abcdef01",            # alive on this host
        "other host, recent": "elsewhere:12:abcdef01",          # cannot be told yet
        "other host, stale": "elsewhere:13:abcdef01",           # older than any tick takes
        "unrecorded, recent": None,
    }
    ids = {}
    try:
        with engine.begin() as connection:
            for name, worker in workers.items():
                started = now - STALE_AFTER - timedelta(minutes=1) if name.endswith("stale") else now
                ids[name] = connection.execute(run.insert().values(
                    kind="tick", started_at=started, as_of=date(2026, 11, 23), profile="p", source="s",
                    outcome="running", worker=worker, cases_read=0, cases_rejected=0, findings=0, overdue=0,
                    data_errors=0, planned=0, sent=0, failed=0, parked=0)).inserted_primary_key[0]
        assert abandon_dead_runs(engine, now) == 2
        outcome = {r.id: r.outcome for r in rows(engine, select(run.c.id, run.c.outcome))}
    finally:
        engine.dispose()
    assert {name for name, i in ids.items() if outcome[i] == "abandoned"} == {"our pid, another token",
                                                                              "other host, stale"}


# --- the file and the migration ---------------------------------------------------------------------------


def test_the_sqlite_state_file_is_created_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "state.sqlite"
    previous = os.umask(0o022)
    try:
        engine = open_database(f"sqlite:///{path}")
        upgrade(engine)
        start_run(engine, kind="tick", as_of=date(2026, 11, 23), profile="p", source="s", now=T0)
    finally:
        os.umask(previous)
    try:
        for file in [path, *path.parent.glob("state.sqlite-*")]:  # the -wal and -shm files too
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    finally:
        engine.dispose()


def test_the_worker_migration_keeps_every_row_and_foreign_key_both_ways(url: str) -> None:
    engine = open_database(url)
    try:
        migrate(engine, "0002")
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO run (id, kind, started_at, as_of, profile, source, outcome, cases_read, cases_rejected,"
                " findings, overdue, data_errors, planned, sent, failed, parked)"
                " VALUES (1, 'tick', '2026-11-23 07:00:00', '2026-11-23', 'p', 's', 'ok', 0, 0, 0, 0, 0, 0, 0, 0, 0)"))
            connection.execute(text(
                "INSERT INTO obligation_instance (id, case_ref, obligation, ref, status, due_date, owner,"
                " working_days_overdue, first_seen_at, updated_at, last_seen_run, manager_email)"
                " VALUES (1, 'C1', 'o', '', 'pending', '2026-12-01', 'adviser', 0, '2026-11-23 07:00:00',"
                " '2026-11-23 07:00:00', 1, :manager)"), {"manager": LONG_MANAGER})
            connection.execute(text(
                "INSERT INTO outbox (id, key, kind, recipient, channel, state, attempts, next_attempt_at, created_at,"
                " run_id) VALUES (1, 'k', 'digest', 'r', 'email', 'sent', 1, '2026-11-23 07:00:00',"
                " '2026-11-23 07:00:00', 1)"))
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert "worker" in {c["name"] for c in inspect(engine).get_columns("run")}
        assert [r.manager_email for r in rows(engine, select(obligation_instance.c.manager_email))] == [LONG_MANAGER]
        assert [r.run_id for r in rows(engine, select(outbox.c.run_id))] == [1]
        if engine.dialect.name == "sqlite":
            assert rows(engine, text("PRAGMA foreign_key_check")) == []
        migrate(engine, "0002", down=True)
        assert "worker" not in {c["name"] for c in inspect(engine).get_columns("run")}
        assert [r.last_seen_run for r in rows(engine, text("SELECT last_seen_run FROM obligation_instance"))] == [1]
        if engine.dialect.name == "sqlite":
            assert rows(engine, text("PRAGMA foreign_key_check")) == []
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_snooze_with_a_case_ref_too_long_to_store_is_refused_plainly(url: str, tmp_path: Path) -> None:
    env = env_for(tmp_path, url)
    too_long = "C" * 101
    result = checker(env, tmp_path, "snooze", too_long, "custody-release-review", "--until", "2030-01-31",
                     "--reason", "under review")
    assert result.returncode == 2
    assert "CASE_REF is longer than 100 characters" in result.stderr
    assert "Traceback" not in result.stderr
    # A case ref of 100 characters fits; a snooze needs a case a tick reported, and an expiry within the
    # profile's horizon (28 days from today).
    ran = tick(env, write_csv(tmp_path / "cases.csv", [custody_case("C" * 100, RELEASE)]))
    assert ran.returncode == 0, ran.stderr
    soon = (today_in_london() + timedelta(days=14)).isoformat()
    fits = checker(env, tmp_path, "snooze", "C" * 100, "custody-release-review", "--until", soon,
                   "--reason", "under review", "--by", "b" * 200)
    assert fits.returncode == 0, fits.stderr
    lifted = checker(env, tmp_path, "snooze", "lift", "--case", "C" * 100, "--obligation", "custody-release-review",
                     "--by", "b" * 201)
    assert lifted.returncode == 2
    assert "--by is longer than 200 characters" in lifted.stderr
