"""Absences: an adviser or manager marked away from one date to another (inclusive), with a deputy or none.

While someone is away, the reminders and escalations that would go to them go to their deputy, or, with
no deputy, to the case's team manager (an adviser away) or the senior manager (a manager away); the
message says why (``checker/planning/recipients.py``). Addresses match without regard to case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, insert, select, update

from checker.state.database import inserted_id
from checker.state.schema import absence


@dataclass(frozen=True, slots=True)
class Absence:
    id: int
    email: str
    starts_on: date
    ends_on: date
    deputy: str | None
    created_by: str
    revoked_at: datetime | None


def add(engine: Engine, *, email: str, starts_on: date, ends_on: date, deputy: str | None, created_by: str,
        now: datetime) -> int:
    if ends_on < starts_on:
        raise ValueError(f"--until {ends_on} is before --from {starts_on}")
    if deputy is not None and deputy.casefold() == email.casefold():
        raise ValueError("the deputy is the person who is away")
    with engine.begin() as connection:
        return inserted_id(connection.execute(insert(absence).values(
            email=email.strip(), starts_on=starts_on, ends_on=ends_on, deputy=deputy, created_by=created_by,
            created_at=now)))


def end(engine: Engine, absence_id: int, now: datetime) -> bool:
    with engine.begin() as connection:
        done: int = connection.execute(update(absence).where(absence.c.id == absence_id,
                                                             absence.c.revoked_at.is_(None))
                                       .values(revoked_at=now)).rowcount
    return bool(done)


def _record(r: object) -> Absence:
    return Absence(r.id, r.email, r.starts_on, r.ends_on, r.deputy, r.created_by,  # type: ignore[attr-defined]
                   r.revoked_at)  # type: ignore[attr-defined]


def listing(engine: Engine, on: date | None) -> list[Absence]:
    """Absences recorded, oldest first; only those in force on ``on`` when given."""
    query = select(absence).order_by(absence.c.starts_on, absence.c.id)
    if on is not None:
        query = query.where(absence.c.revoked_at.is_(None), absence.c.starts_on <= on, absence.c.ends_on >= on)
    with engine.connect() as connection:
        return [_record(r) for r in connection.execute(query)]


def away_on(connection: Connection, on: date) -> dict[str, Absence]:
    """casefolded address → its absence in force on ``on`` (the latest recorded, when several)."""
    rows = connection.execute(select(absence).where(absence.c.revoked_at.is_(None), absence.c.starts_on <= on,
                                                    absence.c.ends_on >= on).order_by(absence.c.id))
    return {r.email.casefold(): _record(r) for r in rows}
