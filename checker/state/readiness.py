"""Is the daemon ready? The state database answers and a tick succeeded recently (for ``/readyz``).

The reasons are plain sentences made here from times and exception class names only, never from an
exception's message (which could quote a URL or a row), so they are safe to show to whoever probes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from checker.state.runs import last_good_run


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:g} h"


def readiness(engine: Engine, now: datetime, max_age: timedelta) -> tuple[bool, str]:
    """``(ready, reason)``: ready when the database answers and the newest ok tick finished within ``max_age``."""
    try:
        with engine.connect() as connection:
            connection.execute(select(1)).scalar_one()
            try:
                last = last_good_run(connection, ("tick", "digest"))  # a digest run is a full tick too
            except SQLAlchemyError as exc:
                return False, f"the run log cannot be read: {exc.__class__.__name__}"
    except SQLAlchemyError as exc:
        return False, f"the state database does not answer: {exc.__class__.__name__}"
    if last is None or last.finished_at is None:
        return False, "no successful tick yet"
    finished: datetime = last.finished_at
    when = finished.isoformat(timespec="seconds")
    if now - finished > max_age:
        return False, f"the last successful tick finished at {when} (older than {_hours(max_age)})"
    return True, f"the last successful tick finished at {when} (within {_hours(max_age)})"
