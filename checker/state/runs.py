"""The run log: one row per tick (or digest, or delivery pass), with its counts and outcome.

Each row names the process making it (``worker``: host, process id and a token of the process). A
process that dies mid-run (killed, or it lost the state database and could not write the outcome)
leaves its row ``running``; the next run, by any process, marks such rows ``abandoned`` once their
process is known dead: on the same host, when no process has that id any more or the id is now
another process's (a container restarted: the new process is pid 1 again); on another host, when the
run started more than ``STALE_AFTER`` ago (no tick takes that long).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, desc, insert, select, update

from checker.state.database import inserted_id
from checker.state.schema import WORKER, run

STALE_AFTER = timedelta(hours=2)
_TOKEN = uuid.uuid4().hex[:8]


def this_process() -> str:
    """``host:pid:token``, the same for every run this process makes and no other process's."""
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"[-WORKER:]


def _process_is_dead(worker: str | None, started_at: datetime, now: datetime) -> bool:
    if worker is None or worker.count(":") < 2:  # a row from before workers were recorded
        return now - started_at > STALE_AFTER
    if worker == this_process():
        return False
    host, pid_text, _token = worker.rsplit(":", 2)
    if host != socket.gethostname() or not pid_text.isdigit():
        return now - started_at > STALE_AFTER
    pid = int(pid_text)
    # Our own process id with another token: the process that had it is gone (a restarted container).
    return pid == os.getpid() or not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user has that id: it may be the one
    return True


ABANDONED = ("the process making this run stopped before it finished (it was killed, or it lost the state "
             "database); its planning was never committed, so it changed nothing")


def abandon_dead_runs(engine: Engine, now: datetime) -> int:
    """Mark ``abandoned`` the runs still ``running`` whose process is dead; return how many."""
    with engine.begin() as connection:
        rows = connection.execute(select(run.c.id, run.c.worker, run.c.started_at)
                                  .where(run.c.outcome == "running")).all()
        dead = [r.id for r in rows if _process_is_dead(r.worker, r.started_at, now)]
        if not dead:
            return 0
        connection.execute(update(run).where(run.c.id.in_(dead), run.c.outcome == "running")
                           .values(outcome="abandoned", finished_at=now, error=ABANDONED))
    return len(dead)


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    kind: str
    started_at: datetime
    finished_at: datetime | None
    as_of: date
    outcome: str
    cases_read: int
    error: str | None


def start_run(engine: Engine | Connection, *, kind: str, as_of: date, profile: str, source: str,
              now: datetime) -> int:
    """A new run row (committed at once, or in the connection's transaction when given a connection)."""
    statement = insert(run).values(kind=kind, started_at=now, as_of=as_of, profile=profile, source=source[:300],
                                   outcome="running", worker=this_process(), cases_read=0, cases_rejected=0,
                                   findings=0, overdue=0, data_errors=0, planned=0, sent=0, failed=0, parked=0)
    if isinstance(engine, Connection):
        return inserted_id(engine.execute(statement))
    with engine.begin() as connection:
        return inserted_id(connection.execute(statement))


def finish_run(engine: Engine | Connection, run_id: int, *, outcome: str, now: datetime, error: str | None = None,
               columns: str | None = None, **counts: int) -> None:
    """Record how a run ended; ``columns``: a good tick's source columns, for the source guard."""
    values: dict[str, Any] = {"outcome": outcome, "finished_at": now, "error": error, **counts}
    if columns is not None:
        values["columns"] = columns
    statement = update(run).where(run.c.id == run_id).values(**values)
    if isinstance(engine, Connection):
        engine.execute(statement)
        return
    with engine.begin() as connection:
        connection.execute(statement)


def last_good_run(connection: Connection, kind: str | tuple[str, ...] = "tick") -> Any:
    """The newest run of ``kind`` (or of any of the kinds) that finished ``ok`` (a Row), or ``None``."""
    kinds = (kind,) if isinstance(kind, str) else kind
    return connection.execute(
        select(run).where(run.c.kind.in_(kinds), run.c.outcome == "ok").order_by(desc(run.c.id)).limit(1)
    ).first()


def recent_runs(engine: Engine, limit: int = 20) -> list[RunRecord]:
    with engine.connect() as connection:
        rows = connection.execute(select(run).order_by(desc(run.c.id)).limit(limit)).all()
    return [RunRecord(r.id, r.kind, r.started_at, r.finished_at, r.as_of, r.outcome, r.cases_read, r.error)
            for r in rows]
