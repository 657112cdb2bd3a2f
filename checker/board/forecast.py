"""What becomes due in the next weeks, per week and per adviser: so a manager sees a crunch coming.

Counted from the state database's open obligation instances (as the last tick left them): each one not
yet met whose due date falls in one of the next ``weeks`` weeks, a week running Monday to Sunday from the
week of ``today``. A recurring obligation counts its next due date only; later rounds are not known yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, func, select

from checker.state.schema import obligation_instance

i = obligation_instance.c


@dataclass(frozen=True, order=True)
class ForecastRow:
    week_starting: date
    adviser: str
    team: str
    due: int


def forecast(connection: Connection, today: date, weeks: int, team: str | None = None) -> list[ForecastRow]:
    if weeks < 1:
        raise ValueError("--weeks must be at least 1")
    first = today - timedelta(days=today.weekday())
    until = first + timedelta(weeks=weeks)
    query = (select(i.due_date, i.adviser_email, i.team, func.count().label("n"))
             .where(i.closed_at.is_(None), i.status != "met", i.due_date >= today, i.due_date < until)
             .group_by(i.due_date, i.adviser_email, i.team))
    if team is not None:
        query = query.where(i.team == team)
    counts: Counter[tuple[date, str, str]] = Counter()
    for row in connection.execute(query):
        week = row.due_date - timedelta(days=row.due_date.weekday())
        counts[(week, row.adviser_email or "(no adviser)", row.team or "")] += row.n
    return sorted(ForecastRow(week, adviser, team_name, n) for (week, adviser, team_name), n in counts.items())
