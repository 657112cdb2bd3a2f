"""bench/tick.py: the row counter of its probe on both databases, and the whole bench on a tiny caseload.

No timing is asserted (speed targets are the bench's to measure): only that every figure is there, that the
rows each statement wrote are counted exactly, and what a tick must write or send on each database.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from support.postgres import PostgresServer
from support.state_db import BACKENDS, empty_state_url

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
from tick import server_cpu  # noqa: E402 - bench/ is not a package: found through the path above
from tick_probe import RowCounter, target  # noqa: E402 - likewise


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


def test_target_names_the_table_and_operation_of_writing_statements_only() -> None:
    assert target('INSERT INTO "outbox" (key) VALUES (?) ON CONFLICT DO UPDATE SET key = 1') == ("outbox", "insert")
    assert target("UPDATE obligation_instance SET x=1") == ("obligation_instance", "update")
    assert target("\n DELETE FROM public.notification WHERE id = 1") == ("notification", "delete")
    assert target("INSERT OR IGNORE INTO run (id) VALUES (1)") == ("run", "insert")
    assert target("SELECT id FROM outbox FOR UPDATE SKIP LOCKED") is None
    assert target("CREATE TABLE t (id INTEGER)") is None


def test_row_counter_counts_the_rows_each_statement_wrote(state_url: str) -> None:
    engine = create_engine(state_url)
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("k", String(10), unique=True),
                  Column("v", Integer))
    table.metadata.create_all(engine)
    dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    counter = RowCounter()
    counter.install(engine)
    with engine.begin() as connection:
        # 3 rows, with RETURNING (SQLite's rowcount is 0 for it until the rows are read)
        ids = connection.execute(dialect_insert(table).returning(table.c.id),
                                 [{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "c", "v": 3}]).all()
        # "a" is there already: 1 row of 2 inserted
        connection.execute(dialect_insert(table).on_conflict_do_nothing(), [{"k": "a", "v": 9}, {"k": "d", "v": 4}])
        connection.execute(update(table).where(table.c.v <= 2).values(v=0))  # a and b
        connection.execute(update(table).where(table.c.k == "c").values(v=7).returning(table.c.id)).all()
        connection.execute(update(table).where(table.c.k == "zz").values(v=1))  # none
        connection.execute(delete(table).where(table.c.k == "d"))
        connection.execute(select(table)).all()
    engine.dispose()
    counter.finish()
    assert len(ids) == 3
    assert dict(counter.rows) == {("t", "insert"): 4, ("t", "update"): 3, ("t", "delete"): 1}
    assert counter.statements[("t", "update")] == 3


def test_bench_tick_reports_every_figure_on_both_databases(tmp_path: Path, postgres_server: PostgresServer) -> None:
    report = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(BENCH / "tick.py"), "--sizes", "200", "--databases", "sqlite,postgres",
                           "--check-runs", "1", "--as-of", "2026-11-23", "--out", str(tmp_path / "caseloads"),
                           "--postgres-url", postgres_server.admin_url, "--json", str(report)],
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode in {0, 1}, done.stdout + done.stderr  # 1: a target missed, which is the bench's news
    assert "| cases | database | tick |" in done.stdout
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["changed_cases"] == {"200": 2}  # rows 0 and 100 of 200
    assert set(figures["check"]["200"]) == {"wall_s", "cpu_s", "peak_rss_mib"}
    ticks = {(t["database"], t["tick"]): t for t in figures["ticks"]}
    assert set(ticks) == {(d, k) for d in ("sqlite", "postgres") for k in ("first", "unchanged", "changed")}
    for tick in ticks.values():
        assert tick["exit_status"] == 0
        assert min(tick["wall_s"], tick["cpu_s"], tick["peak_rss_mib"]) > 0
        assert tick["rows"]["run"]["insert"] == 1  # every tick records its run
        assert tick["server_cpu_s"] is None  # SQLite has no server; an existing server's CPU is not measured
    for database in ("sqlite", "postgres"):
        first, unchanged = ticks[database, "first"], ticks[database, "unchanged"]
        assert first["rows"]["obligation_instance"]["insert"] > 0
        assert first["messages_planned"] > 0
        assert first["files_written"] == first["messages_planned"]
        assert first["largest_file_bytes"] > 0
        assert first["largest_file_kind"]  # the kind of message it was
        assert unchanged["messages_planned"] == unchanged["files_written"] == 0  # nothing new, nothing sent
        assert "insert" not in unchanged["rows"].get("obligation_instance", {})
    # the same caseload makes the same instances on both databases: both count the same rows
    assert (ticks["sqlite", "first"]["rows"]["obligation_instance"]
            == ticks["postgres", "first"]["rows"]["obligation_instance"])
    names = {(t["database"], t["target"]) for t in figures["targets"]}
    for database in ("sqlite", "postgres"):
        assert {(database, n) for n in ("first tick time", "first tick peak RSS", "unchanged <= 2x check",
                                        "unchanged writes only its run", "changed <= 1.2x unchanged")} <= names


def test_server_cpu_adds_up_the_clusters_processes(postgres_server: PostgresServer) -> None:
    """The throwaway cluster the bench starts has used some CPU by now (initdb's server, the test databases)."""
    if postgres_server.cluster is None:  # a server of CHECKER_TEST_POSTGRES_URL: not ours to look into
        assert server_cpu(None) is None
        return
    used = server_cpu(postgres_server.cluster)
    assert used is not None
    assert used > 0
