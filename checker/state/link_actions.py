"""What recipients did from the links in their messages (table ``link_action``, one row per link used).

The row's unique ``nonce`` is the link's one-time number, so recording an action IS using the link: a
second use of the same link breaks the unique constraint, in the same transaction as the action, and
nothing else is written. Each row keeps the recipient the link was issued to (erased with other personal
data by ``retention.py``), the item's due date and reminder stage, and, for a snooze, until when and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from checker.actions.links import phase
from checker.state.schema import link_action, obligation_instance

AckKey = tuple[int, date, str]  # (instance id, due date, stage phase: "lead-5", "due", "overdue")


@dataclass(frozen=True, slots=True)
class LinkAction:
    action: str
    case_ref: str
    obligation: str
    ref: str
    due_date: date
    stage: str
    recipient: str | None
    at: datetime
    snooze_until: date | None
    reason: str | None
    initials: str | None = None


def used(connection: Connection, nonce: str) -> bool:
    return connection.execute(select(link_action.c.id).where(link_action.c.nonce == nonce)).first() is not None


def record(connection: Connection, *, nonce: str, action: str, instance: Any, stage: str, recipient: str,
           now: datetime, snooze_until: date | None = None, reason: str | None = None) -> None:
    """Record ``action`` on ``instance`` (an ``obligation_instance`` row); a used nonce raises IntegrityError."""
    row = instance
    connection.execute(insert(link_action).values(
        nonce=nonce, action=action, instance_id=row.id, case_ref=row.case_ref, obligation=row.obligation,
        ref=row.ref, team=row.team, due_date=row.due_date, stage=stage, recipient=recipient, at=now,
        snooze_until=snooze_until, reason=reason))


def acknowledged(connection: Connection) -> set[AckKey]:
    """The (instance, due date, phase) acknowledged, for the planner to skip those repeat reminders: read once per
    tick (a recipient's clicks, so few), not once per batch of cases."""
    a = link_action.c
    rows = connection.execute(select(a.instance_id, a.due_date, a.stage).where(a.action == "acknowledge"))
    return {(instance_id, due, phase(stage)) for instance_id, due, stage in rows}


def _shape(rows: Iterable[Any]) -> list[LinkAction]:
    return [LinkAction(r.action, r.case_ref, r.obligation, r.ref, r.due_date, r.stage, r.recipient, r.at,
                       r.snooze_until, r.reason, getattr(r, "initials", None)) for r in rows]


def for_case(connection: Connection, case_ref: str) -> list[LinkAction]:
    return _shape(connection.execute(select(link_action).where(link_action.c.case_ref == case_ref)
                                     .order_by(link_action.c.at, link_action.c.id)))


def since_for_manager(connection: Connection, manager: str | None, since: datetime | None) -> list[LinkAction]:
    """Actions on the items of ``manager``'s advisers since ``since`` (all when ``None``), for the digest."""
    i = obligation_instance.c
    query = (select(link_action, i.initials).join(obligation_instance, i.id == link_action.c.instance_id)
             .order_by(link_action.c.at, link_action.c.id))
    query = query.where(obligation_instance.c.manager_email.is_(None) if manager is None
                        else obligation_instance.c.manager_email == manager)
    if since is not None:
        query = query.where(link_action.c.at >= since)
    return _shape(connection.execute(query))
