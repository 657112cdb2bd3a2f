"""The bundled England and Wales bank holidays (rules/bank_holidays.py) are the ``holidays`` package's, and the
calendar uses the package itself only for years beyond them."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import date

import holidays
import pytest

from rules import bank_holidays
from rules.calendar import WorkingCalendar


def package_lines() -> list[str]:
    """The table's lines as the installed package gives them: what TABLE should hold."""
    table = holidays.country_holidays("GB", subdiv="ENG",
                                      years=range(bank_holidays.FIRST_YEAR, bank_holidays.LAST_YEAR + 1))
    by_year: dict[int, list[str]] = defaultdict(list)
    for day in sorted(table):
        by_year[day.year].append(f"{day:%m%d}")
    return [f"{year} {' '.join(days)}" for year, days in by_year.items()]


def test_the_table_is_what_the_holidays_package_gives() -> None:
    assert bank_holidays.TABLE.strip().split("\n") == package_lines()  # on failure: paste the right-hand lines


@pytest.mark.parametrize(("first", "last"), [(1990, 2100), (2022, 2023), (2100, 2100)])
def test_a_range_of_years_is_that_range_of_the_package(first: int, last: int) -> None:
    expected = holidays.country_holidays("GB", subdiv="ENG", years=range(first, last + 1))
    assert bank_holidays.bank_holidays(first, last) == frozenset(expected)


def test_the_one_off_days_are_in_it() -> None:
    days = bank_holidays.bank_holidays(1999, 2023)
    assert {date(1999, 12, 31), date(2002, 6, 3), date(2011, 4, 29), date(2012, 6, 5), date(2022, 6, 3),
            date(2022, 9, 19), date(2023, 5, 8)} <= days
    assert date(2020, 5, 4) not in days  # the early May bank holiday of 2020 moved to Friday 8 May
    assert date(2020, 5, 8) in days


def test_years_beyond_the_table_are_refused_by_it_and_taken_from_the_package() -> None:
    with pytest.raises(ValueError, match="cover 1990-2100"):
        bank_holidays.bank_holidays(1989, 2000)
    calendar = WorkingCalendar(years=(1980, 1989))
    assert not calendar.is_working_day(date(1981, 7, 29))  # the royal wedding of 1981, only in the package
    assert calendar.is_working_day(date(1981, 7, 28))


def test_the_default_calendar_does_not_import_the_package() -> None:
    probe = ("import sys; from datetime import date; from rules.calendar import WorkingCalendar; "
             "c = WorkingCalendar(); assert not c.is_working_day(date(2026, 12, 28)); "
             "print('holidays' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
