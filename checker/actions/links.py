"""The two links on each of an adviser's own items: acknowledge ("I'm on it") and snooze.

The planner asks ``LinkIssuer.for_item`` when it plans an adviser's reminder; the links travel in the
item's facts to the renderer (the email's two buttons, the plain-text body's two lines). A link is good
until ``days`` calendar days after the tick that issued it, and once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from checker.actions.tokens import ACKNOWLEDGE, SNOOZE, LinkKeys

PATH = "/act/"


@dataclass(frozen=True, slots=True)
class LinkIssuer:
    keys: LinkKeys
    public_url: str  # the base URL the reverse proxy serves the actions listener at
    days: int = 14

    def url(self, token: str) -> str:
        return f"{self.public_url.rstrip('/')}{PATH}{token}"

    def for_item(self, instance_id: int, due_date: date, stage: str, recipient: str,
                 as_of: date) -> dict[str, str]:
        expires = as_of + timedelta(days=self.days)
        return {action: self.url(self.keys.issue(action, instance_id, due_date, stage, recipient, expires))
                for action in (ACKNOWLEDGE, SNOOZE)}


def phase(stage: str) -> str:
    """The reminder stage an acknowledgement holds for: each overdue repeat is one stage ("overdue")."""
    return "overdue" if stage.startswith("overdue-") else stage
