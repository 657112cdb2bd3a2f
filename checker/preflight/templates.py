"""Checks of what checker writes: the case link template and every message template, rendered with
sample facts (``checker.rendering.samples``), so a typo shows here and not as parked messages later."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from checker.planning.window import london_today
from checker.preflight.results import Check, failed, passed
from checker.rendering import RenderingError
from checker.rendering import formatting as fmt
from checker.rendering.samples import SAMPLE_CASE, check_case_link, samples
from checker.settings import DeliverySettings, Settings

STAND_IN_LINK = DeliverySettings().case_url_template  # used to go on checking the templates after a bad link


def check_templates(settings: Settings) -> Iterator[Check]:
    d = settings.delivery
    problem = check_case_link(d.case_url_template)
    if problem is None:
        yield passed("case link", f"{SAMPLE_CASE} → {fmt.case_url(d.case_url_template, SAMPLE_CASE)}")
    else:
        yield failed("case link", problem, "Correct delivery.case_url_template, e.g. "
                     "\"https://case-management.example/people/{case_ref}\"")
    link = d.case_url_template if problem is None else STAND_IN_LINK
    folder = settings.resolve(d.templates_dir) if d.templates_dir else None
    where = f"the templates in {folder} (and the bundled ones)" if folder else "the bundled templates"
    try:
        made = list(samples(london_today(datetime.now(UTC)), "someone@sample.invalid", link, folder, key="config-check",
                            contact=settings.routing.operator_email, mention_advisers=d.mention_advisers))
    except RenderingError as exc:
        yield failed("templates", f"a sample message cannot be rendered from {where}: {exc}",
                     "Correct the template named (delivery.templates_dir holds your own), then run config check again")
        return
    yield passed("templates", f"{len(made)} sample messages rendered from {where}: "
                 + ", ".join(s.name for s in made))
