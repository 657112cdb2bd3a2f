"""Rendering: stored facts and payloads → ``notifiers.base.Message`` (email, Teams card, Teams activity).

Templates live in ``config/templates/``; an operator's ``templates_dir`` overrides them file by file.
"""

from __future__ import annotations

from checker.rendering.cards import markdown_literal
from checker.rendering.digest import render_digest
from checker.rendering.environment import bundled_templates_dir
from checker.rendering.errors import RenderingError
from checker.rendering.operator import render_operator_alert
from checker.rendering.outbox import OutboxRenderer
from checker.rendering.reminders import render_reminder

__all__ = [
    "OutboxRenderer",
    "RenderingError",
    "bundled_templates_dir",
    "markdown_literal",
    "render_digest",
    "render_operator_alert",
    "render_reminder",
]
