"""Dates, citations, plurals and case links as the messages show them."""

from __future__ import annotations

from datetime import date

import pytest

from checker.rendering import RenderingError
from checker.rendering import formatting as fmt


def test_dates_read_the_uk_way() -> None:
    assert fmt.day_month_year(date(2026, 12, 1)) == "Tue 1 Dec 2026"
    assert fmt.full_date(date(2026, 11, 23)) == "Monday 23 November 2026"
    assert fmt.day_month(date(2026, 12, 1), as_of=date(2026, 11, 23)) == "Tue 1 Dec"
    assert fmt.day_month(date(2027, 1, 4), as_of=date(2026, 12, 21)) == "Mon 4 Jan 2027"


def test_week_commencing_is_the_monday() -> None:
    assert fmt.week_commencing(date(2026, 11, 26), date(2026, 11, 26)) == "23 Nov"
    assert fmt.week_commencing(date(2027, 1, 1), date(2027, 1, 1)) == "28 Dec 2026"


def test_iso_dates_inside_a_note_become_uk_dates() -> None:
    text = "The due date moved from 2026-10-31 to 2026-12-15."
    assert fmt.uk_dates_in(text) == "The due date moved from Sat 31 Oct 2026 to Tue 15 Dec 2026."
    assert fmt.uk_dates_in("ref 2026-13-45 stays") == "ref 2026-13-45 stays"


@pytest.mark.parametrize(("citation", "shown"), [
    ("000 §7", "Lancashire protocol 000 §7"),
    ("000 §7, 002 §7.2", "Lancashire protocol 000 §7; Kent protocol 002 §7.2"),
    ("000 §5, §10", "Lancashire protocol 000 §5, §10"),
    ("000 §18, 003 §17.1-17.2", "Lancashire protocol 000 §18; BCP protocol 003 §17.1-17.2"),
    ("009 §1", "009 §1"),
    ("", ""),
])
def test_citations_name_the_protocol(citation: str, shown: str) -> None:
    assert fmt.describe_citation(citation) == shown


def test_counts_and_phrases() -> None:
    assert fmt.working_days(1) == "1 working day"
    assert fmt.working_days(12) == "12 working days"
    assert fmt.actions(1) == "1 housing protocol action"
    assert fmt.action_phrase("Join the Part 6 housing register") == "join the Part 6 housing register"
    assert fmt.action_phrase("PA contacts the housing authority") == "PA contacts the housing authority"
    assert fmt.role_name("senior_manager") == "senior manager"
    assert fmt.one_line("a\r\nb\tc  d") == "a b c d"


def test_case_url_encodes_the_reference() -> None:
    template = "https://cms.example/people/{case_ref}?tab=housing"
    assert fmt.case_url(template, "C1") == "https://cms.example/people/C1?tab=housing"
    assert fmt.case_url(template, "A/B 7?x=1&y#") == "https://cms.example/people/A%2FB%207%3Fx%3D1%26y%23?tab=housing"
    assert fmt.case_url(template, '<script>"') == "https://cms.example/people/%3Cscript%3E%22?tab=housing"


def test_a_case_url_template_with_another_placeholder_is_a_clear_error() -> None:
    with pytest.raises(RenderingError, match=r"only the placeholder \{case_ref\}"):
        fmt.case_url("https://cms.example/{person}", "C1")
