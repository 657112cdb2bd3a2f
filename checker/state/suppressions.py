"""Snoozes and waivers: recorded with who, why and until when, and shown by ``checker explain``.

- snooze: the owner's reminders pause until the expiry date (inclusive); escalations and digests
  still show the obligation, because a snooze is the adviser's, not the manager's, decision.
- waive: the obligation plans nothing at all (no reminder, no escalation, not in digests as overdue)
  until the expiry date, for when the protocol step does not fit this young person.
Recording one cancels the reminders already planned for it and not yet sent. One can be lifted early
(``lift``: who and when are kept, and shown by ``checker history``): lifting undoes it, so the items it
cancelled unsent are forgotten and the next tick plans them again while their stage still stands (one
sent before it stays told; a stage passed meanwhile is not told late, the current one is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Connection, Engine, delete, insert, select, update

from checker.state.database import inserted_id
from checker.state.notifications import cancel_unsent
from checker.state.schema import KEY, WHO, notification, obligation_instance, suppression

Kind = Literal["snooze", "waive"]
OWNER_STAGES = _OWNER_STAGES = ("lead-", "due", "overdue-")


@dataclass(frozen=True, slots=True)
class Suppression:
    id: int
    kind: str
    case_ref: str
    obligation: str
    ref: str
    reason: str
    until: date
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None = None

    def state(self, today: date) -> str:
        if self.revoked_at is not None:
            return "lifted"
        return "in force" if self.until >= today else "expired"


def _record(r: Any) -> Suppression:
    return Suppression(r.id, r.kind, r.case_ref, r.obligation, r.ref, r.reason, r.until, r.created_by,
                       r.created_at, r.revoked_at, r.revoked_by)


def unknown_target(connection: Connection, case_ref: str, obligation: str, ref: str) -> str | None:
    """Why (case, obligation, ref) cannot be snoozed or waived, or ``None`` when a tick has reported it.

    A case is known once a tick has reported any obligation of it; an obligation of a known case once a
    tick has found that it applies to the case.
    """
    rows = connection.execute(select(obligation_instance.c.obligation, obligation_instance.c.ref).where(
        obligation_instance.c.case_ref == case_ref)).all()
    if not rows:
        return (f"case {case_ref} is not known to the state database: no tick has reported an obligation of it "
                "(check the reference, or run a tick first)")
    if not any(r.obligation == obligation for r in rows):
        return f"{obligation} does not apply to case {case_ref} (no tick has reported it for that case)"
    if not any(r.obligation == obligation and r.ref == ref for r in rows):
        refs = sorted(r.ref for r in rows if r.obligation == obligation and r.ref)
        which = f"give --ref, one of: {', '.join(refs)}" if refs else "it has no --ref"
        return f"case {case_ref} has no {obligation} {ref or 'without a --ref'}; {which}"
    return None


def add(engine: Engine, *, kind: Kind, case_ref: str, obligation: str, ref: str, reason: str, until: date,
        created_by: str, now: datetime, today: date) -> int:
    """Record a snooze or waiver; refuse one without a reason or with an expiry in the past."""
    if not reason.strip():
        raise ValueError("a reason is required")
    if until < today:
        raise ValueError(f"the expiry date {until} is in the past")
    for name, value, limit in (("CASE_REF", case_ref, KEY), ("the dispute ref", ref, KEY), ("--by", created_by, WHO)):
        if len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    with engine.begin() as connection:
        return record(connection, kind=kind, case_ref=case_ref, obligation=obligation, ref=ref, reason=reason,
                      until=until, created_by=created_by, now=now)


def record(connection: Connection, *, kind: Kind, case_ref: str, obligation: str, ref: str, reason: str,
           until: date, created_by: str, now: datetime) -> int:
    """Insert a snooze or waiver checked already, in the caller's transaction; cancel what it silences."""
    result = connection.execute(insert(suppression).values(
        kind=kind, case_ref=case_ref, obligation=obligation, ref=ref, reason=reason.strip(), until=until,
        created_by=created_by, created_at=now))
    instance_ids = connection.execute(select(obligation_instance.c.id).where(
        obligation_instance.c.case_ref == case_ref, obligation_instance.c.obligation == obligation,
        obligation_instance.c.ref == ref)).scalars().all()
    for instance_id in instance_ids:
        cancel_unsent(connection, instance_id, _cancel_note(kind, until),
                      stages=_OWNER_STAGES if kind == "snooze" else None)
    return inserted_id(result)


