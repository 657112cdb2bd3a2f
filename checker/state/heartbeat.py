"""Worker heartbeats: how another process knows, within seconds, that a delivering process died.

Every process that delivers (``run --once``, the daemon's delivery passes) claims outbox rows under its
worker name (host, pid, a random part) and keeps a row in ``worker_heartbeat`` beating while it works:
``beat`` pushes ``expires_at`` to ``now + ttl``, from a thread of its own (``Heartbeat``), so a long
send (a slow server, a ``Retry-After`` wait) does not look like death. A process killed with
``kill -9``, or whose machine died, stops beating; once its ``expires_at`` has passed it is known dead
and the messages it had claimed are resumed by the next delivery pass of any process
(``outbox.reclaim_abandoned``), instead of waiting for the claim lease (``delivery.claim_lease_seconds``,
which stays as a backstop: a claim by a worker that never beat, one from an older version, or one stuck).

A clean stop lapses the row at once (``expires_at = now``): any claim it still held is resumed by the
next pass. Rows lapsed for a day are deleted by the next beat of anyone.

As with the leader lease (``checker.state.leader``), the ttl must exceed the beat interval plus the
clock difference between machines; it is three beats (``delivery.heartbeat_seconds``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import Engine, delete, select, update

from checker.state.database import insert_ignoring_duplicates
from checker.state.schema import worker_heartbeat

log = logging.getLogger(__name__)
BEATS_PER_TTL = 3
FORGET_AFTER = timedelta(days=1)


def beat(engine: Engine, worker: str, now: datetime, ttl: timedelta) -> None:
    """``worker`` is alive until ``now + ttl``."""
    table = worker_heartbeat.c
    with engine.begin() as connection:
        first = insert_ignoring_duplicates(engine, worker_heartbeat).values(
            worker=worker, started_at=now, beat_at=now, expires_at=now + ttl)
        if connection.execute(first).rowcount != 1:
            connection.execute(update(worker_heartbeat).where(table.worker == worker)
                               .values(beat_at=now, expires_at=now + ttl))
        connection.execute(delete(worker_heartbeat).where(table.expires_at < now - FORGET_AFTER))


def lapse(engine: Engine, worker: str, now: datetime) -> None:
    """``worker`` stopped cleanly: known dead from ``now``."""
    with engine.begin() as connection:
        connection.execute(update(worker_heartbeat).where(worker_heartbeat.c.worker == worker)
                           .values(expires_at=now))


def alive(engine: Engine, now: datetime) -> list[str]:
    """The workers whose heartbeat has not lapsed at ``now`` (for ``checker outbox`` and tests)."""
    with engine.connect() as connection:
        return list(connection.execute(select(worker_heartbeat.c.worker)
                                       .where(worker_heartbeat.c.expires_at >= now)).scalars())


class Heartbeat:
    """Beats for ``worker`` every ``every`` from a daemon thread while in a ``with`` block; lapses at the end.

    A beat that fails (the database is unreachable) is logged and tried again at the next interval: the
    claims are not lost, only the heartbeat may lapse, and then another process may resume them.
    """

    def __init__(self, engine: Engine, worker: str, every: timedelta, clock: Callable[[], datetime]) -> None:
        self.engine, self.worker, self.every, self.clock = engine, worker, every, clock
        self.ttl = every * BEATS_PER_TTL
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        beat(self.engine, self.worker, self.clock(), self.ttl)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            lapse(self.engine, self.worker, self.clock())
        except Exception as exc:  # the row lapses by itself
            log.warning("could not end the worker heartbeat: %s", exc.__class__.__name__)

    def _run(self) -> None:
        while not self._stop.wait(self.every.total_seconds()):
            try:
                beat(self.engine, self.worker, self.clock(), self.ttl)
            except Exception as exc:  # logged by class only: a database error's text quotes parameters
                log.warning("could not renew the worker heartbeat: %s", exc.__class__.__name__)
