"""Notification items (what to tell whom) and the outbox messages that group them.

A notification row is unique on (case, obligation, ref, due date, stage, recipient, channel): planning
the same thing twice inserts nothing the second time. The planner reads the keys already planned for a
batch's instances (``planned_keys``) and builds only the items that are new, so a tick on unchanged data
writes no item and sends nothing; the unique key stays the last guard. Items planned in a tick go
straight into one outbox message per recipient and channel (``ItemWriter``); an item that is cancelled
(completed, due date moved, no longer applies, snoozed) before its message is sent drops out of it, and a
message left with no live item is cancelled at delivery.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update

from checker.facts import Channel, ItemFacts, MessageKind, Stage
from checker.state.bulk import insert_rows
from checker.state.database import inserted_id
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


Cancel = tuple[int, str, date | None]  # (instance id, reason, keep_due) as ``cancel_unsent`` takes them


def cancel_unsent_each(connection: Connection, cancels: Sequence[Cancel]) -> None:
    """``cancel_unsent`` for many instances, in order, as one statement run for every row (executemany) per
    run of rows with or without ``keep_due``: a tick that moves a thousand due dates sends two statements, not
    a thousand."""
    unsent = (notification.c.instance_id == bindparam("_instance"), notification.c.state == "planned",
              or_(notification.c.message_id.is_(None), notification.c.message_id.in_(_pending_messages())))
    keeping = update(notification).where(*unsent, notification.c.due_date != bindparam("_keep"))
    every = update(notification).where(*unsent)
    start = 0
    while start < len(cancels):  # consecutive rows of one kind together, so the order of the cancels is kept
        keeps = cancels[start][2] is not None
        end = start
        while end < len(cancels) and (cancels[end][2] is not None) == keeps:
            end += 1
        rows = [{"_instance": i, "_note": reason[:400], **({"_keep": keep} if keeps else {})}
                for i, reason, keep in cancels[start:end]]
        statement = keeping if keeps else every
        connection.execute(statement.values(state="cancelled", note=bindparam("_note")), rows)
        start = end


PlannedKey = tuple[int, str, str, str]  # (instance id, stage, recipient, channel), at the instance's current due date


def item_key(item: PlannedItem) -> PlannedKey:
    """``item``'s unique key as ``planned_keys`` reads it: the instance stands for case, obligation and ref, and
    an item is always planned at its instance's current due date."""
    return (item.instance_id, str(item.stage), item.recipient, item.channel.value)


def planned_keys(connection: Connection, due_dates: Mapping[int, date]) -> set[PlannedKey]:
    """The keys of the items planned before (in any state) for these instances (id → current due date) at those
    due dates.

    One read per batch, so planning skips what was told and inserts only what is new; the unique key stays the
    guard. It reads the notification table alone, by its index on ``instance_id``; the items of an instance's
    earlier due dates are dropped here rather than by a join with the instances, whose plan would depend on
    the tables' statistics (on PostgreSQL, with none yet, the join read both tables whole for every batch).
    The ids are written into the statement (integers), so PostgreSQL plans each read with the table as it is,
    never a generic plan made while the table was empty. The rows are taken from the driver as they come
    (tuples, the due date as the database gives it, compared with ours converted once): at 100,000 cases a
    tick reads half a million of them. Instances new this tick have no items: leave them out.
    """
    if not due_dates:
        return set()
    dialect = connection.dialect
    to_db = notification.c.due_date.type.dialect_impl(dialect).bind_processor(dialect)
    if to_db is None:
        stored = due_dates
    else:  # SQLite keeps a date as text: convert each distinct date once (they repeat)
        texts = {due: to_db(due) for due in set(due_dates.values())}
        stored = {i: texts[due] for i, due in due_dates.items()}
    ids = ", ".join(str(int(i)) for i in sorted(due_dates))
    quote = dialect.identifier_preparer.quote
    result = connection.exec_driver_sql(
        f"SELECT instance_id, due_date, stage, recipient, channel FROM {quote(notification.name)} "  # noqa: S608 (a table name and integers only)
        f"WHERE instance_id IN ({ids})")
    try:
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    return {(instance_id, stage, recipient, channel) for instance_id, due, stage, recipient, channel in rows
            if stored[instance_id] == due}


