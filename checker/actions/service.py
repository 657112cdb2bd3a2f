"""What an action link's page shows (GET) and what its button does (POST), and why a link is refused.

Opening a link only shows a page: mail scanners (Microsoft Defender Safe Links and the like) open every
link in an email, so a GET must change nothing. The page names the item by initials and case reference
only, says what will happen, and carries a form whose button POSTs back with a CSRF token bound to the
link. The POST checks everything again and, in one transaction, uses the link (its one-time number) and
records the action: an acknowledgement, or a snooze (a ``suppression`` row, like ``checker snooze``).

A "choose" link (the Teams activity feed's one link) shows a page offering both actions, each a form of
its own with the same CSRF token and a ``choice``; pressing one uses the link, so the other is then
refused like any used link.

A link is refused, with a plain page and nothing recorded, when it is not one this service signed
(forged or altered), has expired, was used already, was issued to someone who is not the item's
personal adviser now, or its item has changed since (completed, closed, or given another due date).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from checker.actions.tokens import ACKNOWLEDGE, CHOOSE, SNOOZE, BadToken, Claims, LinkKeys
from checker.rendering import formatting as fmt
from checker.rendering.environment import render
from checker.rendering.errors import RenderingError
from checker.state import link_actions, suppressions
from checker.state.notifications import cancel_unsent
from checker.state.schema import WHO, obligation_instance

LONDON = ZoneInfo("Europe/London")
REASON_MAX = 500
TEMPLATE = "action_page.html"

FORGED = "This link is not valid: it was not issued by this service, or it was changed after it was sent."
EXPIRED = "This link has expired. The next reminder about this item will carry new links."
USED = "This link has already been used, and can be used only once."
NOT_YOURS = "This link was not issued to the personal adviser this item belongs to now."
CHANGED = ("This item has changed since the message was sent (it was completed, closed or given a new due "
           "date). The next reminder about it will carry new links.")
BAD_FORM = "This form has expired or was not sent from this page. Open the link in the message again."
NO_CHOICE = "Press one of the two buttons on the page: acknowledge or snooze. Open the link in the message again."


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    html: str


class Refused(Exception):  # noqa: N818 - the outcome, not an error of the program
    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason, self.status = reason, status


class ActionService:
    def __init__(self, engine: Engine, keys: LinkKeys, titles: Mapping[str, str], snooze_max_days: int,
                 clock: Callable[[], datetime], templates_dir: Path | None = None,
                 case_url_template: str | None = None) -> None:
        self.engine, self.keys, self.titles = engine, keys, titles
        self.snooze_max_days, self.clock, self.templates_dir = snooze_max_days, clock, templates_dir
        self.case_url_template = case_url_template  # the choose page links to the case, as the feed did

    def today(self) -> date:
        return self.clock().astimezone(LONDON).date()

    def _check(self, connection: Connection, token: str) -> tuple[Claims, Any]:
        try:
            claims = self.keys.check(token)
        except BadToken:
            raise Refused(FORGED) from None
        if claims.expires < self.today():
            raise Refused(EXPIRED, 410)
        if link_actions.used(connection, claims.nonce):
            raise Refused(USED, 410)
        row = connection.execute(select(obligation_instance).where(obligation_instance.c.id == claims.instance_id)
                                 ).first()
        if row is None:
            raise Refused(CHANGED, 410)
        if not row.adviser_email or self.keys.recipient_tag(row.adviser_email) != claims.recipient_tag:
            raise Refused(NOT_YOURS)
        if row.closed_at is not None or row.status == "met" or row.due_date != claims.due_date:
            raise Refused(CHANGED, 410)
        return claims, row

    def _page(self, status: int, **context: Any) -> Page:
        base = {"state": "refused", "message": "", "who": "", "title": "", "action": "", "what": "",
                "csrf": "", "error": "", "min_date": "", "max_date": "", "until": "", "reason": "",
                "done": "", "what_acknowledge": "", "what_snooze": "", "case_url": ""}
        return Page(status, render(self.templates_dir, TEMPLATE, base | context))

    def refused(self, reason: str, status: int = 403) -> Page:
        return self._page(status, state="refused", message=reason)

    def _item(self, claims: Claims, row: Any, token: str) -> dict[str, Any]:
        today = self.today()
        who = f"{row.initials} ({row.case_ref})" if row.initials else row.case_ref
        what = {
            ACKNOWLEDGE: ("Your repeat reminders about this item stop until its next stage (when it becomes due "
                          "or overdue, or gets a new due date). Escalation to your managers goes on while it "
                          "stays overdue. Your acknowledgement is recorded with your address and shown in your "
                          "manager's next digest."),
            SNOOZE: (f"Your reminders about this item stop until the date you choose (at most "
                     f"{self.snooze_max_days} days ahead); escalation to your managers goes on while it stays "
                     "overdue. The snooze and your reason are recorded with your address and shown in your "
                     "manager's next digest."),
        }
        return {"who": who, "title": self.titles.get(row.obligation, row.obligation), "action": claims.action,
                "what": what.get(claims.action, ""), "what_acknowledge": what[ACKNOWLEDGE],
                "what_snooze": what[SNOOZE], "case_url": self._case_url(row.case_ref),
                "csrf": self.keys.csrf(token), "due": fmt.day_month_year(row.due_date),
                "min_date": today.isoformat(),
                "max_date": (today + timedelta(days=self.snooze_max_days)).isoformat()}

    def _case_url(self, case_ref: str) -> str:
        if not self.case_url_template:
            return ""
        try:
            return fmt.case_url(self.case_url_template, case_ref)
        except RenderingError:  # ``config check`` reports a bad template; the page goes without the link
            return ""

    def show(self, token: str) -> Page:
        """The confirmation page: changes nothing."""
        try:
            with self.engine.connect() as connection:
                claims, row = self._check(connection, token)
        except Refused as refusal:
            return self.refused(refusal.reason, refusal.status)
        return self._page(200, state="confirm", **self._item(claims, row, token))

    def act(self, token: str, form: Mapping[str, str]) -> Page:
        """The button: check everything again, then use the link and record the action, or record nothing."""
        if not self.keys.csrf_matches(token, form.get("csrf", "")):
            return self.refused(BAD_FORM)
        try:
            with self.engine.begin() as connection:
                claims, row = self._check(connection, token)
                done = self._perform(connection, claims, row, form, token)
        except Refused as refusal:
            return self.refused(refusal.reason, refusal.status)
        except _FormError as problem:
            return self._page(422, state="confirm", error=str(problem), until=form.get("until", ""),
                              reason=form.get("reason", ""), **problem.item)
        except IntegrityError:  # the same link used at the same moment from elsewhere
            return self.refused(USED, 410)
        return self._page(200, state="done", done=done, **self._item(claims, row, token))

    def _perform(self, connection: Connection, claims: Claims, row: Any, form: Mapping[str, str],
                 token: str) -> str:
        """The link's action, or for a choose link the one its page's button chose."""
        chosen = form.get("choice", "") if claims.action == CHOOSE else claims.action
        if chosen == ACKNOWLEDGE:
            return self._acknowledge(connection, claims, row)
        if chosen == SNOOZE:
            return self._snooze(connection, claims, row, form, token)
        raise Refused(NO_CHOICE, 400)

    def _acknowledge(self, connection: Connection, claims: Claims, row: Any) -> str:
        now = self.clock()
        link_actions.record(connection, nonce=claims.nonce, action=ACKNOWLEDGE, instance=row, stage=claims.stage,
                            recipient=row.adviser_email, now=now)
        cancel_unsent(connection, row.id, "acknowledged by the adviser", stages=suppressions.OWNER_STAGES)
        return "Acknowledged. Your repeat reminders about this item stop until its next stage."

    def _snooze(self, connection: Connection, claims: Claims, row: Any, form: Mapping[str, str],
                token: str) -> str:
        today = self.today()
        reason = " ".join(form.get("reason", "").split())
        try:
            until = date.fromisoformat(form.get("until", "").strip())
        except ValueError:
            until = None
        limit = today + timedelta(days=self.snooze_max_days)
        problem = None
        if until is None:
            problem = "Choose the date the snooze lasts until."
        elif not today <= until <= limit:
            problem = f"The date must be from today to {fmt.day_month_year(limit)} ({self.snooze_max_days} days)."
        elif not reason:
            problem = "Give a reason: it is recorded and shown to your manager."
        elif len(reason) > REASON_MAX:
            problem = f"The reason is longer than {REASON_MAX} characters."
        if problem is not None or until is None:
            raise _FormError(problem or "", self._item(claims, row, token))
        now = self.clock()
        link_actions.record(connection, nonce=claims.nonce, action="snooze", instance=row, stage=claims.stage,
                            recipient=row.adviser_email, now=now, snooze_until=until, reason=reason)
        suppressions.record(connection, kind="snooze", case_ref=row.case_ref, obligation=row.obligation, ref=row.ref,
                            reason=reason, until=until, created_by=str(row.adviser_email)[:WHO], now=now)
        return f"Snoozed until {fmt.day_month_year(until)}."


class _FormError(Exception):
    def __init__(self, message: str, item: dict[str, Any]) -> None:
        super().__init__(message)
        self.item = item
