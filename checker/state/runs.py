"""The run log: one row per tick (or digest, or delivery pass), with its counts and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, desc, insert, select, update

from checker.state.database import inserted_id
from checker.state.schema import run


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


def start_run(engine: Engine, *, kind: str, as_of: date, profile: str, source: str, now: datetime) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(run).values(kind=kind, started_at=now, as_of=as_of, profile=profile, source=source[:300],
                               outcome="running", cases_read=0, cases_rejected=0, findings=0, overdue=0,
                               data_errors=0, planned=0, sent=0, failed=0, parked=0)
        )
        return inserted_id(result)


def finish_run(engine: Engine | Connection, run_id: int, *, outcome: str, now: datetime, error: str | None = None,
               **counts: int) -> None:
    values: dict[str, Any] = {"outcome": outcome, "finished_at": now, "error": error, **counts}
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
