"""Read-only questions the planner and the CLI ask of the state: digests, history, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from checker.state.schema import instance_event, notification, obligation_instance, outbox, suppression


def digest_recipients(connection: Connection) -> Iterator[Any]:
    """Each (manager_email, team) with open instances: who a weekly digest may go to."""
    return iter(connection.execute(
        select(obligation_instance.c.manager_email, obligation_instance.c.team)
        .where(obligation_instance.c.closed_at.is_(None)).distinct()
    ).all())


def _waived(today: date) -> Any:
    return select(suppression.c.case_ref, suppression.c.obligation, suppression.c.ref).where(
        suppression.c.kind == "waive", suppression.c.revoked_at.is_(None), suppression.c.until >= today)


def _manager_is(manager: str | None) -> Any:
    column = obligation_instance.c.manager_email
    return column.is_(None) if manager is None else column == manager


def overdue_for_manager(connection: Connection, manager: str | None, today: date) -> list[Any]:
    """Open overdue instances of the manager's cases, not waived, most overdue first."""
    waived = _waived(today).subquery()
    return list(connection.execute(
        select(obligation_instance)
        .outerjoin(waived, and_(waived.c.case_ref == obligation_instance.c.case_ref,
                                waived.c.obligation == obligation_instance.c.obligation,
                                waived.c.ref == obligation_instance.c.ref))
        .where(_manager_is(manager), obligation_instance.c.closed_at.is_(None),
               obligation_instance.c.status == "overdue", waived.c.case_ref.is_(None))
        .order_by(obligation_instance.c.adviser_email, obligation_instance.c.working_days_overdue.desc())
    ).all())


def changed_since(connection: Connection, manager: str | None, since: datetime | None,
                  new_status: str) -> list[Any]:
    """Instances of the manager's cases whose status became ``new_status`` after ``since``."""
    query = (
        select(obligation_instance, instance_event.c.at)
        .join(instance_event, instance_event.c.instance_id == obligation_instance.c.id)
        .where(_manager_is(manager), instance_event.c.event == "status_changed",
               instance_event.c.new_value == new_status)
        .order_by(instance_event.c.at)
    )
    if since is not None:
        query = query.where(instance_event.c.at > since)
    return list(connection.execute(query).all())


def last_digest_sent(connection: Connection, recipient: str) -> datetime | None:
    value: datetime | None = connection.execute(
        select(func.max(outbox.c.sent_at)).where(outbox.c.kind == "digest", outbox.c.recipient == recipient,
                                                  outbox.c.state == "sent")
    ).scalar()
    return value


def summary_since(connection: Connection, recipient: str, since: datetime) -> bool:
    """Whether a go-live summary was planned for ``recipient`` at or after ``since``."""
    return connection.execute(
        select(outbox.c.id).where(outbox.c.kind == "summary", outbox.c.recipient == recipient,
                                  outbox.c.created_at >= since).limit(1)
    ).first() is not None


def case_history(connection: Connection, case_ref: str) -> tuple[list[Any], list[Any]]:
    """The instance events and the notifications of one case, oldest first (the audit trail)."""
    events = connection.execute(
        select(obligation_instance.c.obligation, obligation_instance.c.ref, instance_event)
        .join(instance_event, instance_event.c.instance_id == obligation_instance.c.id)
        .where(obligation_instance.c.case_ref == case_ref).order_by(instance_event.c.at, instance_event.c.id)
    ).all()
    notes = connection.execute(
        select(notification.c.obligation, notification.c.ref, notification.c.due_date, notification.c.stage,
               notification.c.recipient, notification.c.channel, notification.c.state, notification.c.note,
               notification.c.created_at, outbox.c.state.label("message_state"), outbox.c.sent_at)
        .outerjoin(outbox, outbox.c.id == notification.c.message_id)
        .where(notification.c.case_ref == case_ref).order_by(notification.c.created_at, notification.c.id)
    ).all()
    return list(events), list(notes)
