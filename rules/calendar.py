"""Dates as the protocols count them (docs/input.md, "The obligations").

- Ages: a person reaches age N on the Nth anniversary of their date of birth; someone born on
  29 February reaches it on 1 March in a year with no 29 February.
- Months: ``X + n months`` is the same day n months later, clamped to the last day of a shorter month
  (31 Aug + 3 months = 30 Nov); subtraction works the same way backwards.
- Working days: Monday to Friday, less the bank holidays of England and Wales (substitute days
  included: the ``holidays`` package's, bundled in ``rules/bank_holidays.py`` for 1990-2100) and local
  closure dates from configuration.
  ``N working days after X`` is the Nth working day strictly after X, whatever day X is.

Nothing here reads configuration or files: closure dates come in as arguments.
"""

from __future__ import annotations

import bisect
import calendar as _calendar
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from rules.bank_holidays import FIRST_YEAR, LAST_YEAR, bank_holidays

_MIN_YEAR = 1900
_MAX_YEAR = 2200


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` (negative to subtract), clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    d = day.day
    if d > 28:  # only the 29th to the 31st can fall beyond the end of a month
        last = 29 if month == 2 and _calendar.isleap(year) else _DAYS_IN_MONTH[month]
        d = min(d, last)
    return date(year, month, d)


# Pure, and asked for the same few birthdays (16, 21, 25) of the same few thousand dates of birth over and
# over: a bounded cache. A date beyond the calendar raises ValueError, which is never cached.
@lru_cache(maxsize=65536)
def birthday(date_of_birth: date, age: int) -> date:
    """The day a person born on ``date_of_birth`` reaches ``age`` (29 February → 1 March)."""
    year = date_of_birth.year + age
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not _calendar.isleap(year):
        return date(year, 3, 1)
    return date_of_birth.replace(year=year)


def turns(date_of_birth: date, years: int, months: int = 0) -> date:
    """The day a person turns ``years`` years and ``months`` months (extended spec §3.1)."""
    reached = birthday(date_of_birth, years)
    return add_months(reached, months) if months else reached


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years of age on ``day`` under the 29 February rule."""
    years = day.year - date_of_birth.year
    if years > 0 and birthday(date_of_birth, years) > day:
        years -= 1
    return years


def is_under(date_of_birth: date, years: int, day: date) -> bool:
    """True while the person has not yet reached ``years`` on ``day``."""
    return day < birthday(date_of_birth, years)


@lru_cache(maxsize=8)
def _bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    # England and Wales share one list of bank holidays, substitute ("observed") days included: the bundled
    # table for its years, the ``holidays`` package itself only for years beyond it.
    if first_year >= FIRST_YEAR and last_year <= LAST_YEAR:
        return bank_holidays(first_year, last_year)
    import holidays  # noqa: PLC0415 - a tenth of a second to import; the table covers the usual years

    table = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return frozenset(table.keys())


class WorkingCalendar:
    """Working days in England and Wales plus local closures.

    Built once per run; answers in O(log n) from a sorted list of the non-working weekdays,
    so a million cases cost a million bisects, not a million day-by-day walks.
    """

    __slots__ = ("_closed", "closures")

    def __init__(self, closures: Iterable[date] = (), years: tuple[int, int] = (1990, 2100)) -> None:
        first, last = years
        if not (_MIN_YEAR <= first <= last <= _MAX_YEAR):
            raise ValueError(f"calendar years {first}-{last} are outside {_MIN_YEAR}-{_MAX_YEAR}")
        self.closures: frozenset[date] = frozenset(closures)
        closed = {d for d in _bank_holidays(first, last) | self.closures if d.weekday() < 5}
        self._closed: list[int] = sorted(d.toordinal() for d in closed)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        ordinal = day.toordinal()
        i = bisect.bisect_left(self._closed, ordinal)
        return not (i < len(self._closed) and self._closed[i] == ordinal)

    def _count_through(self, ordinal: int) -> int:
        """Number of working days on or before the day with this ordinal (relative to an epoch)."""
        # date.toordinal(1) is Monday 1 January 0001: weekday of ordinal o is (o - 1) % 7.
        weeks, rest = divmod(ordinal, 7)
        # ordinals 1..5 of each 7-block (o % 7 in 1..5) are Mon..Fri.
        weekdays = weeks * 5 + min(rest, 5)
        return weekdays - bisect.bisect_right(self._closed, ordinal)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``w`` with ``start < w <= end`` (0 when ``end <= start``)."""
        if end <= start:
            return 0
        return self._count_through(end.toordinal()) - self._count_through(start.toordinal())

    def working_days_after(self, day: date, n: int) -> date:
        """The ``n``-th working day strictly after ``day`` (``n >= 0``; 0 gives ``day`` itself)."""
        if n < 0:
            raise ValueError("working_days_after counts forwards; n must be >= 0")
        if n == 0:
            return day
        target = self._count_through(day.toordinal()) + n
        # Smallest ordinal whose running count reaches target: widen the window until it holds
        # n working days (long local closures are allowed), then bisect it.
        low = day.toordinal() + 1
        high = day.toordinal() + 2 * n + 7
        while self._count_through(high) < target:
            high += 2 * n + 7
        while low < high:
            mid = (low + high) // 2
            if self._count_through(mid) >= target:
                high = mid
            else:
                low = mid + 1
        return date.fromordinal(low)

