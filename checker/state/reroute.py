"""Re-routing the items of a reminder whose address the mail service refused for good.

When the mail service says an address does not exist (SMTP 550 to ``RCPT TO``, a Graph mailbox not
found: ``DeliveryError.reason == RECIPIENT_REFUSED``), the message is parked as before, and each of
its items still to be told goes to the case's team manager in a new message, with a routing note
saying why and without the young person's name or the adviser's action links (they act as the adviser).
An item whose manager is that same refused address, or is not recorded, stays only in the parked
message, for the operator.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, and_, select, update

from checker.state.database import inserted_id
from checker.state.notifications import message_key
from checker.state.schema import notification, obligation_instance, outbox
from notifiers.outcome import RECIPIENT_REFUSED

__all__ = ["RECIPIENT_REFUSED", "reroute_refused"]

NOTE = "The mail service refused the personal adviser's email address for good; sent to the team manager."


def reroute_refused(connection: Connection, message_id: int, refused: str, now: datetime) -> dict[str, int]:
    """Give the live items of message ``message_id`` to their team managers; return {manager: items}."""
    rows = connection.execute(
        select(notification, obligation_instance.c.manager_email)
        .join(obligation_instance, obligation_instance.c.id == notification.c.instance_id)
        .where(and_(notification.c.message_id == message_id, notification.c.state == "planned"))
        .order_by(notification.c.id)).all()
    by_manager: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        manager = row.manager_email
        if not manager or manager.casefold() == refused.casefold():
            continue
        exists = connection.execute(select(notification.c.id).where(
            notification.c.case_ref == row.case_ref, notification.c.obligation == row.obligation,
            notification.c.ref == row.ref, notification.c.due_date == row.due_date, notification.c.stage == row.stage,
            notification.c.recipient == manager, notification.c.channel == row.channel)).first()
        if exists is not None:
            continue  # the manager has this item already
        facts = json.loads(row.facts) if row.facts else {}
        facts.update(given_name=None, family_name=None, routing_note=NOTE)
        facts.pop("actions", None)
        result = connection.execute(notification.insert().values(
            instance_id=row.instance_id, case_ref=row.case_ref, obligation=row.obligation, ref=row.ref,
            due_date=row.due_date, stage=row.stage, recipient=manager, channel=row.channel, state="planned",
            facts=json.dumps(facts), created_at=now, note="re-routed: the adviser's address was refused"))
        by_manager[manager].append(inserted_id(result))
    for manager, ids in by_manager.items():
        result = connection.execute(outbox.insert().values(
            key=message_key(f"reroute:{message_id}:{manager}"), kind="reminder", recipient=manager, channel="email",
            state="pending", attempts=0, next_attempt_at=now, created_at=now))
        new_id = inserted_id(result)
        connection.execute(update(notification).where(notification.c.id.in_(ids)).values(message_id=new_id))
    return {manager: len(ids) for manager, ids in by_manager.items()}
