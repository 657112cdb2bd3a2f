"""The delivery window: working days, between the profile's start and end times, Europe/London."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from rules.calendar import WorkingCalendar

LONDON = ZoneInfo("Europe/London")


class Window(Protocol):
    """When messages to people may go out. Operator alerts ignore it."""

    def contains(self, now: datetime) -> bool: ...

    def next_open(self, now: datetime) -> datetime: ...


@dataclass(frozen=True, slots=True)
class AnyTime:
    """Always open: for the demo and trying the tool out against a local sink, where nobody is woken."""

    def contains(self, now: datetime) -> bool:
        return True

    def next_open(self, now: datetime) -> datetime:
        return now


@dataclass(frozen=True, slots=True)
class WorkingWindow:
    calendar: WorkingCalendar
    start: time
    end: time

    def contains(self, now: datetime) -> bool:
        local = now.astimezone(LONDON)
        return self.calendar.is_working_day(local.date()) and self.start <= local.time() < self.end

    def next_open(self, now: datetime) -> datetime:
        """``now`` if the window is open, else the next opening, as an aware UTC instant."""
        if self.contains(now):
            return now
        local = now.astimezone(LONDON)
        day: date = local.date()
        if not (self.calendar.is_working_day(day) and local.time() < self.start):
            day = self.calendar.working_days_after(day, 1)
        return datetime.combine(day, self.start, tzinfo=LONDON).astimezone(UTC)

    def closes_at(self, now: datetime) -> datetime:
        local = now.astimezone(LONDON)
        return datetime.combine(local.date(), self.end, tzinfo=LONDON).astimezone(UTC)


def london_today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


ONE_DAY = timedelta(days=1)
