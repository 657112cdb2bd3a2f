"""The closed vocabulary of "applies when" conditions a profile may use.

Like c7n's operator table, a profile picks conditions by name (``test = "is_true"``) and gives them
parameters; it never writes Python. Each condition answers ``holds(case, as_of)`` and, when it does
not hold, ``why_not(case, as_of)`` in plain English for ``checker explain``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Annotated, Literal, Union

from pydantic import Field

from rules.calendar import age_on, birthday, is_under
from rules.periods import (
    Age,
    Anchor,
    AnyColumn,
    BoolColumn,
    DateColumn,
    Parameters,
    TextColumn,
    anchor_date,
)
from rules.records import CaseRecord


@lru_cache(maxsize=256)  # one entry per not_one_of of the profile
def _lowered(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


class IsSet(Parameters):
    """The column has a value (a boolean column: is true)."""

    test: Literal["is_set"]
    column: AnyColumn

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        value = getattr(case, self.column)
        return value is not None and value is not False

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return f"{self.column} is empty"

    def columns(self) -> set[str]:
        return {self.column}


class IsTrue(Parameters):
    test: Literal["is_true"]
    column: BoolColumn

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        return bool(getattr(case, self.column))

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return f"{self.column} is not true"

    def columns(self) -> set[str]:
        return {self.column}


class IsFalse(Parameters):
    """The boolean column is false or empty (empty booleans read as false, docs/input.md)."""

    test: Literal["is_false"]
    column: BoolColumn

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        return not getattr(case, self.column)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return f"{self.column} is true"

    def columns(self) -> set[str]:
        return {self.column}


class NotOneOf(Parameters):
    """The text column is empty or none of ``values`` (compared without regard to case)."""

    test: Literal["not_one_of"]
    column: TextColumn
    values: tuple[str, ...] = Field(min_length=1)

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        value = getattr(case, self.column)
        return value is None or value.lower() not in _lowered(self.values)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return f"{self.column} is {getattr(case, self.column)}"

    def columns(self) -> set[str]:
        return {self.column}


class ColumnsDiffer(Parameters):
    """Both text columns are set and differ (ignoring case and surrounding spaces)."""

    test: Literal["columns_differ"]
    first: TextColumn
    second: TextColumn

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        a, b = getattr(case, self.first), getattr(case, self.second)
        return a is not None and b is not None and a.casefold() != b.casefold()

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        a, b = getattr(case, self.first), getattr(case, self.second)
        if a is None or b is None:
            return f"{self.first if a is None else self.second} is empty"
        return f"{self.first} and {self.second} are the same ({a})"

    def columns(self) -> set[str]:
        return {self.first, self.second}


class InCareAt16OrLater(Parameters):
    """``looked_after_since`` set and ``ceased_looked_after_on`` empty or not before the 16th birthday."""

    test: Literal["in_care_at_16_or_later"]

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        if case.looked_after_since is None:
            return False
        ceased = case.ceased_looked_after_on
        return ceased is None or ceased >= birthday(case.date_of_birth, 16)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        if case.looked_after_since is None:
            return "not in care at 16 or later: looked_after_since is empty"
        return f"not in care at 16 or later: care ceased on {case.ceased_looked_after_on}, before the 16th birthday"

    def columns(self) -> set[str]:
        return {"looked_after_since", "ceased_looked_after_on", "date_of_birth"}


class InCareAtAge(Parameters):
    """In care on the day the person turns ``age`` (extended §3.1; a future day reads the record as it stands)."""

    test: Literal["in_care_at_age"]
    age: Age

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        return case.in_care_on(self.age.reached_on(case.date_of_birth))

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return f"not in care at {self.age.describe()} ({self.age.reached_on(case.date_of_birth)})"

    def columns(self) -> set[str]:
        return {"looked_after_since", "ceased_looked_after_on", "date_of_birth"}


class InCareOn(Parameters):
    """In care on the date in ``column`` (which must be set)."""

    test: Literal["in_care_on"]
    column: DateColumn

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        day = getattr(case, self.column)
        return day is not None and case.in_care_on(day)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        day = getattr(case, self.column)
        return f"{self.column} is empty" if day is None else f"not in care on {self.column} ({day})"

    def columns(self) -> set[str]:
        return {self.column, "looked_after_since", "ceased_looked_after_on"}


class OnOrAfterBirthday(Parameters):
    """The date in ``column`` is set and on or after the birthday of age ``years``."""

    test: Literal["on_or_after_birthday"]
    column: DateColumn
    years: int = Field(ge=0, le=25)

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        day = getattr(case, self.column)
        return day is not None and day >= birthday(case.date_of_birth, self.years)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        day = getattr(case, self.column)
        if day is None:
            return f"{self.column} is empty"
        return f"{self.column} ({day}) is before the {self.years}th birthday"

    def columns(self) -> set[str]:
        return {self.column, "date_of_birth"}


class AgeOnAtLeast(Parameters):
    """The date in ``column`` is set and the person was at least ``years`` old on it."""

    test: Literal["age_on_at_least"]
    column: DateColumn
    years: int = Field(ge=0, le=25)

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        day = getattr(case, self.column)
        return day is not None and age_on(case.date_of_birth, day) >= self.years

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        day = getattr(case, self.column)
        return f"{self.column} is empty" if day is None else f"under {self.years} on {self.column} ({day})"

    def columns(self) -> set[str]:
        return {self.column, "date_of_birth"}


class AsOfOnOrBefore(Parameters):
    """The date in ``column`` is set and the as-of date is on or before it."""

    test: Literal["as_of_on_or_before"]
    column: DateColumn

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        day = getattr(case, self.column)
        return day is not None and as_of <= day

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        day = getattr(case, self.column)
        return f"{self.column} is empty" if day is None else f"{self.column} ({day}) has passed"

    def columns(self) -> set[str]:
        return {self.column}


class AsOfOnOrAfter(Parameters):
    """The anchor (A or a date column) is set and the as-of date is on or after it."""

    test: Literal["as_of_on_or_after"]
    anchor: Anchor

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        day = anchor_date(case, self.anchor)
        return day is not None and as_of >= day

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        day = anchor_date(case, self.anchor)
        return f"{self.anchor} is not known" if day is None else f"{self.anchor} ({day}) is still to come"

    def columns(self) -> set[str]:
        return {"looked_after_since", "date_of_birth"} if self.anchor == "A" else {self.anchor}


class UnderAge(Parameters):
    """The person is under ``years`` on the as-of date."""

    test: Literal["under_age"]
    years: int = Field(ge=0, le=25)

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        return is_under(case.date_of_birth, self.years, as_of)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return f"{self.years} or over on {as_of}"

    def columns(self) -> set[str]:
        return {"date_of_birth"}


class AnyOf(Parameters):
    """At least one of the nested conditions holds."""

    test: Literal["any_of"]
    conditions: tuple[Condition, ...] = Field(min_length=1)

    def holds(self, case: CaseRecord, as_of: date) -> bool:
        return any(c.holds(case, as_of) for c in self.conditions)

    def why_not(self, case: CaseRecord, as_of: date) -> str:
        return " and ".join(c.why_not(case, as_of) for c in self.conditions)

    def columns(self) -> set[str]:
        return set().union(*(c.columns() for c in self.conditions))


Condition = Annotated[
    Union[  # noqa: UP007 - a discriminated union of models is spelled with Union for pydantic's recursion
        IsSet,
        IsTrue,
        IsFalse,
        NotOneOf,
        ColumnsDiffer,
        InCareAt16OrLater,
        InCareAtAge,
        InCareOn,
        OnOrAfterBirthday,
        AgeOnAtLeast,
        AsOfOnOrBefore,
        AsOfOnOrAfter,
        UnderAge,
        AnyOf,
    ],
    Field(discriminator="test"),
]

AnyOf.model_rebuild()


def first_failing(conditions: tuple[Condition, ...], case: CaseRecord, as_of: date) -> Condition | None:
    """The first condition that does not hold, or ``None`` when all hold."""
    for condition in conditions:
        if not condition.holds(case, as_of):
            return condition
    return None
