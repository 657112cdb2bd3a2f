"""Acknowledgements (an adviser saying "I'm on it" from a message's link): the seam the report and the audit read.

They are the ``acknowledge`` rows of ``link_action`` (``checker/state/link_actions.py``); the audit
export lists snoozes made from a link too, with the recipient the link was issued to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, func, select

from checker.state.schema import link_action

_EVENTS = {"acknowledge": "acknowledged from the message", "snooze": "snoozed from the message"}


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (datetime.combine(start, time(0), tzinfo=UTC),
            datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC))


def acknowledgement_counts(connection: Connection, start: date, end: date,
                           team: str | None) -> Sequence[tuple[str, int]] | None:
    """(obligation, acknowledgements in the period, whole UTC days ``start`` to ``end``), most first."""
    first, after = _bounds(start, end)
    c = link_action.c
    query = (select(c.obligation, func.count().label("n")).where(c.action == "acknowledge", c.at >= first,
                                                                  c.at < after).group_by(c.obligation))
    if team is not None:
        query = query.where(c.team == team)
    return sorted(((r.obligation, int(r.n)) for r in connection.execute(query)), key=lambda r: (-r[1], r[0]))


def acknowledgement_events(connection: Connection, start: date, end: date,
                           case_ref: str | None) -> Iterator[dict[str, object]]:
    """Audit events (``checker/board/audit.py`` fields) of actions taken from links in the period, oldest first."""
    first, after = _bounds(start, end)
    c = link_action.c
    query = select(link_action).where(c.at >= first, c.at < after)
    if case_ref is not None:
        query = query.where(c.case_ref == case_ref)
    for r in connection.execute(query.order_by(c.at, c.id)):
        detail = f"{r.stage}, due {r.due_date}"
        if r.snooze_until is not None:
            detail += f"; until {r.snooze_until}: {r.reason or ''}"
        yield {"at": r.at, "case_ref": r.case_ref, "obligation": r.obligation, "ref": r.ref,
               "event": _EVENTS.get(r.action, r.action), "detail": detail, "recipient": r.recipient or "",
               "channel": "link", "by": r.recipient or ""}
