"""One sample of each message kind, from made-up facts: for ``config check`` (every template rendered)
and ``checker send-test`` (each kind sent through the configured channels).

The facts are shaped exactly as the planner stores them (``planning/reminders.py``, ``planning/digest.py``,
the operator alerts of ``tick.py``), for a young person who does not exist ("Alex Sample", case
``SAMPLE-1``); no case record is read. The dates count from the day given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from string import Formatter
from typing import Any

from checker.rendering import formatting as fmt
from checker.rendering.digest import render_digest
from checker.rendering.errors import RenderingError
from checker.rendering.operator import render_operator_alert
from checker.rendering.reminders import EMAIL, TEAMS_ACTIVITY, TEAMS_CHANNEL, render_reminder
from checker.rendering.summary import render_summary
from notifiers.base import Message

SAMPLE_CASE = "SAMPLE-1"
SAMPLE_ADVISER = "adviser@sample.invalid"


@dataclass(frozen=True, slots=True)
class Sample:
    """A sample message: what it stands for (``name``), the channel it goes on, and the message."""

    name: str
    channel: str
    message: Message


def _weekday(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend (a sample should not be due on a Sunday)."""
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def _item(as_of: date, **changes: Any) -> dict[str, Any]:
    due = _weekday(as_of + timedelta(days=7))
    base: dict[str, Any] = {
        "case_ref": SAMPLE_CASE, "given_name": "Alex", "family_name": "Sample", "initials": "A.S.",
        "obligation": "pathway-plan-review", "title": "Review the pathway plan", "citation": "000 §7",
        "ref": None, "due_date": due.isoformat(), "status": "pending", "working_days_overdue": 0,
        "working_days_to_go": 5, "stage": "lead-5", "role": "adviser", "owner": "adviser",
        "adviser_email": SAMPLE_ADVISER, "team": "Sample team", "dispute_stage": None, "escalate_to_stage": None,
        "change_note": None, "routing_note": None,
    }
    return base | changes


def _overdue(as_of: date, **changes: Any) -> dict[str, Any]:
    return _item(as_of, **({"case_ref": "SAMPLE-2", "given_name": "Sam", "family_name": "Example",
                            "initials": "S.E.", "obligation": "housing-register-initial",
                            "title": "Join the Part 6 housing register",
                            "due_date": _weekday(as_of - timedelta(days=14)).isoformat(), "status": "overdue",
                            "working_days_overdue": 10, "working_days_to_go": 0, "stage": "overdue-1"} | changes))


def _dispute(as_of: date) -> dict[str, Any]:
    return _overdue(as_of, case_ref="SAMPLE-3", given_name="Jo", family_name="Specimen", initials="J.S.",
                    obligation="dispute-escalation", title="Resolve the dispute or escalate it",
                    citation="000 §18", ref="D-SAMPLE", due_date=(as_of - timedelta(days=1)).isoformat(),
                    working_days_overdue=1, stage="overdue-0", dispute_stage=2, escalate_to_stage=3)


def adviser_items(as_of: date) -> list[dict[str, Any]]:
    return [_item(as_of), _overdue(as_of), _dispute(as_of)]


def escalation_items(as_of: date) -> list[dict[str, Any]]:
    return [_overdue(as_of, given_name=None, family_name=None, stage="escalated-manager", role="manager")]


def digest_payload(as_of: date, recipient: str) -> dict[str, Any]:
    overdue = {"case_ref": "SAMPLE-2", "initials": "S.E.", "obligation": "housing-register-initial",
               "title": "Join the Part 6 housing register", "citation": "000 §7",
               "due_date": _weekday(as_of - timedelta(days=14)).isoformat(), "adviser": SAMPLE_ADVISER,
               "working_days_overdue": 10, "bucket": "6-20"}
    return {
        "recipient": recipient, "as_of": as_of.isoformat(), "since": (as_of - timedelta(days=7)).isoformat(),
        "teams": ["Sample team"], "overdue_by_adviser": [{"adviser": SAMPLE_ADVISER, "items": [overdue]}],
        "bucket_counts": {"1-5": 0, "6-20": 1, "over 20": 0},
        "became_overdue": [{k: overdue[k] for k in ("case_ref", "initials", "obligation", "title", "due_date",
                                                     "adviser")} | {"citation": ""}],
        "completed": [{"case_ref": "SAMPLE-1", "initials": "A.S.", "obligation": "pathway-plan-review",
                       "title": "Review the pathway plan", "citation": "", "due_date": as_of.isoformat(),
                       "completed_on": (as_of - timedelta(days=2)).isoformat(), "adviser": SAMPLE_ADVISER}],
    }


def operator_payload(as_of: date) -> dict[str, Any]:
    return {"subject": "checker: a sample operator alert", "as_of": as_of.isoformat(),
            "lines": ["This is what an operator alert looks like (a parked message, a failed tick).",
                      "Nothing is wrong: it was sent by `checker send-test` or rendered by `checker config check`."]}


def samples(as_of: date, to: str, case_url_template: str, templates_dir: Path | None, *, key: str,
            contact: str | None = None, mention_advisers: bool = False,
            teams_channel_recipient: str | None = None) -> Iterator[Sample]:
    """Every kind of message, rendered with the settings' templates and case link, addressed to ``to``.

    ``teams_channel_recipient``: the webhook name for the channel card (a card is made either way).
    Raises ``RenderingError`` (or ``fmt``'s errors) at the first one that cannot be rendered.
    """
    def reminder(name: str, channel: str, items: list[dict[str, Any]], recipient: str) -> Sample:
        return Sample(name, channel, render_reminder("reminder", channel, recipient, items, as_of,
                                                     f"{key}:{name}", case_url_template, templates_dir,
                                                     mention_advisers=mention_advisers, contact=contact))

    yield reminder("adviser reminder", EMAIL, adviser_items(as_of), to)
    yield reminder("escalation", EMAIL, escalation_items(as_of), to)
    yield Sample("weekly digest", EMAIL, render_digest(EMAIL, to, digest_payload(as_of, to), f"{key}:digest",
                                                      case_url_template, templates_dir, contact=contact))
    yield Sample("go-live summary", EMAIL, render_summary(to, adviser_items(as_of), as_of, f"{key}:summary",
                                                         case_url_template, templates_dir, contact=contact))
    yield Sample("operator alert", EMAIL, render_operator_alert(to, operator_payload(as_of), f"{key}:operator",
                                                               templates_dir))
    yield reminder("Teams activity", TEAMS_ACTIVITY, [_overdue(as_of, given_name=None, family_name=None)], to)
    yield reminder("Teams channel card", TEAMS_CHANNEL, escalation_items(as_of), teams_channel_recipient or to)


def check_case_link(template: str) -> str | None:
    """Why the case link template cannot make a link, or ``None``: a plain sentence for ``config check``."""
    setting = "the case link template (delivery.case_url_template)"
    try:
        names = [name for _text, name, _spec, _conversion in Formatter().parse(template) if name is not None]
    except ValueError:
        return f"{setting} has a single {{ or }}; write {{{{ and }}}} for a literal brace"
    unknown = sorted({name for name in names if name != "case_ref"})
    if unknown:
        which = ", ".join("{" + name + "}" for name in unknown)
        return (f"{setting} uses {which}, which {'is' if len(unknown) == 1 else 'are'} not a placeholder; "
                "the only one is {case_ref}")
    if not names:
        return (f"{setting} has no {{case_ref}} placeholder, so every link would open the same page; put "
                "{case_ref} where the case reference goes")
    try:
        fmt.case_url(template, SAMPLE_CASE)
    except RenderingError as exc:
        return str(exc)
    return None
