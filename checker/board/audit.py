"""The audit export: every event of the ledger in a period, oldest first, for an inspector or a subject access
request (``--case`` narrows it to one young person).

Events: what changed about an obligation (first seen, due date moved, status changed, closed, reopened);
who was told what, when and by which channel (each notification item, with its message's state; an
escalation is an item to a manager, senior manager, head of service or the next dispute stage); digests,
reports and operator alerts sent (no case); snoozes and waivers recorded and revoked; acknowledgements
(``checker/state/acknowledgements.py``). Times are UTC; ``--from``/``--to`` are whole UTC days, inclusive.
Each source is read in time order and merged, so memory stays bounded however long the period.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, func, select

from checker.state.acknowledgements import acknowledgement_events
from checker.state.schema import instance_event, notification, obligation_instance, outbox, suppression

FIELDS = ("at", "case_ref", "obligation", "ref", "event", "detail", "recipient", "channel", "by")
_ESCALATION = ("escalated-", "dispute-stage-")


def _stream(connection: Connection, query: Select[Any], shape: Any) -> Iterator[dict[str, Any]]:
    for row in connection.execution_options(yield_per=1000).execute(query):
        yield dict.fromkeys(FIELDS, "") | shape(row)


def _changes(connection: Connection, start: datetime, end: datetime, case_ref: str | None) -> Iterator[dict[str, Any]]:
    e, i = instance_event.c, obligation_instance.c
    query = (select(e.at, e.event, e.old_value, e.new_value, i.case_ref, i.obligation, i.ref)
             .join(obligation_instance, i.id == e.instance_id).where(e.at >= start, e.at < end))
    if case_ref is not None:
        query = query.where(i.case_ref == case_ref)
    return _stream(connection, query.order_by(e.at, e.id), lambda r: {
        "at": r.at, "case_ref": r.case_ref, "obligation": r.obligation, "ref": r.ref, "event": r.event,
        "detail": f"{r.old_value or ''} -> {r.new_value or ''}" if (r.old_value or r.new_value) else ""})


def _told(connection: Connection, start: datetime, end: datetime, case_ref: str | None) -> Iterator[dict[str, Any]]:
    n, m = notification.c, outbox.c
    when = func.coalesce(m.sent_at, n.created_at)
    query = (select(when.label("at"), n.case_ref, n.obligation, n.ref, n.due_date, n.stage, n.recipient, n.channel,
                    n.state, n.note, m.state.label("message_state"))
             .outerjoin(outbox, m.id == n.message_id).where(when >= start, when < end))
    if case_ref is not None:
        query = query.where(n.case_ref == case_ref)

    def shape(r: Any) -> dict[str, Any]:
        kind = "escalation" if r.stage.startswith(_ESCALATION) else "reminder"
        told = "sent" if r.message_state == "sent" else (r.state if r.state != "planned" else r.message_state
                                                         or "planned")
        return {"at": r.at, "case_ref": r.case_ref, "obligation": r.obligation, "ref": r.ref,
                "event": f"{kind} {told}", "detail": f"{r.stage}, due {r.due_date}" + (f"; {r.note}" if r.note else ""),
                "recipient": r.recipient, "channel": r.channel}

    return _stream(connection, query.order_by(when, n.id), shape)


def _messages(connection: Connection, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    m = outbox.c
    query = (select(m.sent_at, m.kind, m.recipient, m.channel, m.key)
             .where(m.kind != "reminder", m.state == "sent", m.sent_at >= start, m.sent_at < end)
             .order_by(m.sent_at, m.id))
    return _stream(connection, query, lambda r: {"at": r.sent_at, "event": f"{r.kind} sent", "detail": r.key,
                                                 "recipient": r.recipient, "channel": r.channel})


def _suppressions(connection: Connection, start: datetime, end: datetime, case_ref: str | None,
                  column: str) -> Iterator[dict[str, Any]]:
    s = suppression.c
    query = select(suppression).where(and_(s[column] >= start, s[column] < end))
    if case_ref is not None:
        query = query.where(s.case_ref == case_ref)
    suffix = "" if column == "created_at" else " revoked"
    return _stream(connection, query.order_by(s[column], s.id), lambda r: {
        "at": getattr(r, column), "case_ref": r.case_ref,
        "obligation": r.obligation, "ref": r.ref, "event": f"{r.kind}{suffix}",
        "detail": f"until {r.until}: {r.reason}",
        "by": r.created_by if column == "created_at" else (r.revoked_by or "")})  # who lifted it, for a lift


def audit_events(connection: Connection, first: date, last: date, case_ref: str | None = None
                 ) -> Iterator[dict[str, Any]]:
    """Every ledger event from ``first`` to ``last`` (whole UTC days), oldest first."""
    start = datetime.combine(first, time(0), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
    streams = [_changes(connection, start, end, case_ref), _told(connection, start, end, case_ref),
               _suppressions(connection, start, end, case_ref, "created_at"),
               _suppressions(connection, start, end, case_ref, "revoked_at"),
               (dict.fromkeys(FIELDS, "") | e for e in acknowledgement_events(connection, first, last, case_ref))]
    if case_ref is None:
        streams.append(_messages(connection, start, end))
    for event in heapq.merge(*streams, key=lambda e: e["at"]):
        yield {**event, "at": event["at"].astimezone(UTC).isoformat(timespec="seconds")}