@dataclass
class ItemWriter:
    """Inserts a tick's new items straight into their outbox messages: one pending message per (recipient,
    channel) for the tick, made when its first item comes, so no pass over the items is needed afterwards.

    ``summary`` (why this tick is a go-live, ``planning/go_live.py``): each recipient's email items go into
    one ``summary`` message instead, and items on other channels are recorded as told by that summary (their
    key and note only: no facts, which only a message that is sent would render).
    """

    connection: Connection
    run_id: int
    now: datetime
    send_from: Callable[[str], datetime]
    summary: str | None = None
    messages: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def made(self) -> int:
        """How many messages this tick made."""
        return len(self.messages)

    def _message(self, recipient: str, channel: str) -> int | None:
        if self.summary is not None and channel != Channel.EMAIL:
            return None
        found = self.messages.get((recipient, channel))
        if found is None:
            kind = MessageKind.SUMMARY if self.summary is not None else MessageKind.REMINDER
            found = self.messages[(recipient, channel)] = _new_message(
                self.connection, kind, self.run_id, recipient, channel, self.now, self.send_from(channel),
                self.summary)
        return found

    def insert(self, items: Sequence[PlannedItem]) -> list[int]:
        """Insert the items not planned before; return the instance id of each new item."""
        fresh: dict[PlannedKey, PlannedItem] = {}
        for item in items:
            fresh.setdefault(item_key(item), item)
        if not fresh:
            return []
        rows = []
        for item in fresh.values():
            channel = item.channel.value
            message_id = self._message(item.recipient, channel)
            told_elsewhere = self.summary is not None and channel != Channel.EMAIL
            rows.append((item.instance_id, item.case_ref, item.obligation, item.ref, item.due_date, str(item.stage),
                         item.recipient, channel, message_id, "cancelled" if told_elsewhere else "planned",
                         GO_LIVE_NOTE if told_elsewhere else None,
                         None if told_elsewhere else _facts_json(item.facts.to_json()), self.now))
        # One multi-row statement per chunk (``bulk.py``); a key planned before is skipped, not an error.
        return [row.instance_id for row in insert_rows(self.connection, notification, _ITEM_COLUMNS, rows,
                                                       ("instance_id",), ignore_duplicates=True)]

    def group_leftovers(self) -> None:
        """Put planned items that are in no message yet (none, unless written by another path) into this tick's
        messages; the read uses the index on ``message_id``, so it costs nothing when there are none."""
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for row in self.connection.execute(
                select(notification.c.id, notification.c.recipient, notification.c.channel)
                .where(notification.c.message_id.is_(None), notification.c.state == "planned")):
            groups[(row.recipient, row.channel)].append(row.id)
        for (recipient, channel), ids in groups.items():
            message_id = self._message(recipient, channel)
            values = ({"message_id": message_id} if message_id is not None
                      else {"state": "cancelled", "note": GO_LIVE_NOTE})
            self.connection.execute(update(notification).where(notification.c.id == bindparam("_id")).values(values),
                                    [{"_id": i} for i in ids])


GO_LIVE_NOTE = "go-live: told by the email summary instead"
# An item's facts as stored: compact (no spaces after separators), and not checked for cycles (plain data).
_facts_json = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode
_ITEM_COLUMNS = ("instance_id", "case_ref", "obligation", "ref", "due_date", "stage", "recipient", "channel",
                 "message_id", "state", "note", "facts", "created_at")


def _new_message(connection: Connection, kind: str, run_id: int, recipient: str, channel: str, now: datetime,
                 send_from: datetime, summary: str | None) -> int:
    result = connection.execute(outbox.insert().values(
        key=message_key(f"{kind}:{run_id}:{channel}:{recipient}"), kind=kind, recipient=recipient, channel=channel,
        state="pending", attempts=0, next_attempt_at=send_from, created_at=now, run_id=run_id,
        payload=json.dumps({"reason": summary}) if summary is not None else None))
    return inserted_id(result)


def live_items(connection: Connection, message_id: int) -> Iterator[dict[str, Any]]:
    """The facts of a message's items that are still to be told (not cancelled), in due-date order.

    A stream (read in chunks, a server-side cursor on PostgreSQL): a message may hold tens of thousands of
    items, and rendering keeps only those it lists (``rendering/listing.py``). Read it while ``connection``
    is open.
    """
    rows = connection.execution_options(stream_results=True, yield_per=500).execute(
        select(notification.c.facts).where(and_(notification.c.message_id == message_id,
                                                notification.c.state == "planned"))
        .order_by(notification.c.due_date, notification.c.id)
    )
    return (json.loads(row.facts) for row in rows if row.facts)


def has_live_items(connection: Connection, message_id: int) -> bool:
    """Whether any of the message's items is still to be told."""
    return connection.execute(select(notification.c.id).where(
        notification.c.message_id == message_id, notification.c.state == "planned",
        notification.c.facts.is_not(None)).limit(1)).first() is not None


def mark_items_sent(connection: Connection, message_id: int) -> None:
    connection.execute(update(notification).where(notification.c.message_id == message_id,
                                                  notification.c.state == "planned").values(state="sent"))
