"""Dates as docs/input.md counts them: ages, adding months, working days.

Every example in the spec has its own test with the expected date written out by hand; the hypothesis
properties below check the arithmetic in general, against definitions written here from the spec (a
day-by-day walk, and the England and Wales bank-holiday rules worked out from first principles).
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.profiles import load_profile
from rules.calendar import WorkingCalendar, add_months, age_on, birthday, is_under, turns

CAL = WorkingCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- Age: the Nth anniversary; 29 February reaches it on 1 March in a common year ----------------------

@pytest.mark.parametrize(("dob", "age", "expected"), [
    pytest.param("2008-02-29", 17, "2025-03-01", id="29feb-common-year-1-march"),
    pytest.param("2008-02-29", 16, "2024-02-29", id="29feb-leap-year-29-feb"),
    pytest.param("2004-02-29", 21, "2025-03-01", id="29feb-21st"),
    pytest.param("2000-02-29", 25, "2025-03-01", id="29feb-25th"),
    pytest.param("2009-05-10", 16, "2025-05-10", id="ordinary"),
    pytest.param("2008-02-28", 17, "2025-02-28", id="28feb-stays-28feb"),
    pytest.param("2009-03-01", 16, "2025-03-01", id="1mar"),
    pytest.param("2005-12-31", 21, "2026-12-31", id="31dec"),
])
def test_birthday(dob: str, age: int, expected: str) -> None:
    assert birthday(d(dob), age) == d(expected)


def test_someone_born_on_29_february_is_still_16_on_28_february_and_17_on_1_march() -> None:
    dob = d("2008-02-29")
    assert age_on(dob, d("2025-02-28")) == 16
    assert age_on(dob, d("2025-03-01")) == 17
    assert age_on(dob, d("2024-02-28")) == 15
    assert age_on(dob, d("2024-02-29")) == 16
    assert is_under(dob, 17, d("2025-02-28"))
    assert not is_under(dob, 17, d("2025-03-01"))


def test_under_21_and_under_25_end_on_the_birthday_itself() -> None:
    assert is_under(d("2005-08-31"), 21, d("2026-08-30"))
    assert not is_under(d("2005-08-31"), 21, d("2026-08-31"))
    assert is_under(d("2000-02-29"), 25, d("2025-02-28"))
    assert not is_under(d("2000-02-29"), 25, d("2025-03-01"))


def test_ages_with_months_extended_3_1_example() -> None:
    """Born 29 Feb 2008: 15y 9m is 1 Dec 2023 (15 on 1 Mar 2023, + 9 months), 17y is 1 Mar 2025."""
    dob = d("2008-02-29")
    assert turns(dob, 15, 9) == d("2023-12-01")
    assert turns(dob, 17) == d("2025-03-01")
    assert turns(dob, 17, 6) == d("2025-09-01")
    assert turns(dob, 16, 0) == d("2024-02-29")


def test_ages_with_months_clamp_to_the_end_of_a_shorter_month() -> None:
    assert turns(d("2008-08-31"), 17, 6) == d("2026-02-28")  # 17 on 31 Aug 2025, + 6 months
    assert turns(d("2010-05-31"), 15, 9) == d("2026-02-28")  # 15 on 31 May 2025, + 9 months
    assert turns(d("2006-05-31"), 17, 9) == d("2024-02-29")  # 17 on 31 May 2023, + 9 months, leap


# --- Adding months: same day, or the last day of a shorter month ---------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    pytest.param("2025-08-31", 3, "2025-11-30", id="31aug+3=30nov"),
    pytest.param("2025-11-30", 3, "2026-02-28", id="30nov+3=28feb"),
    pytest.param("2023-11-30", 3, "2024-02-29", id="30nov+3=29feb-leap"),
    pytest.param("2025-05-31", -3, "2025-02-28", id="31may-3=28feb"),
    pytest.param("2024-05-31", -3, "2024-02-29", id="31may-3=29feb-leap"),
    pytest.param("2024-02-29", 12, "2025-02-28", id="29feb+12-months-is-not-the-age-rule"),
    pytest.param("2024-02-29", 24, "2026-02-28", id="29feb+24"),
    pytest.param("2024-02-29", 48, "2028-02-29", id="29feb+48"),
    pytest.param("2025-12-31", 2, "2026-02-28", id="over-new-year"),
    pytest.param("2026-01-31", -2, "2025-11-30", id="back-over-new-year"),
    pytest.param("2025-01-31", 1, "2025-02-28", id="31jan+1"),
    pytest.param("2025-03-31", 1, "2025-04-30", id="31mar+1"),
    pytest.param("2025-05-10", 3, "2025-08-10", id="plain"),
    pytest.param("2025-09-01", 12, "2026-09-01", id="a-year"),
    pytest.param("2025-02-28", 3, "2025-05-28", id="28feb+3-stays-28"),
    pytest.param("2027-01-31", -3, "2026-10-31", id="31jan-3=31oct"),
    pytest.param("2027-06-30", -3, "2027-03-30", id="30jun-3=30mar"),
    pytest.param("2025-07-15", 0, "2025-07-15", id="zero"),
])
def test_add_months(start: str, months: int, expected: str) -> None:
    assert add_months(d(start), months) == d(expected)


# --- Working days ---------------------------------------------------------------------------------------

# England and Wales bank holidays written out by hand for the years the tests below lean on, substitute
# days included (gov.uk/bank-holidays).
BANK_HOLIDAYS = {
    2022: ["2022-01-03", "2022-04-15", "2022-04-18", "2022-05-02", "2022-06-02", "2022-06-03", "2022-08-29",
           "2022-09-19", "2022-12-26", "2022-12-27"],
    2023: ["2023-01-02", "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
           "2023-12-25", "2023-12-26"],
    2026: ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25",
           "2026-12-28"],
    2027: ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27",
           "2027-12-28"],
}


@pytest.mark.parametrize("year", sorted(BANK_HOLIDAYS))
def test_every_weekday_of_the_year_is_a_working_day_except_the_bank_holidays(year: int) -> None:
    holidays = {d(h) for h in BANK_HOLIDAYS[year]}
    day = date(year, 1, 1)
    while day.year == year:
        assert CAL.is_working_day(day) == (day.weekday() < 5 and day not in holidays), day
        day += timedelta(days=1)


def test_christmas_2027_on_a_saturday_gives_substitute_days_27_and_28_december() -> None:
    assert d("2027-12-25").strftime("%A") == "Saturday"
    assert not CAL.is_working_day(d("2027-12-27"))
    assert not CAL.is_working_day(d("2027-12-28"))
    assert CAL.is_working_day(d("2027-12-24"))
    assert CAL.is_working_day(d("2027-12-29"))
    assert CAL.working_days_after(d("2027-12-24"), 1) == d("2027-12-29")
    assert CAL.working_days_after(d("2027-12-24"), 2) == d("2027-12-30")


def test_boxing_day_2026_on_a_saturday_gives_a_substitute_day_on_28_december() -> None:
    assert d("2026-12-26").strftime("%A") == "Saturday"
    assert not CAL.is_working_day(d("2026-12-25"))
    assert not CAL.is_working_day(d("2026-12-28"))
    assert CAL.is_working_day(d("2026-12-29"))
    assert CAL.working_days_after(d("2026-12-24"), 1) == d("2026-12-29")
    assert CAL.working_days_after(d("2026-12-24"), 2) == d("2026-12-30")


def test_one_off_bank_holidays_count() -> None:
    assert not CAL.is_working_day(d("2022-09-19"))  # the Queen's state funeral
    assert not CAL.is_working_day(d("2023-05-08"))  # the coronation


@pytest.mark.parametrize(("start", "n", "expected"), [
    pytest.param("2026-11-21", 1, "2026-11-23", id="saturday: monday is day 1"),
    pytest.param("2026-11-21", 2, "2026-11-24", id="saturday: tuesday is day 2"),
    pytest.param("2026-11-22", 1, "2026-11-23", id="sunday: monday is day 1"),
    pytest.param("2026-11-22", 2, "2026-11-24", id="sunday: tuesday is day 2"),
    pytest.param("2026-11-20", 1, "2026-11-23", id="friday: monday is day 1"),
    pytest.param("2026-11-18", 2, "2026-11-20", id="wednesday: friday is day 2"),
    pytest.param("2026-11-19", 2, "2026-11-23", id="thursday: monday is day 2"),
    pytest.param("2026-11-23", 1, "2026-11-24", id="strictly after a working day"),
    pytest.param("2026-11-23", 5, "2026-11-30", id="a week"),
    pytest.param("2026-04-02", 1, "2026-04-07", id="over easter"),
    pytest.param("2026-04-03", 2, "2026-04-08", id="from good friday"),
    pytest.param("2026-05-22", 2, "2026-05-27", id="over the spring bank holiday"),
    pytest.param("2026-12-31", 1, "2027-01-04", id="over new year"),
    pytest.param("2026-12-23", 5, "2027-01-04", id="over christmas and new year"),
])
def test_working_days_after(start: str, n: int, expected: str) -> None:
    assert CAL.working_days_after(d(start), n) == d(expected)


@pytest.mark.parametrize(("start", "end", "expected"), [
    pytest.param("2026-11-20", "2026-11-23", 1, id="fri-to-mon"),
    pytest.param("2026-11-21", "2026-11-22", 0, id="sat-to-sun"),
    pytest.param("2026-11-23", "2026-11-23", 0, id="same-day"),
    pytest.param("2026-11-24", "2026-11-23", 0, id="backwards"),
    pytest.param("2025-09-01", "2025-09-05", 4, id="mon-to-fri"),
    pytest.param("2025-09-01", "2025-09-08", 5, id="a-week"),
    pytest.param("2025-09-01", "2025-09-29", 20, id="four-weeks"),
    pytest.param("2025-09-01", "2025-10-27", 40, id="eight-weeks"),
    pytest.param("2026-12-23", "2027-01-04", 5, id="christmas-and-new-year"),
])
def test_working_days_between(start: str, end: str, expected: int) -> None:
    assert CAL.working_days_between(d(start), d(end)) == expected


def test_local_closures_are_not_working_days() -> None:
    cal = WorkingCalendar(closures=[d("2026-11-23"), d("2026-11-28")])  # a Monday, and a Saturday
    assert not cal.is_working_day(d("2026-11-23"))
    assert cal.working_days_after(d("2026-11-21"), 1) == d("2026-11-24")
    assert cal.working_days_after(d("2026-11-21"), 2) == d("2026-11-25")
    assert cal.working_days_between(d("2026-11-20"), d("2026-11-30")) == 5
    assert CAL.is_working_day(d("2026-11-23"))  # not closed by default


def test_local_closures_come_from_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "profiles" / "closed.toml"
    path.parent.mkdir()
    path.write_text('[profile]\nname = "closed"\ntitle = "Closed"\nobligations = ["dispute-escalation"]\n'
                    "[calendar]\nclosures = [2026-11-23, 2026-11-24]\n")
    profile = load_profile(str(path))
    assert not profile.calendar.is_working_day(d("2026-11-23"))
    assert profile.calendar.working_days_after(d("2026-11-21"), 2) == d("2026-11-26")
    lancashire = load_profile("lancashire")
    assert lancashire.calendar.is_working_day(d("2026-11-23"))  # none by default


# --- Properties -----------------------------------------------------------------------------------------

def easter_sunday(year: int) -> date:
    """The anonymous Gregorian computus."""
    a, b, c = year % 19, year // 100, year % 100
    h = (19 * a + b - b // 4 - (b - (b + 8) // 25 + 1) // 3 + 15) % 30
    l_ = (32 + 2 * (b % 4) + 2 * (c // 4) - h - c % 4) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _mondays(year: int, month: int) -> list[date]:
    return [date(year, month, day) for day in range(1, stdlib_calendar.monthrange(year, month)[1] + 1)
            if date(year, month, day).weekday() == 0]


def bank_holidays_by_rule(year: int) -> set[date]:
    """England and Wales bank holidays by the standing rules, substitute days included.

    Only for years with no moved or one-off holiday (not 2020, 2022, 2023 and earlier exceptions).
    """
    out: set[date] = set()
    new_year = date(year, 1, 1)
    out.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    easter = easter_sunday(year)
    out |= {easter - timedelta(days=2), easter + timedelta(days=1)}
    out |= {_mondays(year, 5)[0], _mondays(year, 5)[-1], _mondays(year, 8)[-1]}
    christmas = date(year, 12, 25)
    substitutes = {
        4: [date(year, 12, 25), date(year, 12, 28)],  # Fri: Boxing Day on Saturday moves to Monday
        5: [date(year, 12, 27), date(year, 12, 28)],  # Sat: both move
        6: [date(year, 12, 26), date(year, 12, 27)],  # Sun: Boxing Day Monday, Christmas Tuesday
    }
    out |= set(substitutes.get(christmas.weekday(), [christmas, date(year, 12, 26)]))
    return out


def test_the_rule_based_bank_holidays_match_the_hand_written_list() -> None:
    assert easter_sunday(2026) == d("2026-04-05")
    assert easter_sunday(2027) == d("2027-03-28")
    for year in (2026, 2027):
        assert bank_holidays_by_rule(year) == {d(h) for h in BANK_HOLIDAYS[year]}


ORDINARY_YEARS = [*range(2013, 2020), *range(2024, 2090)]
ordinary_days = st.sampled_from(ORDINARY_YEARS).flatmap(
    lambda y: st.dates(min_value=date(y, 1, 1), max_value=date(y, 12, 31)))
days = st.dates(min_value=date(1995, 1, 1), max_value=date(2090, 12, 31))
closure_sets = st.frozensets(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)), max_size=40)


@given(ordinary_days)
def test_a_working_day_is_a_weekday_that_is_not_a_bank_holiday(day: date) -> None:
    assert CAL.is_working_day(day) == (day.weekday() < 5 and day not in bank_holidays_by_rule(day.year))


@given(closure_sets, st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
def test_a_closure_is_never_a_working_day(closures: frozenset[date], day: date) -> None:
    cal = WorkingCalendar(closures=closures)
    assert cal.is_working_day(day) == (CAL.is_working_day(day) and day not in closures)


def walk_after(cal: WorkingCalendar, day: date, n: int) -> date:
    """The Nth working day strictly after ``day``, by walking one day at a time."""
    while n:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


@settings(max_examples=200)
@given(days, st.integers(min_value=1, max_value=60))
def test_working_days_after_is_the_nth_working_day_strictly_after(day: date, n: int) -> None:
    result = CAL.working_days_after(day, n)
    assert result > day
    assert CAL.is_working_day(result)
    assert CAL.working_days_between(day, result) == n
    assert CAL.working_days_between(day, result - timedelta(days=1)) == n - 1
    assert result == walk_after(CAL, day, n)


@given(closure_sets, st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 10, 31)),
       st.integers(min_value=1, max_value=30))
def test_working_days_after_skips_local_closures(closures: frozenset[date], day: date, n: int) -> None:
    cal = WorkingCalendar(closures=closures)
    result = cal.working_days_after(day, n)
    assert result not in closures
    assert result == walk_after(cal, day, n)


@given(days, st.integers(min_value=0, max_value=120))
def test_working_days_between_counts_the_working_days_in_the_half_open_interval(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    expected = sum(1 for i in range(1, span + 1) if CAL.is_working_day(start + timedelta(days=i)))
    assert CAL.working_days_between(start, end) == expected
    assert CAL.working_days_between(end, start) == 0


@given(days, st.integers(min_value=0, max_value=90), st.integers(min_value=0, max_value=90))
def test_working_days_between_adds_up(start: date, first: int, second: int) -> None:
    middle = start + timedelta(days=first)
    end = middle + timedelta(days=second)
    assert (CAL.working_days_between(start, middle) + CAL.working_days_between(middle, end)
            == CAL.working_days_between(start, end))


@given(days, st.integers(min_value=1, max_value=120))
def test_working_days_after_inverts_working_days_between(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    n = CAL.working_days_between(start, end)
    if n == 0:
        return
    back = CAL.working_days_after(start, n)
    assert back <= end
    assert CAL.working_days_between(back, end) == 0
    if CAL.is_working_day(end):
        assert back == end


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(min_value=-240, max_value=240))
def test_adding_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month(start: date, months: int) -> None:
    result = add_months(start, months)
    assert month_index(result) == month_index(start) + months
    last = stdlib_calendar.monthrange(result.year, result.month)[1]
    assert result.day <= start.day
    if start.day <= last:
        assert result.day == start.day
    else:
        assert result.day == last


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(min_value=-60, max_value=60))
def test_adding_months_keeps_the_order_of_dates(first: date, second: date, months: int) -> None:
    early, late = sorted((first, second))
    assert add_months(early, months) <= add_months(late, months)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)), st.integers(min_value=0, max_value=30))
def test_the_age_rule(dob: date, age: int) -> None:
    reached = birthday(dob, age)
    year = dob.year + age
    if dob.month == 2 and dob.day == 29 and not stdlib_calendar.isleap(year):
        assert reached == date(year, 3, 1)
        assert reached == add_months(dob, 12 * age) + timedelta(days=1)
    else:
        assert reached == date(year, dob.month, dob.day)
        assert reached == add_months(dob, 12 * age)
    assert age_on(dob, reached) == age
    if age:
        assert age_on(dob, reached - timedelta(days=1)) == age - 1
        assert is_under(dob, age, reached - timedelta(days=1))
    assert not is_under(dob, age, reached)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
       st.integers(min_value=0, max_value=25), st.integers(min_value=0, max_value=11))
def test_turning_years_and_months_is_the_age_then_months_added(dob: date, years: int, months: int) -> None:
    assert turns(dob, years, months) == add_months(birthday(dob, years), months)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)), st.dates(min_value=date(1990, 1, 1),
       max_value=date(2090, 12, 31)), st.integers(min_value=0, max_value=30))
def test_under_an_age_until_the_birthday(dob: date, day: date, age: int) -> None:
    assert is_under(dob, age, day) == (day < birthday(dob, age))
    if day >= dob:
        assert is_under(dob, age, day) == (age_on(dob, day) < age)
