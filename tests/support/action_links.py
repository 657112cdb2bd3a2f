"""What the two action-link test modules share: a settable clock, the refusal page's checks, a forged copy
of a link, and the key of an item a test signs a link for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from checker.state.schema import notification
from support.browser import Browser


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def refused(browser: Browser, url: str) -> str:
    """Open ``url`` and check it is the plain refusal page (no form to press); its text."""
    browser.open(url)
    text = browser.text()
    assert "This link cannot be used" in text
    assert "Nothing was recorded." in text
    assert browser.evaluate("document.querySelectorAll('form').length") == 0
    return text


def forged(url: str) -> str:
    """``url`` with one character of its signed claims changed and the signature kept."""
    prefix, token = url.rsplit("/", 1)
    claims, signature = token.split(".")
    return f"{prefix}/{claims[:-2]}{'A' if claims[-2] != 'A' else 'B'}{claims[-1]}.{signature}"


def item_of(engine: Engine, case_ref: str) -> Any:
    """The instance id, due date and stage of the first item planned for ``case_ref`` (what a link names)."""
    with engine.connect() as connection:
        row = connection.execute(select(notification.c.instance_id, notification.c.due_date, notification.c.stage)
                                 .where(notification.c.case_ref == case_ref)).first()
    assert row is not None
    return row
