"""Purging what is no longer needed: the content of messages already sent or cancelled, and, after a
longer period of their own, the personal fields and error texts of the audit tables.

A message's rendered text (``outbox.rendered``), its payload (``outbox.payload``: digest and alert
facts) and its items' facts (``notification.facts``) may carry a young person's name and details; they
are kept only while the message may still be sent or retried, and for ``keep`` after it was sent or
cancelled (to answer "what exactly did that email say?" for a while). After that only the audit trail
stays: which obligation of which case reference was told to whom, when, on which channel, and how it
went. Parked and pending messages are never purged: they are still to be sent.

The audit trail itself keeps initials (``obligation_instance.initials``), e-mail addresses
(``obligation_instance.adviser_email`` and ``manager_email``, every ``recipient`` and the outbox ``key``
made from it), the names of those who snoozed or waived (``suppression.created_by``) or lifted one early
(``revoked_by``) and their reasons, the names of
operators who retried or dropped a held or parked message (``outbox_action.by``), the recipient an
action link was issued to and a snooze's reason given from it (``link_action``), absences (``absence``:
deleted whole once they ended ``keep`` ago),
and error texts (``run.error``, ``outbox.last_error``). ``purge_personal_data`` erases them once the
business they belong to finished ``keep`` ago (setting ``retention.keep_personal_data_days``, a year by
default): an obligation closed, a message sent or cancelled, a snooze or waiver expired or revoked, a run
finished, an operator's outbox decision made, a link used. What stays is which obligation of which case reference
was told, when, on which channel, with which outcome. An erased address reads ``erased:<row id>`` (the
column may not be empty, and a notification's address is part of its unique key).

Both purges read whole tables (the items, the instances, the board's history), which costs a tick at
100,000 cases about 0.4 s even when nothing is due. A tick therefore runs them only when it is the day's
first good tick (``purge_due``: no earlier tick that finished ``ok`` started on the same UTC date): what
passes its retention period is purged by the next day's first tick at the latest, so at most a day late.
A ``keep`` of less than a day (``delivery.keep_sent_content_days = 0``: purge once sent) is honoured on
every tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, String, and_, case, cast, desc, func, literal, or_, select, update

from checker.state.schema import (
    absence,
    due_occurrence,
    link_action,
    notification,
    obligation_instance,
    outbox,
    outbox_action,
    run,
    suppression,
)

FINISHED = ("sent", "cancelled")
DAY = timedelta(days=1)


def purge_due(engine: Engine, run_id: int, now: datetime, keep: timedelta) -> bool:
    """Whether the tick of ``run_id`` (started at ``now``) purges what is older than ``keep``: always for a
    ``keep`` under a day, otherwise only as the first good tick of its UTC date."""
    if keep < DAY:
        return True
    with engine.connect() as connection:
        previous = connection.execute(  # the newest earlier good tick: found walking the run ids down
            select(run.c.started_at).where(run.c.id < run_id, run.c.kind == "tick", run.c.outcome == "ok")
            .order_by(desc(run.c.id)).limit(1)).scalar()
    return previous is None or previous.astimezone(UTC).date() != now.astimezone(UTC).date()


@dataclass(frozen=True, slots=True)
class Purged:
    messages: int
    items: int


def purge_message_content(engine: Engine, now: datetime, keep: timedelta) -> Purged:
    """Drop the content of messages sent or cancelled before ``now - keep``; say how many rows changed."""
    before = now - keep
    finished_long_ago = and_(outbox.c.state.in_(FINISHED),
                             func.coalesce(outbox.c.sent_at, outbox.c.created_at) < before)
    with engine.begin() as connection:
        items = connection.execute(
            update(notification)
            .where(notification.c.facts.is_not(None),
                   or_(and_(notification.c.state == "cancelled", notification.c.created_at < before),
                       notification.c.message_id.in_(select(outbox.c.id).where(finished_long_ago))))
            .values(facts=None)
        ).rowcount
        messages = connection.execute(
            update(outbox).where(finished_long_ago, or_(outbox.c.payload.is_not(None), outbox.c.rendered.is_not(None)))
            .values(payload=None, rendered=None)
        ).rowcount
    return Purged(messages, items)


@dataclass(frozen=True, slots=True)
class Erased:
    instances: int
    items: int
    messages: int
    runs: int
    suppressions: int
    decisions: int = 0  # operators' names on outbox decisions (retry, drop)


ERASED = "erased"


def purge_personal_data(engine: Engine, now: datetime, keep: timedelta) -> Erased:
    """Erase the personal fields and error texts of business that finished before ``now - keep``."""
    before = now - keep
    with engine.begin() as connection:
        instances = connection.execute(
            update(obligation_instance)
            .where(obligation_instance.c.closed_at < before,
                   or_(obligation_instance.c.initials.is_not(None), obligation_instance.c.adviser_email.is_not(None),
                       obligation_instance.c.manager_email.is_not(None)))
            .values(initials=None, adviser_email=None, manager_email=None)
        ).rowcount
        finished_message = and_(outbox.c.state.in_(FINISHED), func.coalesce(outbox.c.sent_at, outbox.c.created_at)
                                < before)
        items = connection.execute(
            update(notification)
            .where(~notification.c.recipient.startswith(f"{ERASED}:"),
                   or_(and_(notification.c.state == "cancelled", notification.c.created_at < before),
                       notification.c.message_id.in_(select(outbox.c.id).where(finished_message))))
            .values(recipient=_erased(notification.c.id), facts=None)
        ).rowcount
        messages = connection.execute(
            update(outbox).where(finished_message, ~outbox.c.recipient.startswith(f"{ERASED}:"))
            .values(recipient=_erased(outbox.c.id), key=_erased(outbox.c.id), last_error=None, progress=None,
                    payload=None, rendered=None)
        ).rowcount
        runs = connection.execute(
            update(run).where(run.c.finished_at < before, run.c.error.is_not(None)).values(error=None)
        ).rowcount
        suppressions = connection.execute(
            update(suppression)
            .where(or_(suppression.c.until < before.date(), suppression.c.revoked_at < before),
                   suppression.c.created_by != ERASED)
            .values(created_by=ERASED, reason=ERASED,
                    revoked_by=case((suppression.c.revoked_by.is_(None), None), else_=ERASED))
        ).rowcount
        decisions = connection.execute(
            update(outbox_action).where(outbox_action.c.at < before, outbox_action.c.by != ERASED).values(by=ERASED)
        ).rowcount
        connection.execute(  # who was away, and who deputised, long ago: nothing of it is audit trail
            absence.delete().where(or_(absence.c.ends_on < before.date(), absence.c.revoked_at < before)))
        connection.execute(  # what was done from a message's link, long ago: the action and the item stay
            update(link_action).where(link_action.c.at < before, link_action.c.recipient.is_not(None))
            .values(recipient=None, reason=None))
        connection.execute(  # the board's history (state/occurrences.py): the adviser of what ended long ago
            update(due_occurrence).where(due_occurrence.c.ended_on < before.date(),
                                         due_occurrence.c.adviser_email.is_not(None)).values(adviser_email=None))
    return Erased(instances, items, messages, runs, suppressions, decisions)


def _erased(ident: ColumnElement[int]) -> ColumnElement[str]:
    return literal(f"{ERASED}:").concat(cast(ident, String))
