"""The rule-kind interface: what every kind module provides (docs/profiles.md).

A kind is one module holding
- ``Parameters``: a pydantic model of its parameters (``extra="forbid"``: an unknown key is refused
  when the profile loads, with the file and entry named by the loader);
- ``columns(parameters)``: the case columns it reads, so a profile can be checked against the data
  contract and ``checker explain`` can show the evidence;
- ``assess(...)``: a pure function from a record, the obligation, the as-of date and the working
  calendar to a ``Finding`` or a ``NotApplicable`` saying why not. No I/O, no settings, no clock.

Case kinds assess a case; dispute kinds (the ladder) assess one dispute of a case at a time.
Kinds are registered in ``rules/kinds/__init__.py`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from rules.calendar import WorkingCalendar
from rules.obligation import Obligation
from rules.periods import Parameters
from rules.records import CaseRecord, DisputeRecord, Finding, NotApplicable

Assessment = Finding | NotApplicable



class CaseAssess(Protocol):
    """``explain=False``: the caller keeps findings only, so "applies when" failures need no reason."""

    def __call__(self, case: CaseRecord, ob: Obligation[Any], as_of: date, calendar: WorkingCalendar,
                 explain: bool = True, /) -> Assessment: ...


class DisputeAssess(Protocol):
    def __call__(self, case: CaseRecord, dispute: DisputeRecord, ob: Obligation[Any], as_of: date,
                 calendar: WorkingCalendar, explain: bool = True, /) -> Assessment: ...


@dataclass(frozen=True, slots=True)
class CaseRuleKind:
    """A kind whose instances apply at most once per case."""

    name: str
    parameters: type[Parameters]
    columns: Callable[[Any], frozenset[str]]
    evidence: Callable[[Any], tuple[str, ...]]
    assess: CaseAssess
    summary: str
    needs: Callable[[Any], str] | None = None
    """The date column without which ``assess`` always answers "does not apply" (the engine skips the call)."""


@dataclass(frozen=True, slots=True)
class DisputeRuleKind:
    """A kind whose instances apply once per dispute row of a case."""

    name: str
    parameters: type[Parameters]
    columns: Callable[[Any], frozenset[str]]
    evidence: Callable[[Any], tuple[str, ...]]
    assess: DisputeAssess
    summary: str


RuleKind = CaseRuleKind | DisputeRuleKind
