"""The outbox's delivery state machine, claimed atomically so two processes never send one message.

pending ──claim──► sending ──► sent
   ▲                  │
   ├── transient ─────┤ (attempts left: next_attempt_at moves on)
   │                  ├──► parked (refused for good, or the attempts are spent)
   │                  └──► held   (ambiguous: the request went out and no answer came back, on a
   │                               channel whose ``on_ambiguous`` is "hold")
   └── operator: ``checker outbox retry ID`` (held or parked → pending, a fresh attempt budget);
       ``checker outbox drop ID`` (held or parked → cancelled). Both are kept in ``outbox_action``.

Held and parked messages are listed by ``checker outbox`` and reported to the operator. A message whose
items were all cancelled before it was claimed is ``cancelled``.

A ``sending`` row whose claimant is known dead (its heartbeat lapsed, ``checker.state.heartbeat``), or
whose claim is older than the lease whatever its claimant (a backstop: a claimant that never beat, or
one stuck), is resumed by ``reclaim_abandoned``:
back to ``pending`` with its progress kept, so the channel resumes instead of starting again, and
without using up an attempt (the claim counted one; the crash gives it back). When the claimant had
already handed the message to a channel that cannot find out what happened (``handed_at`` is set; SMTP,
Teams) the outcome is ambiguous, and the channel's policy decides: resend (pending) or hold.

Claims are one ``UPDATE … WHERE state = 'sending'/'pending' AND …`` whose row count (no ``RETURNING``,
whose row count PostgreSQL drivers may not report) says who won.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from checker.state.database import insert_ignoring_duplicates
from checker.state.notifications import mark_items_sent, message_key
from checker.state.schema import outbox, outbox_action, worker_heartbeat

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
    claimed_by: str | None = None


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(row.id, row.key, row.kind, row.recipient, row.channel, row.state, row.attempts,
                         row.next_attempt_at, row.progress, row.last_error,
                         json.loads(row.payload) if row.payload else None, row.rendered, row.created_at,
                         row.sent_at, row.claimed_by)


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
            statement.values(state="sending", claimed_by=worker, claimed_at=now, handed_at=None,
                             attempts=outbox.c.attempts + 1)
        ).rowcount
        if taken != 1:
            return None
        return _message(connection.execute(select(outbox).where(outbox.c.id == message_id)).one())


def save_progress(engine: Engine, message_id: int, worker: str, progress: str) -> None:
    """Record a channel's checkpoint (e.g. a Graph draft id) before its risky step."""
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
                           .values(progress=progress[:400]))


def mark_handed(engine: Engine, message_id: int, worker: str, now: datetime) -> None:
    """The message is about to go to its channel: a crash from here on leaves its outcome unknown."""
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
                           .values(handed_at=now))


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
            claimed_by=None, claimed_at=None, handed_at=None))


def mark_held(engine: Engine, message_id: int, error: str) -> None:
    """An ambiguous outcome on a channel that holds: nothing more is sent until an operator decides."""
    with engine.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.id == message_id).values(
            state="held", last_error=error[:2000], claimed_by=None, claimed_at=None, handed_at=None))


@dataclass(frozen=True, slots=True)
class Abandoned:
    """A message whose claimant died: where it was, and what became of it (``pending`` or ``held``)."""

    id: int
    channel: str
    state: str


ABANDONED_AMBIGUOUS = ("the process sending it died after handing it to the channel, which cannot tell "
                       "whether it arrived; held for the operator")


