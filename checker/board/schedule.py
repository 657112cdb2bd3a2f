"""The board's scheduled messages: the quarter's report, and the reminder of the protocol's annual review.

- Report: from the first working day after a quarter ends until the end of that month, the daemon's
  ``board`` job (``report.schedule``, each working day at 08:30) plans one email per recipient (the head
  of service, ``routing.head_of_service``, and ``report.recipients``): the summary and the charts in its
  body (inline PNG pictures, which Outlook shows), the report page and ``figures.csv`` attached, within the
  byte budget of every email (``delivery.max_message_bytes``: ``board/mail.py`` says what gives way). Its
  outbox key is ``report:<quarter>:<recipient>``, so it is planned once however often the job runs, and
  the outbox sends it once like every other message. The first run in that window sends it: normally the
  quarter's first working day; the month's slack is for a daemon that was down that week.
- Review: from a month before the profile's ``annual_review`` date to the day itself, one reminder to
  the head of service (key ``review:<profile>:<date>:<recipient>``).
"""

from __future__ import annotations

import calendar as months
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, select, update

from checker.board.build import build_report
from checker.board.figures import long_date
from checker.board.mail import report_email
from checker.board.period import Quarter
from checker.delivery import message_to_json
from checker.profiles import Profile
from checker.rendering.budget import DEFAULT_BUDGET
from checker.state.outbox import add_message
from checker.state.retention import ERASED
from checker.state.schema import outbox
from notifiers.base import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoardPlan:
    reports: int = 0
    reviews: int = 0


def quarter_to_send(today: date, profile: Profile) -> Quarter | None:
    """The quarter whose report is due on ``today``: from the new quarter's first working day to its month's end."""
    current = Quarter.containing(today)
    first = current.start
    while not profile.calendar.is_working_day(first):
        first += timedelta(days=1)
    return current.previous() if first <= today and today.month == current.start.month else None


def review_due(today: date, profile: Profile) -> date | None:
    """The annual review date whose reminder is due on ``today`` (from a month before it to the day itself)."""
    if profile.annual_review is None:
        return None
    month, day = profile.annual_review
    for year in (today.year, today.year + 1):
        review = date(year, month, min(day, months.monthrange(year, month)[1]))
        before = review.month - 1 or 12
        before_year = year if review.month > 1 else year - 1
        opens = date(before_year, before, min(review.day, months.monthrange(before_year, before)[1]))
        if opens <= today <= review:
            return review
    return None


def _exists(engine: Engine, key: str) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(outbox.c.id).where(outbox.c.key == key)).first() is not None


def _erased_since(engine: Engine, kind: str, since: date) -> bool:
    """Whether a message of ``kind`` planned since ``since`` has had its key erased by retention
    (``retention.keep_personal_data_days`` shorter than the window): then it was sent, and is not again."""
    with engine.connect() as connection:
        return connection.execute(select(outbox.c.id).where(
            outbox.c.kind == kind, outbox.c.key.startswith(f"{ERASED}:"),
            outbox.c.created_at >= datetime.combine(since, time(0), tzinfo=UTC))).first() is not None


def _queue(engine: Engine, message: Message, kind: str, now: datetime) -> bool:
    """Plan ``message`` (already rendered) under its key unless that key exists; True if new."""
    with engine.begin() as connection:
        added = add_message(connection, key=message.key, kind=kind, recipient=message.recipient, channel="email",
                            payload={"subject": message.subject}, now=now, send_from=now, run_id=None)
        if added:
            connection.execute(update(outbox).where(outbox.c.key == message.key)
                               .values(rendered=message_to_json(message)))
    return added


def plan_board_messages(engine: Engine, profile: Profile, *, today: date, now: datetime, head_of_service: str | None,
                        recipients: tuple[str, ...], threshold: int, max_bytes: int = DEFAULT_BUDGET) -> BoardPlan:
    """Plan what is due today (the quarter's report, the review reminder), each at most once ever; the report's
    email within ``max_bytes`` (``delivery.max_message_bytes``, ``board/mail.py``)."""
    reports = reviews = 0
    quarter = quarter_to_send(today, profile)
    everyone = list(dict.fromkeys([*([head_of_service] if head_of_service else []), *recipients]))
    if quarter is not None:
        waiting = [r for r in everyone if not _exists(engine, f"report:{quarter}:{r}")]
        if waiting and not _erased_since(engine, "report", quarter.next().start):
            built = build_report(engine, profile, quarter, threshold=threshold, generated=today)
            reports = sum(_queue(engine, report_email(built, f"report:{quarter}:{r}", r, max_bytes), "report", now)
                          for r in waiting)
    review = review_due(today, profile)
    opened = review - timedelta(days=31) if review is not None else None
    if review is not None and opened is not None and head_of_service and not _erased_since(engine, "review", opened):
        key = f"review:{profile.name}:{review}:{head_of_service}"
        text = (f"The annual review of the {profile.title} is due on {long_date(review)}.\n\nThe quarterly "
                "compliance reports (`checker report`) show how each obligation has been met since the last "
                "review.")
        reviews = int(_queue(engine, Message(key=key, recipient=head_of_service,
                                             subject=f"Protocol review due {long_date(review)}: {profile.title}",
                                             text=text), "review", now))
    if quarter is not None and not everyone:
        log.warning("the quarterly report is due but no recipient is set (routing.head_of_service, report.recipients)")
    return BoardPlan(reports, reviews)
