"""Who an overdue obligation is escalated to (docs/profiles.md, 000 §18).

An overdue finding climbs the ladder by its *working days overdue*: the working days ``w`` with
``due_date < w <= as_of``. It is escalated to the highest role whose threshold it has reached and that
ranks above its owner; otherwise to nobody.
"""

from __future__ import annotations

from pydantic import Field

from rules.periods import Parameters
from rules.records import Role


class EscalationThresholds(Parameters):
    """Working days overdue at which each role is told (defaults: 5, 20 and 40; a profile parameter)."""

    manager: int = Field(default=5, ge=1)
    senior_manager: int = Field(default=20, ge=1)
    head_of_service: int = Field(default=40, ge=1)

    def escalated_to(self, owner: Role, working_days_overdue: int) -> Role | None:
        """The highest role above ``owner`` whose threshold ``working_days_overdue`` reaches."""
        for role, threshold in (
            (Role.HEAD_OF_SERVICE, self.head_of_service),
            (Role.SENIOR_MANAGER, self.senior_manager),
            (Role.MANAGER, self.manager),
        ):
            if working_days_overdue >= threshold and role.rank > owner.rank:
                return role
        return None
