"""Parameter value objects shared by the rule kinds: periods, ages and column references.

They validate themselves on construction, so a profile that says ``{ months = 3, days = 2 }`` or names
a column that does not exist is refused when it is loaded, not on the first case that reaches it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from rules.calendar import WorkingCalendar, add_months, birthday, turns
from rules.records import CASE_COLUMNS, CaseRecord, ColumnType

ANCHOR_A = "A"
"""The later of the 16th birthday and ``looked_after_since`` (docs/input.md)."""


class Parameters(BaseModel):
    """Base of every rule kind's parameters: unknown keys are refused, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _column_of(*types: ColumnType) -> AfterValidator:
    def check(name: str) -> str:
        column = CASE_COLUMNS.get(name)
        if column is None:
            raise ValueError(
                f"unknown column {name!r}; `checker columns --all` and docs/input.md list the case columns"
            )
        if column.type not in types:
            wanted = " or ".join(types)
            raise ValueError(f"column {name!r} is a {column.type} column; a {wanted} column is needed here")
        return name

    return AfterValidator(check)


DateColumn = Annotated[str, _column_of("date")]
BoolColumn = Annotated[str, _column_of("bool")]
TextColumn = Annotated[str, _column_of("text")]
AnyColumn = Annotated[str, _column_of("text", "date", "bool", "email")]


def _anchor(name: str) -> str:
    if name == ANCHOR_A:
        return name
    column = CASE_COLUMNS.get(name)
    if column is None or column.type != "date":
        raise ValueError(f"anchor {name!r} must be 'A' (docs/input.md) or a date column")
    return name


Anchor = Annotated[str, AfterValidator(_anchor)]


def anchor_date(case: CaseRecord, anchor: str) -> date | None:
    """The anchor's date for this case: A, or the value of a date column (``None`` when empty)."""
    if anchor == ANCHOR_A:
        return case_anchor_a(case)
    value: date | None = getattr(case, anchor)
    return value


def case_anchor_a(case: CaseRecord) -> date | None:
    """A = the later of the 16th birthday and ``looked_after_since``; ``None`` if never looked after."""
    since = case.looked_after_since
    if since is None:
        return None
    sixteenth = birthday(case.date_of_birth, 16)
    return since if since > sixteenth else sixteenth


class Period(BaseModel):
    """A span in exactly one unit: months (month-end clamped), calendar days, or working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    months: int = Field(default=0, ge=0)
    days: int = Field(default=0, ge=0)
    working_days: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _one_unit(self) -> Period:
        if sum(1 for v in (self.months, self.days, self.working_days) if v) > 1:
            raise ValueError("a period uses one unit: months, days or working_days, not a mix")
        return self

    def after(self, day: date, calendar: WorkingCalendar) -> date:
        if self.months:
            return add_months(day, self.months)
        if self.working_days:
            return calendar.working_days_after(day, self.working_days)
        return day + timedelta(days=self.days)

    def before(self, day: date) -> date:
        if self.working_days:
            raise ValueError("working days are counted forwards only")
        if self.months:
            return add_months(day, -self.months)
        return day - timedelta(days=self.days)

    def describe(self) -> str:
        for value, unit in ((self.months, "month"), (self.working_days, "working day"), (self.days, "day")):
            if value:
                return f"{value} {unit}{'' if value == 1 else 's'}"
        return "0 days"


class Age(BaseModel):
    """An age in years and months: turned on ``turns(date_of_birth, years, months)`` (extended §3.1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    years: int = Field(ge=0, le=25)
    months: int = Field(default=0, ge=0, le=11)

    def reached_on(self, date_of_birth: date) -> date:
        return turns(date_of_birth, self.years, self.months)

    def describe(self) -> str:
        return f"{self.years}y {self.months}m" if self.months else f"{self.years}"
