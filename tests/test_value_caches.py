"""The caches behind cell parsing (checker/sources/values.py) change no answer and no message.

Dates are parsed once per distinct cell text; a refused text is never cached, so it gives its exact
message however often it comes and whatever was parsed before it; the cache is bounded.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from checker.sources import values
from checker.sources.validation import CaseValidator
from checker.sources.values import ValueFormatError, parse_date
from rules.records import CASE_COLUMNS, DataError

AS_OF = date(2026, 12, 1)


def refusal(value: object) -> str:
    with pytest.raises(ValueFormatError) as caught:
        parse_date(value)
    return str(caught.value)


def test_a_cached_date_is_the_same_date() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date(" 29/02/2024 ") == date(2024, 2, 29)
    assert parse_date("") is None
    assert parse_date("   ") is None
    assert parse_date(None) is None


@pytest.mark.parametrize(("good", "bad", "message"), [
    ("2023-02-28", "2023-02-29", "'2023-02-29' is not a real calendar date"),
    ("28/02/2023", "29/02/2023", "'29/02/2023' is not a real calendar date"),
    ("2023-02-28", "20230228", "'20230228' is not a date; write YYYY-MM-DD or DD/MM/YYYY"),
    ("2023-02-28", " 2023-02-28T00:00 ", "'2023-02-28T00:00' is not a date; write YYYY-MM-DD or DD/MM/YYYY"),
])
def test_a_bad_date_keeps_its_exact_message_after_good_ones_were_cached(good: str, bad: str, message: str) -> None:
    for _ in range(3):
        assert parse_date(good) is not None
        assert refusal(bad) == message  # refused every time, never cached as a date or as empty


def test_typed_values_are_not_confused_with_cached_text() -> None:
    assert parse_date("2024-01-05") == date(2024, 1, 5)
    assert parse_date(date(2024, 1, 5)) == date(2024, 1, 5)
    assert parse_date(datetime.fromisoformat("2024-01-05T00:00")) == date(2024, 1, 5)
    timed = datetime.fromisoformat("2024-01-05T09:30")
    assert refusal(timed) == "'2024-01-05 09:30:00' has a time of day; a date is needed"
    assert refusal(20240105) == "'20240105' is not a date; write YYYY-MM-DD or DD/MM/YYYY"


def test_the_date_cache_is_bounded() -> None:
    info = values.date_from_text.cache_info()
    assert info.maxsize is not None
    assert info.maxsize <= 1 << 17


def test_the_validator_reports_the_same_bad_date_on_every_row() -> None:
    columns = frozenset(CASE_COLUMNS)
    validator = CaseValidator(AS_OF, frozenset(), columns)
    errors: list[DataError] = []
    good = {"case_ref": "P1", "date_of_birth": "2009-03-01", "housing_panel_on": "2026-02-28"}
    bad = {"case_ref": "P2", "date_of_birth": "2009-03-01", "housing_panel_on": "2026-02-29"}
    for _ in range(2):
        assert validator.case(good, errors) is not None
        assert validator.case(bad, errors) is None
    assert errors == [DataError("P2", None, "housing_panel_on",
                                "housing_panel_on '2026-02-29' is not a real calendar date")] * 2
