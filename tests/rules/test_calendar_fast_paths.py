"""The fast paths of rules/calendar.py give the answers (and the errors) of the plain arithmetic.

``add_months`` clamps with a table of month lengths instead of ``calendar.monthrange``, and
``birthday`` is cached: both are checked here against the plain versions over every day of decades.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from rules.calendar import add_months, birthday

MONTHS = (-25, -12, -6, -3, -1, 0, 1, 2, 3, 6, 9, 11, 12, 18, 24, 120)


def plain_add_months(day: date, months: int) -> date:
    year, month0 = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def plain_birthday(date_of_birth: date, age: int) -> date:
    year = date_of_birth.year + age
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date_of_birth.replace(year=year)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_add_months_matches_the_plain_arithmetic_on_every_day() -> None:
    for day in days(date(1995, 1, 1), date(2035, 12, 31)):
        for months in MONTHS:
            assert add_months(day, months) == plain_add_months(day, months), (day, months)


@pytest.mark.parametrize(("day", "months"), [(date(9999, 12, 31), 1), (date(9999, 1, 31), 12), (date(1, 1, 31), -1)])
def test_add_months_beyond_the_calendar_raises_as_before(day: date, months: int) -> None:
    with pytest.raises(ValueError, match="out of range") as ours:
        add_months(day, months)
    with pytest.raises(ValueError, match="out of range") as plain:
        plain_add_months(day, months)
    assert str(ours.value) == str(plain.value)


def test_the_cached_birthday_matches_the_plain_one() -> None:
    for _ in range(2):  # the second round is answered from the cache
        for dob in days(date(1999, 1, 1), date(2012, 12, 31)):
            for age in (0, 16, 17, 18, 21, 25):
                assert birthday(dob, age) == plain_birthday(dob, age)


def test_a_birthday_beyond_the_calendar_raises_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="out of range"):
            birthday(date(9990, 5, 1), 25)
    assert birthday.cache_info().maxsize is not None
