"""Who receives what: the address for each role, with a note when the usual person is missing.

- adviser: the case's ``adviser_email``; without one, the team manager (noted in the message);
  without that, the operator.
- manager: the case's ``manager_email``; without one, the team's senior manager, then the operator.
- senior_manager and head_of_service: configured per team, else for the whole authority, else the
  operator (docs/profiles.md: "configuration, per team or for the whole authority").
- Someone marked away (``checker away``; ``checker/state/absences.py``): their deputy, or with none the
  team manager (for an adviser) or the senior manager (for anyone else), with a note saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from rules.records import Role


class Away(Protocol):
    @property
    def ends_on(self) -> date: ...
    @property
    def deputy(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RoleAddresses:
    senior_manager: str | None = None
    head_of_service: str | None = None


@dataclass(frozen=True, slots=True)
class Routing:
    operator: str
    authority: RoleAddresses = RoleAddresses()
    teams: Mapping[str, RoleAddresses] = field(default_factory=dict)

    def _configured(self, team: str | None, role: Role) -> str | None:
        own = self.teams.get(team.casefold()) if team else None  # keys are casefolded (App.routing)
        if role is Role.SENIOR_MANAGER:
            return (own.senior_manager if own else None) or self.authority.senior_manager
        return (own.head_of_service if own else None) or self.authority.head_of_service

    def address(self, role: Role, adviser: str | None, manager: str | None,
                team: str | None) -> tuple[str, str | None]:
        """The address for ``role`` on a case, and a routing note when it is not the usual person."""
        if adviser and role is Role.ADVISER:  # the usual case, first: a tick asks for every open obligation
            return adviser, None
        if role is Role.ADVISER:
            candidates = [(adviser, None), (manager, "No personal adviser is allocated; sent to the team manager.")]
            missing = "No personal adviser or team manager is recorded; sent to the operator."
        elif role is Role.MANAGER:
            candidates = [(manager, None), (self._configured(team, Role.SENIOR_MANAGER),
                                            "No team manager is recorded; sent to the senior manager.")]
            missing = "No team manager is recorded; sent to the operator."
        else:
            candidates = [(self._configured(team, role), None)]
            missing = f"No {role.value.replace('_', ' ')} address is configured; sent to the operator."
        for address, note in candidates:
            if address:
                return address, note
        return self.operator, missing

    def cover(self, address: str, role: Role, manager: str | None, team: str | None,
              away: Mapping[str, Away]) -> tuple[str, str | None]:
        """Who takes ``address``'s items while it is away (``away``: casefolded address → absence), and why."""
        absence = away.get(address.casefold())
        if absence is None:
            return address, None
        who = role.value.replace("_", " ")
        who = "personal adviser" if role is Role.ADVISER else who
        until = absence.ends_on.isoformat()
        if absence.deputy and absence.deputy.casefold() not in away:
            return absence.deputy, f"The {who} is away until {until}; sent to their deputy."
        if role is Role.ADVISER and manager and manager.casefold() not in away and manager != address:
            return manager, f"The {who} is away until {until} with no deputy; sent to the team manager."
        senior = self._configured(team, Role.SENIOR_MANAGER)
        if role is not Role.SENIOR_MANAGER and senior and senior.casefold() not in away:
            return senior, f"The {who} is away until {until} with no deputy; sent to the senior manager."
        return address, None  # nobody else to send it to: it waits for them
