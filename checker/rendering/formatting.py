"""How values read in a message: UK dates, working days, roles, dispute stages, citations, case links.

Everything here is plain text; escaping for HTML or Adaptive Card markdown happens where the text is
placed (the Jinja environment, ``cards.markdown_literal``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from checker.rendering.errors import RenderingError

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS_FULL = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_FULL = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")

ROLE_NAMES = {
    "adviser": "personal adviser",
    "manager": "team manager",
    "senior_manager": "senior manager",
    "head_of_service": "head of service",
}

# 000 §18: who holds a dispute at each stage.
DISPUTE_STAGES = {
    1: "workers",
    2: "line managers",
    3: "senior manager lead for housing",
    4: "head of service",
}

# The protocol documents cited as "000 §7" (the README lists them), named for people who do not know
# the file numbers. An unknown number is shown as it is.
PROTOCOL_DOCUMENTS = {
    "000": "Lancashire protocol",
    "001": "MHCLG/DfE good practice advice",
    "002": "Kent protocol",
    "003": "BCP protocol",
    "004": "Luton protocol",
}

_DOCUMENT_NUMBER = re.compile(r"^(\d{3})\b")
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def parse_date(value: date | str, what: str) -> date:
    """A ``date`` from the ISO text the planner stores (or a ``date`` already)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise RenderingError(f"{what} is not an ISO date: {value!r}") from None


def day_month_year(day: date) -> str:
    """'Mon 1 Dec 2026'."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def day_month(day: date, as_of: date) -> str:
    """'Mon 1 Dec' for subjects; with the year when it is not the as-of year."""
    text = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return text if day.year == as_of.year else f"{text} {day.year}"


def uk_dates_in(text: str) -> str:
    """ISO dates inside a sentence shown the UK way: 'moved from 2026-10-31' → 'moved from Sat 31 Oct 2026'."""

    def uk(found: re.Match[str]) -> str:
        try:
            return day_month_year(date(int(found[1]), int(found[2]), int(found[3])))
        except ValueError:
            return found[0]

    return _ISO_DATE.sub(uk, text)


def full_date(day: date) -> str:
    """'Monday 23 November 2026', for a message's heading."""
    return f"{_WEEKDAYS_FULL[day.weekday()]} {day.day} {_MONTHS_FULL[day.month - 1]} {day.year}"


def week_commencing(day: date, as_of: date) -> str:
    """The Monday of ``day``'s week: '23 Nov' (with the year when it differs from the as-of year)."""
    monday = day - timedelta(days=day.weekday())
    text = f"{monday.day} {_MONTHS[monday.month - 1]}"
    return text if monday.year == as_of.year else f"{text} {monday.year}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 working day', '3 working days'."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def working_days(count: int) -> str:
    return plural(count, "working day")


def actions(count: int) -> str:
    """'1 housing protocol action', '2 housing protocol actions'."""
    return plural(count, "housing protocol action")


def role_name(role: str | None) -> str:
    """'team manager' for 'manager'; an unknown role is shown with its underscores as spaces."""
    if not role:
        return "unknown role"
    return ROLE_NAMES.get(role, role.replace("_", " "))


def dispute_stage_name(stage: int) -> str:
    return DISPUTE_STAGES.get(stage, f"stage {stage}")


def describe_citation(citation: str | None) -> str:
    """'000 §7, 002 §7.2' → 'Lancashire protocol 000 §7; Kent protocol 002 §7.2'."""
    if not citation:
        return ""
    groups: list[list[str]] = []
    for part in (p.strip() for p in citation.split(",")):
        if not part:
            continue
        if _DOCUMENT_NUMBER.match(part) or not groups:
            groups.append([part])
        else:
            groups[-1].append(part)
    described = []
    for group in groups:
        text = ", ".join(group)
        found = _DOCUMENT_NUMBER.match(text)
        name = PROTOCOL_DOCUMENTS.get(found.group(1)) if found else None
        described.append(f"{name} {text}" if name else text)
    return "; ".join(described)


def action_phrase(title: str) -> str:
    """A title as it reads inside a sentence: 'Join the Part 6 housing register' → 'join the Part 6 …'.

    An acronym at the start ('PA contacts housing') keeps its capitals.
    """
    if len(title) >= 2 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def one_line(text: str) -> str:
    """Line breaks and tabs as single spaces: for subjects, previews and card text."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # nothing to do (every whitespace but the space is unprintable): the usual case, cheaply
    return " ".join(_LINE_BREAKS.sub(" ", text).split())


def case_url(template: str, case_ref: str) -> str:
    """The case's page: ``template`` with ``{case_ref}`` replaced by the URL-encoded reference.

    The reference is encoded whole (``/``, ``:``, ``?``, ``#`` included), so it can never change the
    address's scheme, host or path segments; and the address must be ``http`` or ``https``, so no link
    in a message is ever a ``javascript:`` or ``data:`` URL.
    """
    try:
        url = template.format(case_ref=quote(case_ref, safe=""))
    except (KeyError, IndexError, ValueError) as exc:
        raise RenderingError(
            f"the case URL template {template!r} must contain only the placeholder {{case_ref}} ({exc!r})"
        ) from None
    if urlsplit(url).scheme.lower() not in ("http", "https") or not url.isprintable():
        raise RenderingError(f"the case URL template {template!r} must make an http:// or https:// address")
    return url
