"""``checker send-test --to ADDRESS``: one sample of each message kind through the configured channels.

Before go-live, to see a real message in a real mailbox and Teams: the adviser reminder, an escalation,
the weekly digest and an operator alert by email to ADDRESS, the Teams activity notification to ADDRESS
(its Entra user name) when that channel is on, and the channel card to the webhook named by ``--webhook``
when the Teams channel is on. The facts are made up (``checker.rendering.samples``): no case record is
read, no state database is opened or written, and each subject starts with "[test]".
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime

import click

from checker import literal
from checker.app import utc_now
from checker.channels import ChannelSetupError, build_channels
from checker.cli.common import EXIT_CANNOT_RUN, reports_failures
from checker.planning.window import london_today
from checker.rendering import RenderingError
from checker.rendering.reminders import TEAMS_CHANNEL
from checker.rendering.samples import Sample, samples
from checker.settings import Settings
from notifiers.base import DeliveryError, Message

PREFIX = "[test] "


def _test_message(sample: Sample) -> Message:
    return replace(sample.message, subject=PREFIX + sample.message.subject)


@click.command("send-test")
@click.option("--to", "to", required=True, metavar="ADDRESS",
              help="Who receives the samples: an email address (also the Teams user for the activity feed).")
@click.option("--webhook", default=None, metavar="NAME",
              help="With the Teams channel on: the webhook (teams.webhooks NAME) to post the sample card to.")
@reports_failures
def send_test(to: str, webhook: str | None) -> None:
    """Send one sample of each message kind through the configured channels (made-up data, no case data)."""
    settings = Settings()
    d = settings.delivery
    now: datetime = utc_now()
    templates = settings.resolve(d.templates_dir) if d.templates_dir else None
    try:
        made = list(samples(london_today(now), to.strip(), d.case_url_template, templates,
                            key=f"send-test:{now:%Y%m%dT%H%M%S}", contact=settings.routing.operator_email,
                            mention_advisers=d.mention_advisers, teams_channel_recipient=webhook))
    except RenderingError as exc:
        literal.echo(f"checker: the samples cannot be rendered: {exc}. `checker config check` says more.", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    try:
        channels = build_channels(settings)
    except ChannelSetupError as exc:
        literal.echo(f"checker: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    failures = 0
    with channels:
        for sample in made:
            notifier = channels.notifiers.get(sample.channel)
            label = f"{sample.name} ({sample.channel})"
            if notifier is None:
                literal.echo(f"{label}: not sent, the channel is off")
                continue
            if sample.channel == TEAMS_CHANNEL and webhook is None:
                literal.echo(f"{label}: not sent; give --webhook NAME to post it to a team's channel")
                continue
            message = _test_message(sample)
            try:
                notifier.send(message, None, lambda _progress: None)
            except DeliveryError as exc:
                failures += 1
                literal.echo(f"{label}: FAILED: {exc}")
                continue
            literal.echo(f"{label}: sent to {message.recipient} via {notifier.channel}: {message.subject}")
    if failures:
        literal.echo(f"{failures} sample{'s' if failures != 1 else ''} could not be sent.", err=True)
        sys.exit(EXIT_CANNOT_RUN)
