"""Exactly one replica leads: a lease kept in the ``leader_lease`` table.

Two or more replicas may run on one state database (PostgreSQL); only the holder of the lease named
``LEADER`` evaluates and delivers. A lease is one row: its ``holder``, when that holder's tenure began
(``acquired_at``), when it last renewed (``renewed_at``) and when it lapses (``expires_at``).

Contract (every ``now`` is passed in, an aware instant, and converted to UTC; nothing here reads a
clock, so every replica and test decides its own time):

- ``try_acquire(engine, name, holder, now, ttl)`` takes the lease when it is free (no row yet), lapsed
  (``expires_at < now``) or already ``holder``'s (then it renews it), and holds it until ``now + ttl``.
  It is one transaction, an ``INSERT … ON CONFLICT DO NOTHING`` for the first time and else an
  ``UPDATE … WHERE name = :name AND (holder = :me OR expires_at < :now)`` whose row count is the
  answer, so of any number of concurrent callers with the same ``now`` exactly one wins: PostgreSQL
  (at its default READ COMMITTED) makes the second writer wait for the first and re-checks the
  ``WHERE`` against the row the first wrote; SQLite lets one writer at a time in.
- ``renew(engine, name, holder, now, ttl)`` pushes a lease that is still ``holder``'s and still running
  (``expires_at >= now``) to ``now + ttl``; ``False`` when another took it over after it lapsed, when
  it was released, or when it lapsed at all (even if nobody took it yet: the holder should have
  stopped by then, and must take it afresh with ``try_acquire``).
- ``release(engine, name, holder)`` lets the next replica in at once (``expires_at`` goes to 1970),
  and only if ``holder`` is the holder; the row stays, naming who held it last.
- ``holder_of(engine, name, now)`` is who holds it at ``now``, ``None`` when it is free or lapsed.

Why a lease in a table and not a PostgreSQL session advisory lock: it works the same on SQLite (one
replica, or tests) as on PostgreSQL; no connection is pinned open for months (an advisory lock lasts
as long as its session, so a pooler, a failover or a proxy that drops idle connections would silently
end it, and the old leader would not know); the holder and its expiry are in plain sight for an
operator (``SELECT * FROM leader_lease``); and a holder killed with ``kill -9`` or frozen in a
paused VM simply stops renewing, so its lease expires after ``ttl`` and another replica takes over.

The rule the daemon must keep: renew well inside the ttl (every ``ttl / 3``, ``Leadership.renew_every``)
so one slow or failed renewal does not cost the lease; treat a renewal that returns ``False`` or raises
as lost leadership and stop acting at once: finish the message being sent (its outbox claim keeps it
single), start nothing new, and go back to ``try_acquire`` like any follower. Never act past the
expiry last confirmed (``Leadership.holds``), whatever the renewal is doing. The ttl must therefore
exceed the longest single step (one delivery, one tick's write) plus the renewal interval plus the
clock difference between replicas, since another replica judges expiry by its own clock.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, case, literal, or_, select, update

from checker.state.database import insert_ignoring_duplicates
from checker.state.schema import UTCDateTime, leader_lease

LEADER = "checker"  # the lease the daemon's replicas contend for
RELEASED = datetime(1970, 1, 1, tzinfo=UTC)  # the expiry a released lease is given: lapsed for everyone


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease row as stored, for operators and health checks."""

    name: str
    holder: str
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime

    def held_at(self, now: datetime) -> bool:
        return _instant(now) <= self.expires_at


