"""The links on an adviser's own items: acknowledge ("I'm on it") and snooze, or one link that offers both.

The planner asks ``LinkIssuer.for_item`` when it plans an adviser's reminder email; the links travel in
the item's facts to the renderer (the email's two buttons, the plain-text body's two lines). A Teams
activity-feed notification holds a single link (Graph's ``webUrl``), so for it the planner asks
``LinkIssuer.chooser``: one link whose page offers both actions and acts once, as whichever the adviser
chooses. A link is good until ``days`` calendar days after the tick that issued it, and once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from checker.actions.tokens import ACKNOWLEDGE, CHOOSE, SNOOZE, LinkKeys

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

    def chooser(self, instance_id: int, due_date: date, stage: str, recipient: str, as_of: date) -> dict[str, str]:
        """The one link of an activity-feed item (``{"choose": url}``): its page offers both actions."""
        expires = as_of + timedelta(days=self.days)
        return {CHOOSE: self.url(self.keys.issue(CHOOSE, instance_id, due_date, stage, recipient, expires))}


def phase(stage: str) -> str:
    """The reminder stage an acknowledgement holds for: each overdue repeat is one stage ("overdue")."""
    return "overdue" if stage.startswith("overdue-") else stage
