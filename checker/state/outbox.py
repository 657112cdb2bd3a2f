"""The outbox's delivery state machine, claimed atomically so two processes never send one message.

pending ──claim──► sending ──► sent
   ▲                  │
   └── transient ─────┤ (attempts left: next_attempt_at moves on)
                      └──► parked (a permanent failure, or the attempts are spent; listed by
                                   ``checker outbox`` and reported to the operator)
A message whose items were all cancelled before it was claimed is ``cancelled``. A ``sending`` row
whose claim is older than the lease (its process died mid-send) goes back to ``pending`` with its
progress kept, so the channel resumes instead of starting again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from checker.state.database import insert_ignoring_duplicates
from checker.state.notifications import mark_items_sent, message_key
from checker.state.schema import outbox

LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    key: str
    kind: str
    recipient: str
    channel: str
    state: str
    attempts: int
    next_attempt_at: datetime
    progress: str | None
    last_error: str | None
    payload: dict[str, Any] | None
    rendered: str | None
    created_at: datetime
    sent_at: datetime | None


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(row.id, row.key, row.kind, row.recipient, row.channel, row.state, row.attempts,
                         row.next_attempt_at, row.progress, row.last_error,
                         json.loads(row.payload) if row.payload else None, row.rendered, row.created_at,
                         row.sent_at)


def due_messages(engine: Engine, now: datetime, kinds: tuple[str, ...] | None = None,
                 limit: int = 200) -> list[int]:
    """Ids of pending messages due by ``now`` (of the given kinds only, when given), oldest first."""
    query = select(outbox.c.id).where(outbox.c.state == "pending", outbox.c.next_attempt_at <= now)
    if kinds is not None:
        query = query.where(outbox.c.kind.in_(kinds))
    with engine.connect() as connection:
        return list(connection.execute(query.order_by(outbox.c.id).limit(limit)).scalars())


def claim(engine: Engine, message_id: int, worker: str, now: datetime,
          kinds: tuple[str, ...] | None = None) -> OutboxMessage | None:
    """Take a pending message for sending; ``None`` when another process got there first."""
    statement = update(outbox).where(outbox.c.id == message_id, outbox.c.state == "pending")
    if kinds is not None:
        statement = statement.where(outbox.c.kind.in_(kinds))
    with engine.begin() as connection:
        taken = connection.execute(
            statement.values(state="sending", claimed_by=worker, claimed_at=now, attempts=outbox.c.attempts + 1)
        ).rowcount
        if taken != 1:
            return None
        return _message(connection.execute(select(outbox).where(outbox.c.id == message_id)).one())


def save_progress(engine: Engine, message_id: int, worker: str, progress: str) -> None:
    """Record a channel's checkpoint (e.g. a Graph draft id) before its risky step."""
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
                           .values(progress=progress[:400]))


def save_rendered(engine: Engine, message_id: int, worker: str, rendered: str) -> None:
    """Keep the message as first rendered, so a retry resumes the very same content."""
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
                           .values(rendered=rendered))


def mark_sent(engine: Engine, message_id: int, now: datetime, provider_id: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id)
                           .values(state="sent", sent_at=now, provider_id=provider_id, last_error=None))
        mark_items_sent(connection, message_id)


def mark_cancelled(engine: Engine, message_id: int, reason: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id)
                           .values(state="cancelled", last_error=reason))


def mark_failed(engine: Engine, message_id: int, error: str, *, park: bool, retry_at: datetime) -> None:
    """A failed attempt: back to pending for ``retry_at``, or parked for the operator."""
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id).values(
            state="parked" if park else "pending", last_error=error[:2000], next_attempt_at=retry_at,
            claimed_by=None, claimed_at=None))


def reclaim_stale(engine: Engine, now: datetime, lease: timedelta = LEASE) -> int:
    """Return to pending the messages whose sender died mid-send (their claim is older than the lease)."""
    with engine.begin() as connection:
        return connection.execute(
            update(outbox).where(outbox.c.state == "sending", outbox.c.claimed_at < now - lease)
            .values(state="pending", claimed_by=None, claimed_at=None)
        ).rowcount


def release_claims_of(engine: Engine, worker_prefix: str) -> int:
    """Return to pending every message claimed by workers whose id starts with ``worker_prefix``."""
    with engine.begin() as connection:
        return connection.execute(
            update(outbox).where(outbox.c.state == "sending", outbox.c.claimed_by.startswith(worker_prefix))
            .values(state="pending", claimed_by=None, claimed_at=None)
        ).rowcount


def retry_parked(engine: Engine, message_id: int | None, now: datetime) -> int:
    """Put parked messages (one, or all) back in the queue with a fresh attempt budget."""
    statement = update(outbox).where(outbox.c.state == "parked")
    if message_id is not None:
        statement = statement.where(outbox.c.id == message_id)
    with engine.begin() as connection:
        return connection.execute(statement.values(state="pending", attempts=0, next_attempt_at=now)).rowcount


def add_message(connection: Connection, *, key: str, kind: str, recipient: str, channel: str,
                payload: dict[str, Any], now: datetime, send_from: datetime, run_id: int | None) -> bool:
    """Insert a self-contained message (digest, operator alert) unless its key exists; True if new.

    Told by the row the insert returns, not by ``rowcount``: on PostgreSQL the insert already returns the
    new id (implicit RETURNING), and psycopg then reports a row count of -1.
    """
    statement = insert_ignoring_duplicates(connection.engine, outbox).values(
        key=message_key(key), kind=kind, recipient=recipient, channel=channel, state="pending", attempts=0,
        next_attempt_at=send_from, payload=json.dumps(payload, default=str), created_at=now, run_id=run_id)
    return connection.execute(statement.returning(outbox.c.id)).first() is not None


def listing(engine: Engine, states: tuple[str, ...], limit: int = 200) -> list[OutboxMessage]:
    with engine.connect() as connection:
        rows = connection.execute(select(outbox).where(outbox.c.state.in_(states))
                                  .order_by(outbox.c.id.desc()).limit(limit)).all()
    return [_message(r) for r in rows]

