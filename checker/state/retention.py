"""Purging what is no longer needed: the content of messages already sent or cancelled.

A message's rendered text (``outbox.rendered``), its payload (``outbox.payload``: digest and alert
facts) and its items' facts (``notification.facts``) may carry a young person's name and details; they
are kept only while the message may still be sent or retried, and for ``keep`` after it was sent or
cancelled (to answer "what exactly did that email say?" for a while). After that only the audit trail
stays: which obligation of which case reference was told to whom, when, on which channel, and how it
went. Parked and pending messages are never purged: they are still to be sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, and_, func, or_, select, update

from checker.state.schema import notification, outbox

FINISHED = ("sent", "cancelled")


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
