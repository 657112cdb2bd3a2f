"""Notification items (what to tell whom) and the outbox messages that group them.

A notification row is unique on (case, obligation, ref, due date, stage, recipient, channel): planning
the same thing twice inserts nothing the second time. Items planned in a tick are grouped into one
outbox message per recipient and channel; an item that is cancelled (completed, due date moved, no
longer applies, snoozed) before its message is sent drops out of it, and a message left with no live
item is cancelled at delivery.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, or_, select, update

from checker.facts import Channel, ItemFacts, MessageKind, Stage
from checker.state.database import insert_ignoring_duplicates, inserted_id
from checker.state.schema import MESSAGE_KEY, notification, outbox

_DIGEST_PART = 64  # a sha-256 in hex


def message_key(key: str) -> str:
    """``key`` as ``outbox.key`` holds it: unchanged when it fits, else its head and the SHA-256 of the
    whole (the same key gives the same result, so planning twice still finds it; two keys differ still).

    A message key is made of several parts (a digest's: week, recipient and manager, each up to 254
    characters), so a long but valid address must not make it overflow the column.
    """
    if len(key) <= MESSAGE_KEY:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:MESSAGE_KEY - _DIGEST_PART - 1]}#{digest}"


@dataclass(frozen=True, slots=True)
class PlannedItem:
    """One thing to tell one recipient on one channel (the planner's output)."""

    instance_id: int
    case_ref: str
    obligation: str
    ref: str
    due_date: date
    stage: Stage
    recipient: str
    channel: Channel
    facts: ItemFacts


def _pending_messages() -> Any:
    return select(outbox.c.id).where(outbox.c.state == "pending").scalar_subquery()


def cancel_unsent(connection: Connection, instance_id: int, reason: str, *, keep_due: date | None = None,
                  stages: Sequence[str] | None = None) -> int:
    """Cancel an instance's planned items whose message has not started sending; return how many.

    ``keep_due``: keep the items planned for that due date (re-baselining cancels the stale ones).
    ``stages``: cancel only items whose stage starts with one of these prefixes.
    """
    statement = update(notification).where(
        notification.c.instance_id == instance_id,
        notification.c.state == "planned",
        or_(notification.c.message_id.is_(None), notification.c.message_id.in_(_pending_messages())),
    )
    if keep_due is not None:
        statement = statement.where(notification.c.due_date != keep_due)
    if stages is not None:
        statement = statement.where(or_(*(notification.c.stage.startswith(s) for s in stages)))
    return connection.execute(statement.values(state="cancelled", note=reason[:400])).rowcount


def insert_planned(engine: Engine, connection: Connection, items: Sequence[PlannedItem], now: datetime) -> list[int]:
    """Insert the items not planned before; return the instance id of each new item."""
    if not items:
        return []
    rows = [{
        "instance_id": i.instance_id, "case_ref": i.case_ref, "obligation": i.obligation, "ref": i.ref,
        "due_date": i.due_date, "stage": str(i.stage), "recipient": i.recipient,
        "channel": i.channel.value, "message_id": None, "state": "planned", "note": None,
        "facts": json.dumps(i.facts.to_json()),
        "created_at": now,
    } for i in items]
    statement = insert_ignoring_duplicates(engine, notification).returning(notification.c.instance_id)
    return [row.instance_id for row in connection.execute(statement, rows)]


def group_into_messages(connection: Connection, run_id: int, now: datetime,
                        send_from: Callable[[str], datetime], *, summary: str | None = None) -> int:
    """Put every planned, ungrouped item into one new pending message per (recipient, channel).

    Idempotent: items already in a message are left alone, so after a crash the next tick groups
    what was planned and not yet grouped. ``send_from(channel)`` is the earliest sending time (the
    next working window). Returns the number of messages created.

    ``summary`` (why this tick is a go-live, ``planning/go_live.py``): each recipient's email items go into
    one ``summary`` message instead, and items on other channels are marked told by that summary.
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in connection.execute(select(notification.c.id, notification.c.recipient, notification.c.channel)
                                  .where(notification.c.message_id.is_(None), notification.c.state == "planned")):
        groups[(row.recipient, row.channel)].append(row.id)
    kind = MessageKind.SUMMARY if summary is not None else MessageKind.REMINDER
    made = 0
    for (recipient, channel), ids in groups.items():
        if summary is not None and channel != Channel.EMAIL:
            connection.execute(update(notification).where(notification.c.id == bindparam("_id"))
                               .values(state="cancelled", note="go-live: told by the email summary instead"),
                               [{"_id": i} for i in ids])
            continue
        result = connection.execute(
            outbox.insert().values(
                key=message_key(f"{kind}:{run_id}:{channel}:{recipient}"), kind=kind,
                recipient=recipient, channel=channel, state="pending", attempts=0, next_attempt_at=send_from(channel),
                created_at=now, run_id=run_id,
                payload=json.dumps({"reason": summary}) if summary is not None else None,
            )
        )
        message_id = inserted_id(result)
        connection.execute(
            update(notification).where(notification.c.id == bindparam("_id")).values(message_id=message_id),
            [{"_id": i} for i in ids],
        )
        made += 1
    return made


def live_items(connection: Connection, message_id: int) -> list[dict[str, Any]]:
    """The facts of a message's items that are still to be told (not cancelled)."""
    rows = connection.execute(
        select(notification.c.facts).where(and_(notification.c.message_id == message_id,
                                                notification.c.state == "planned"))
        .order_by(notification.c.id)
    )
    return [json.loads(row.facts) for row in rows if row.facts]


def mark_items_sent(connection: Connection, message_id: int) -> None:
    connection.execute(update(notification).where(notification.c.message_id == message_id,
                                                  notification.c.state == "planned").values(state="sent"))