def reclaim_abandoned(engine: Engine, now: datetime, lease: timedelta = LEASE, *,
                      hold: Callable[[str], bool] = lambda channel: False) -> list[Abandoned]:
    """Resume the messages whose claimant is known dead (see the module docstring); say what became of each.

    ``hold(channel)``: whether a message already handed to that channel is held rather than resent.
    """
    beats = worker_heartbeat.c
    dead = select(beats.worker).where(beats.expires_at < now)
    abandoned = and_(outbox.c.state == "sending",
                     or_(outbox.c.claimed_by.in_(dead), outbox.c.claimed_at < now - lease))
    with engine.connect() as connection:
        rows = connection.execute(select(outbox.c.id, outbox.c.channel, outbox.c.claimed_by, outbox.c.handed_at)
                                  .where(abandoned).order_by(outbox.c.id)).all()
    done: list[Abandoned] = []
    for row in rows:
        held = row.handed_at is not None and hold(row.channel)
        values: dict[str, Any] = {"state": "held" if held else "pending", "claimed_by": None, "claimed_at": None,
                                  "handed_at": None, "attempts": outbox.c.attempts - 1}
        if held:
            values["last_error"] = ABANDONED_AMBIGUOUS
        with engine.begin() as connection:
            taken = connection.execute(update(outbox).where(
                outbox.c.id == row.id, outbox.c.state == "sending", outbox.c.claimed_by == row.claimed_by,
            ).values(values)).rowcount
        if taken == 1:
            done.append(Abandoned(row.id, row.channel, values["state"]))
    return done


def release_claims_of(engine: Engine, worker_prefix: str) -> int:
    """Return to pending every message claimed by workers whose id starts with ``worker_prefix``."""
    with engine.begin() as connection:
        return connection.execute(
            update(outbox).where(outbox.c.state == "sending", outbox.c.claimed_by.startswith(worker_prefix))
            .values(state="pending", claimed_by=None, claimed_at=None, handed_at=None)
        ).rowcount


OPERATOR_STATES = ("held", "parked")


def operator_action(engine: Engine, action: Literal["retry", "drop"], message_id: int | None, *, by: str,
                    now: datetime) -> list[int]:
    """An operator's decision on held or parked messages (one, or all with ``None``), kept in
    ``outbox_action``: ``retry`` queues each again with a fresh attempt budget, ``drop`` cancels it.
    Returns the ids acted on; a message in another state is left alone."""
    query = select(outbox.c.id, outbox.c.state).where(outbox.c.state.in_(OPERATOR_STATES))
    if message_id is not None:
        query = query.where(outbox.c.id == message_id)
    values: dict[str, Any] = (
        {"state": "pending", "attempts": 0, "next_attempt_at": now} if action == "retry"
        else {"state": "cancelled", "last_error": f"dropped by {by[:100]} with `checker outbox drop`"})
    acted: list[int] = []
    with engine.begin() as connection:
        for row in connection.execute(query.order_by(outbox.c.id)).all():
            changed = connection.execute(update(outbox).where(outbox.c.id == row.id, outbox.c.state == row.state)
                                         .values(values)).rowcount
            if changed == 1:
                connection.execute(insert(outbox_action).values(message_id=row.id, action=action,
                                                                state_before=row.state, by=by[:200], at=now))
                acted.append(row.id)
    return acted


def retry_parked(engine: Engine, message_id: int | None, now: datetime, by: str = "checker") -> int:
    """Put held or parked messages (one, or all) back in the queue with a fresh attempt budget."""
    return len(operator_action(engine, "retry", message_id, by=by, now=now))


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


def message_exists(connection: Connection, key: str) -> bool:
    """Whether a message with this key (as ``add_message`` would store it) exists, in any state."""
    return connection.execute(select(outbox.c.id).where(outbox.c.key == message_key(key))).first() is not None


def listing(engine: Engine, states: tuple[str, ...], limit: int = 200) -> list[OutboxMessage]:
    with engine.connect() as connection:
        rows = connection.execute(select(outbox).where(outbox.c.state.in_(states))
                                  .order_by(outbox.c.id.desc()).limit(limit)).all()
    return [_message(r) for r in rows]



def actions(engine: Engine, message_id: int) -> list[tuple[str, str, str, datetime]]:
    """What operators did to one message: (action, state before, by, at), oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(outbox_action).where(outbox_action.c.message_id == message_id)
                                  .order_by(outbox_action.c.id)).all()
    return [(r.action, r.state_before, r.by, r.at) for r in rows]


def pending_of_run(connection: Connection, run_id: int) -> list[OutboxMessage]:
    """The messages a run planned that are still to be sent, in the order planned (``run --dry-run``)."""
    rows = connection.execute(select(outbox).where(outbox.c.run_id == run_id, outbox.c.state == "pending")
                              .order_by(outbox.c.id)).all()
    return [_message(r) for r in rows]