def holder_id() -> str:
    """A holder name unique to this process: host, pid and a random part (a restart is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _instant(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("lease times must be aware instants (UTC), not naive datetimes")
    return now.astimezone(UTC)


def _positive(ttl: timedelta) -> timedelta:
    if ttl <= timedelta(0):
        raise ValueError(f"a lease needs a positive ttl, not {ttl}")
    return ttl


def _expiry(now: datetime, ttl: timedelta) -> datetime:
    return now + _positive(ttl)


def try_acquire(engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the lease ``name`` for ``holder`` until ``now + ttl`` if it is free, lapsed or ours; True if so."""
    now = _instant(now)
    expires = _expiry(now, ttl)
    lease = leader_lease.c
    with engine.begin() as connection:
        first = insert_ignoring_duplicates(engine, leader_lease).values(
            name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=expires)
        if connection.execute(first).rowcount == 1:
            return True
        still_ours = and_(lease.holder == holder, lease.expires_at >= now)
        taken = connection.execute(
            update(leader_lease)
            .where(lease.name == name, or_(lease.holder == holder, lease.expires_at < now))
            .values(holder=holder, renewed_at=now, expires_at=expires,
                    acquired_at=case((still_ours, lease.acquired_at), else_=literal(now, UTCDateTime())))
        ).rowcount
        return taken == 1


def renew(engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend ``holder``'s running lease to ``now + ttl``; False if it is not ours or has lapsed."""
    now = _instant(now)
    expires = _expiry(now, ttl)
    lease = leader_lease.c
    with engine.begin() as connection:
        return connection.execute(
            update(leader_lease)
            .where(lease.name == name, lease.holder == holder, lease.expires_at >= now)
            .values(renewed_at=now, expires_at=expires)
        ).rowcount == 1


def release(engine: Engine, name: str, holder: str) -> None:
    """Give the lease up so another replica may take it at once; nothing happens if it is not ours."""
    lease = leader_lease.c
    with engine.begin() as connection:
        connection.execute(update(leader_lease).where(lease.name == name, lease.holder == holder)
                           .values(expires_at=RELEASED))


def lease_of(engine: Engine, name: str) -> Lease | None:
    """The lease row as stored (running or not), ``None`` if nobody ever took it."""
    with engine.connect() as connection:
        row = connection.execute(select(leader_lease).where(leader_lease.c.name == name)).one_or_none()
    if row is None:
        return None
    return Lease(row.name, row.holder, row.acquired_at, row.renewed_at, row.expires_at)


def holder_of(engine: Engine, name: str, now: datetime) -> str | None:
    """Who holds the lease at ``now``; ``None`` when it is free, lapsed or released."""
    lease = lease_of(engine, name)
    return lease.holder if lease is not None and lease.held_at(now) else None


class Leadership:
    """One replica's hold on one lease, remembering the expiry it last confirmed.

    ``acquire`` and ``renew`` call the functions above and keep ``valid_until``; ``holds(now)`` answers
    from that alone, without the database, so the daemon can check it before every step and stop even
    while the database is unreachable (a renewal that raises confirms nothing).
    """

    def __init__(self, engine: Engine, ttl: timedelta, holder: str | None = None, name: str = LEADER) -> None:
        self.engine = engine
        self.ttl = _positive(ttl)  # rejected here rather than at the first tick
        self.holder = holder or holder_id()
        self.name = name
        self.valid_until: datetime | None = None

    @property
    def renew_every(self) -> timedelta:
        """How often to renew: a third of the ttl, so two renewals in a row may fail before it lapses."""
        return self.ttl / 3

    def holds(self, now: datetime) -> bool:
        """True while ``now`` is within the lease as last confirmed by the database."""
        return self.valid_until is not None and _instant(now) <= self.valid_until

    def acquire(self, now: datetime) -> bool:
        """Take (or keep) the lease; on failure ``holds`` is False from now on."""
        return self._confirmed(now, try_acquire(self.engine, self.name, self.holder, now, self.ttl))

    def renew(self, now: datetime) -> bool:
        """Extend the lease; False (and ``holds`` False) when it was lost: stop acting."""
        return self._confirmed(now, renew(self.engine, self.name, self.holder, now, self.ttl))

    def release(self) -> None:
        """Give the lease up (on a clean shutdown), so another replica need not wait for it to lapse."""
        self.valid_until = None
        release(self.engine, self.name, self.holder)

    def _confirmed(self, now: datetime, held: bool) -> bool:
        self.valid_until = _instant(now) + self.ttl if held else None
        return held
