"""Who receives what: the address for each role, with a note when the usual person is missing.

- adviser: the case's ``adviser_email``; without one, the team manager (noted in the message);
  without that, the operator.
- manager: the case's ``manager_email``; without one, the team's senior manager, then the operator.
- senior_manager and head_of_service: configured per team, else for the whole authority, else the
  operator (docs/profiles.md: "configuration, per team or for the whole authority").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rules.records import Role


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
