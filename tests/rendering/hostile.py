"""Markup in every field: the values an attacker with write access to a case record would try.

``hostile(field)`` is one string holding a link, an image with an event handler, a script that breaks
out of an attribute, template syntax, a ``javascript:`` URL, an HTML entity and a Markdown link, all
tagged with the field's name so a test can tell where each shows up. ``benign(field)`` is a value of the
same kind with no markup: rendered with it, a message has the structure it has without an attacker.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from checker.rendering import render_digest, render_operator_alert, render_reminder
from notifiers.base import Message
from rendering.samples import AS_OF, CASE_URL

PAYLOAD = ('<a href="https://evil.example/pay">pay here</a> <img src=x onerror="document.body.dataset.pwned=1"> '
           '"><script>document.body.dataset.pwned=2</script> {{ 7*7 }}{% if 1 %}T{% endif %} '
           'javascript:alert(1) &amp; [md](https://evil.example/md) =?utf-8?b?UGF5IGhlcmU=?=')
# What a person must see, in any message that shows the field: the payload itself, as text.
MARKERS = ('<a href="https://evil.example/pay">', '<img src=x onerror=', '"><script>', "{{ 7*7 }}",
           "javascript:alert(1)", "&amp;", "[md](https://evil.example/md)")

# The text fields of a reminder's facts (checker.facts.ItemFacts). ``due_date``, the counts, ``status``,
# ``role``, ``owner`` and ``stage`` are typed (a date, numbers, enumerations checked when the facts are
# read) and cannot hold markup: a stored row with markup there is refused (tests/test_facts.py).
REMINDER_FIELDS = ("case_ref", "given_name", "family_name", "initials", "title", "citation", "ref", "adviser_email",
                   "team", "change_note", "routing_note", "obligation")
DIGEST_ITEM_FIELDS = ("case_ref", "initials", "title", "citation", "obligation", "adviser")
CONTACT = "contact"
Value = Callable[[str], str]


def hostile(field: str) -> str:
    return f"«{field}» {PAYLOAD}"


def benign(field: str) -> str:
    return f"«{field}» value"


def reminder_facts(value: Value, **changes: Any) -> dict[str, Any]:
    """An overdue dispute item, escalated, re-routed and with a changed date: every sentence shows."""
    facts: dict[str, Any] = {field: value(field) for field in REMINDER_FIELDS}
    facts |= {"due_date": "2026-11-20", "status": "overdue", "working_days_overdue": 1, "working_days_to_go": 0,
              "dispute_stage": 2, "escalate_to_stage": 3, "role": "manager", "owner": "adviser",
              "stage": "dispute-stage-3"}
    return facts | changes


def reminder_variants(value: Value) -> dict[str, list[dict[str, Any]]]:
    """Items that take each branch of the reminder templates, each field filled by ``value(field)``."""
    return {
        "dispute": [reminder_facts(value)],
        "dispute-last-stage": [reminder_facts(value, dispute_stage=4, escalate_to_stage=None)],
        "dispute-due": [reminder_facts(value, status="pending", due_date="2026-11-30", working_days_overdue=0,
                                       working_days_to_go=5)],
        "escalation": [reminder_facts(value, dispute_stage=None, escalate_to_stage=None, role="manager",
                                      stage="escalated-manager", owner="adviser")],
        "adviser": [reminder_facts(value, dispute_stage=None, escalate_to_stage=None, role="adviser",
                                   routing_note=None, stage="overdue-1"),
                    reminder_facts(value, dispute_stage=None, escalate_to_stage=None, role="adviser",
                                   routing_note=None, stage="lead-5", status="pending", due_date="2026-11-30",
                                   working_days_overdue=0, working_days_to_go=5)],
    }


def digest_payload(value: Value) -> dict[str, Any]:
    def item(due: str, late: int, **extra: Any) -> dict[str, Any]:
        return ({field: value(field) for field in DIGEST_ITEM_FIELDS}
                | {"due_date": due, "working_days_overdue": late, "bucket": "1-5"} | extra)

    return {"as_of": AS_OF, "since": "2026-11-16", "teams": [value("team"), value("team2")],
            "overdue_by_adviser": [{"adviser": value("group_adviser"), "items": [item("2026-11-18", 3),
                                                                                 item("2026-11-20", 1)]}],
            "bucket_counts": {"1-5": 2}, "became_overdue": [item("2026-11-20", 1)],
            "completed": [item("2026-12-01", 0, completed_on="2026-11-19")]}


def operator_payload(value: Value) -> dict[str, Any]:
    return {"subject": value("subject"), "lines": [value("line1"), value("line2")], "as_of": AS_OF}


class Page(HTMLParser):
    """The elements of an HTML document (tag and attribute names), its URLs, and its text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.urls: list[str] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.urls += [value or "" for name, value in attrs if name in ("href", "src", "action", "formaction")]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


# --- every message kind, built from values of one kind or the other ------------------------------------


def emails(value: Value) -> dict[str, Message]:
    built = {f"reminder-{name}": render_reminder("reminder", "email", "pa@council.example", items, AS_OF, "k",
                                                 CASE_URL, contact=value(CONTACT))
             for name, items in reminder_variants(value).items()}
    built["digest"] = render_digest("email", "m@council.example", digest_payload(value), "k", CASE_URL,
                                    contact=value(CONTACT))
    built["operator"] = render_operator_alert("op@council.example", operator_payload(value), "k")
    return built


def teams(value: Value) -> dict[str, Message]:
    built = {}
    for name, items in reminder_variants(value).items():
        built[f"card-{name}"] = render_reminder("reminder", "teams_channel", "team", items, AS_OF, "k",
                                                CASE_URL, mention_advisers=True)
        built[f"activity-{name}"] = render_reminder("reminder", "teams_activity", "pa@council.example", items,
                                                    AS_OF, "k", CASE_URL)
    return built