def lift(engine: Engine, ids: Iterable[int], by: str, now: datetime) -> int:
    """Lift the snoozes or waivers ``ids`` not lifted already, recording who and when; return how many."""
    wanted = list(ids)
    if not wanted:
        return 0
    with engine.begin() as connection:
        lifted = connection.execute(select(suppression).where(suppression.c.id.in_(wanted),
                                                              suppression.c.revoked_at.is_(None))).all()
        done: int = connection.execute(update(suppression).where(suppression.c.id.in_(wanted),
                                                                 suppression.c.revoked_at.is_(None))
                                       .values(revoked_at=now, revoked_by=by)).rowcount
        for row in lifted:
            _forget_silenced(connection, row)
    return done


def _forget_silenced(connection: Connection, row: Any) -> None:
    """Forget the items a lifted snooze or waiver cancelled before they were sent, so the next tick plans
    them again while they still stand (an item's key is unique: a cancelled one would block it for good).
    Items sent before it stay; the snooze itself, who made it and who lifted it, stay in its row."""
    instance_ids = select(obligation_instance.c.id).where(
        obligation_instance.c.case_ref == row.case_ref, obligation_instance.c.obligation == row.obligation,
        obligation_instance.c.ref == row.ref).scalar_subquery()
    connection.execute(delete(notification).where(
        notification.c.instance_id.in_(instance_ids), notification.c.state == "cancelled",
        notification.c.note == _cancel_note(row.kind, row.until)))


def _cancel_note(kind: str, until: date) -> str:
    """The note ``record`` leaves on the items it cancels (``cancel_unsent`` cancels only unsent ones)."""
    return f"{kind}d until {until}"[:400]


def listing(engine: Engine, kind: Kind, *, case_ref: str | None = None, obligation: str | None = None,
            ref: str | None = None, in_force_on: date | None = None) -> list[Suppression]:
    """The snoozes or waivers recorded, oldest first: of one case (and obligation, ref) when given, and
    only those in force on ``in_force_on`` when given (not lifted, not expired)."""
    query = select(suppression).where(suppression.c.kind == kind).order_by(suppression.c.id)
    if case_ref is not None:
        query = query.where(suppression.c.case_ref == case_ref)
    if obligation is not None:
        query = query.where(suppression.c.obligation == obligation)
    if ref is not None:
        query = query.where(suppression.c.ref == ref)
    if in_force_on is not None:
        query = query.where(suppression.c.revoked_at.is_(None), suppression.c.until >= in_force_on)
    with engine.connect() as connection:
        return [_record(r) for r in connection.execute(query)]


def active(connection: Connection, today: date) -> dict[tuple[str, str, str], str]:
    """(case_ref, obligation, ref) → "waive" or "snooze" for every suppression in force on ``today``: read once
    per tick (they are recorded by hand, so few), not once per batch of cases."""
    found: dict[tuple[str, str, str], str] = {}
    s = suppression.c
    for case_ref, obligation, ref, kind in connection.execute(
            select(s.case_ref, s.obligation, s.ref, s.kind).where(s.revoked_at.is_(None), s.until >= today)):
        key = (case_ref, obligation, ref)
        if found.get(key) != "waive":
            found[key] = kind
    return found


def for_case(engine: Engine, case_ref: str) -> list[Suppression]:
    with engine.connect() as connection:
        rows = connection.execute(select(suppression).where(suppression.c.case_ref == case_ref)
                                  .order_by(suppression.c.id)).all()
    return [_record(r) for r in rows]

