"""Operator alerts (a parked message, a failed tick): the payload's subject and lines as an email."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.rendering import formatting as fmt
from checker.rendering.environment import render
from checker.rendering.errors import RenderingError
from notifiers.base import Message


def operator_context(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What ``operator_alert.html`` and ``operator_alert.txt`` are given."""
    subject = fmt.one_line(str(payload.get("subject") or ""))
    if not subject:
        raise RenderingError("an operator alert needs a subject")
    lines = payload.get("lines") or []
    if not isinstance(lines, list):
        raise RenderingError("an operator alert's lines must be a list of strings")
    as_of = payload.get("as_of")
    day = fmt.parse_date(as_of, "the alert's as_of") if as_of else None
    return {
        "subject": subject,
        "preheader": subject,
        "lines": [str(line) for line in lines],
        "as_of": day,
        "as_of_long": fmt.full_date(day) if day else "",
    }


def render_operator_alert(recipient: str, payload: Mapping[str, Any], key: str,
                          templates_dir: Path | None = None) -> Message:
    """The alert email to the operator: ``payload`` is ``{"subject", "lines", "as_of"}``."""
    context = operator_context(payload)
    return Message(key=key, recipient=recipient, subject=context["subject"],
                   text=render(templates_dir, "operator_alert.txt", context),
                   html=render(templates_dir, "operator_alert.html", context))
