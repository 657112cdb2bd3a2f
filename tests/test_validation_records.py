"""CaseValidator puts every cell into its own field of the CaseRecord (built from its fields in order).

A row with every column set to a value of its own must come out with each field holding exactly its
column's value; a source with only some columns leaves the others at their defaults.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

from checker.sources.validation import CaseValidator
from rules.records import CASE_COLUMNS, CaseRecord, DataError

AS_OF = date(2026, 12, 1)


def full_row() -> tuple[dict[str, str], dict[str, object]]:
    """A row with a distinct value in every column, and the field values it must give."""
    row: dict[str, str] = {}
    expected: dict[str, object] = {}
    day = date(2003, 1, 1)
    for name, column in CASE_COLUMNS.items():
        if column.type == "date":
            day += timedelta(days=37)
            row[name], expected[name] = day.strftime("%d/%m/%Y"), day
        elif column.type == "bool":
            row[name], expected[name] = " Yes ", True
        elif column.type == "email":
            row[name], expected[name] = f" {name}@example.org ", f"{name}@example.org"
        else:
            row[name], expected[name] = f"  {name} text ", f"{name} text"
    row["leaving_care_category"], expected["leaving_care_category"] = " Former_Relevant ", "former_relevant"
    return row, expected


def test_every_column_lands_in_its_own_field() -> None:
    row, expected = full_row()
    errors: list[DataError] = []
    record = CaseValidator(AS_OF, frozenset(), frozenset(CASE_COLUMNS)).case(row, errors)
    assert errors == []
    assert record is not None
    assert {f.name: getattr(record, f.name) for f in fields(CaseRecord)} == expected


def test_columns_the_source_lacks_keep_their_defaults() -> None:
    row, expected = full_row()
    present = frozenset({"case_ref", "date_of_birth", "looked_after_since", "in_custody", "team"})
    record = CaseValidator(AS_OF, frozenset(), present).case(row, [])
    dob, since = expected["date_of_birth"], expected["looked_after_since"]
    assert isinstance(dob, date)
    assert isinstance(since, date)
    assert record == CaseRecord(case_ref="case_ref text", date_of_birth=dob, looked_after_since=since,
                                in_custody=True, team="team text")


def test_an_unknown_category_reads_as_unknown_and_validators_do_not_share_state() -> None:
    row, _ = full_row()
    validator = CaseValidator(AS_OF, frozenset(), frozenset(CASE_COLUMNS))
    errors: list[DataError] = []
    odd = validator.case({**row, "leaving_care_category": "Eligable"}, errors)
    assert odd is not None
    assert odd.leaving_care_category is None
    assert [e.field for e in errors] == ["leaving_care_category"]
    again = validator.case(row, [])
    assert again is not None
    assert again.leaving_care_category == "former_relevant"
    bare = validator.case({"case_ref": "P9", "date_of_birth": "2009-03-01"}, [])
    assert bare == CaseRecord(case_ref="P9", date_of_birth=date(2009, 3, 1))
