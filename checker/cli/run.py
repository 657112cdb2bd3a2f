"""``checker run``: the daemon (``checker/daemon.py``); ``checker run --once``: one full tick, then exit.

The state database is migrated first. Planning commits in one transaction before anything is sent
(``checker/tick.py``); delivery then sends every due message through the channels chosen in settings
(``checker/channels.py``). Run twice on unchanged data, the second run plans and sends nothing. Killed
part-way, the next run resumes from the outbox: nothing planned is lost or sent twice.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
import httpx

from checker import literal
from checker.app import App, utc_now
from checker.as_of import history_problem
from checker.channels import ChannelSetupError, build_channels
from checker.cli.common import (
    EXIT_CANNOT_RUN,
    digests_option,
    given,
    input_options,
    reports_failures,
    scratch_state_option,
    today_in_london,
)
from checker.daemon import Daemon
from checker.health import HealthServerError
from checker.logs import configure_logging
from checker.metrics import Metrics
from checker.planning.guard import TickAbortedError
from checker.settings import Settings
from checker.sources.factory import named_source, open_source
from checker.tick import TickReport

EXIT_ABORTED = 1
EXIT_UNDELIVERED = 4  # the tick was made, but messages were parked or held: the operator must look


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def summary(report: TickReport) -> str:
    """What one tick did, in a few lines without personal data."""
    d = report.delivery
    lines = [
        f"Tick {report.run_id} as of {report.as_of}: {plural(report.cases_read, 'case')} read"
        f" ({report.cases_rejected} rejected), {plural(report.findings, 'finding')}"
        f" ({report.overdue} overdue), {plural(report.data_errors, 'data error')}.",
        f"Planned {plural(report.planned, 'new notification')} in {plural(report.messages, 'message')}"
        f" and {plural(report.digests, 'digest')}; {report.closed} obligations closed.",
        f"Delivered {d.sent}; {d.failed} to retry later; {d.parked} parked; {d.held} held; "
        f"{d.cancelled} cancelled before sending.",
    ]
    lines += [f"Note: {line}." for line in report.unknown_columns]
    if report.go_live:
        lines.append(f"Go-live: this was {report.go_live}, so each person got one summary of everything open for "
                     "them instead of a message per item (docs/go-live.md).")
    if report.data_errors:
        lines.append("The operator is told of the data errors (again when they change, and weekly while they stand); "
                     "`checker check` lists them with case and field.")
    if d.parked:
        lines.append("Parked messages are listed by `checker outbox`; fix the cause, then `checker outbox retry ID`.")
    if d.held:
        lines.append("Held messages went out with no definite answer (they may have arrived): `checker outbox` "
                     "lists them; `checker outbox retry ID` sends one again, `checker outbox drop ID` lets it go.")
    if d.resumed:
        lines.append(f"Resumed {plural(d.resumed, 'message')} claimed by a process that died.")
    return "\n".join(lines)


def run_tick(app: App, settings: Settings, cases: Path | None, disputes: Path | None, source: str | None,
             as_of: date, *, digests: bool | None = None, echo: bool = False, guarded: bool = True) -> TickReport:
    """One full tick, as ``run --once`` and ``demo`` make it. A tick the guard stopped exits 1."""
    try:
        channels = build_channels(settings, echo=echo)
    except ChannelSetupError as exc:
        literal.echo(f"checker: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    with channels:
        tick = app.tick(open_source(settings, cases, disputes, source), guarded=guarded)
        try:
            return tick.run_once(as_of, utc_now(), app.delivery(channels), digests=digests)
        except TickAbortedError as exc:
            literal.echo(f"checker: {exc}. The operator was told.", err=True)
            sys.exit(EXIT_ABORTED)


def serve(settings: Settings, profile: str | None, source: str | None, log_level: str) -> None:
    """Run the daemon until SIGTERM or SIGINT."""
    try:
        configure_logging(log_level)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--log-level") from None
    app = App.from_settings(settings, profile)
    named_source(settings, source)  # a missing or unknown source is a start-up error, not a failed tick
    try:
        channels = build_channels(settings)
    except ChannelSetupError as exc:
        literal.echo(f"checker: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    with channels:
        try:
            daemon = Daemon(settings, app, channels, Metrics(), source=source)
        except ValueError as exc:
            literal.echo(f"checker: {exc}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        try:
            daemon.run_until_signalled()
        except HealthServerError as exc:
            literal.echo(f"checker: {exc}", err=True)
            sys.exit(EXIT_CANNOT_RUN)


@click.command()
@click.option("--once", is_flag=True, help="Make one tick and exit, instead of running as the daemon.")
@input_options
@digests_option
@click.option("--accept-drop", is_flag=True,
              help="Go on although the source has far fewer cases than the last good tick (the drop is real).")
@scratch_state_option
@click.option("--log-level", default="INFO", show_default=True, metavar="LEVEL",
              help="The daemon's log level (JSON lines on stdout).")
@click.option("--dry-run", is_flag=True,
              help="With --once: the same as `checker plan` (who would be told what; nothing sent or written).")
@reports_failures
def run(once: bool, as_of: date, profile: str | None, cases: Path | None, disputes: Path | None,
        source: str | None, digests: bool | None, accept_drop: bool, scratch_state: bool, log_level: str,
        dry_run: bool) -> None:
    """The daemon: tick on schedule, deliver, serve /healthz, /readyz and /metrics. --once: one tick, then exit.

    \b
    Exit status of --once: 0 done; 1 the source guard stopped the tick; 2 cannot run (settings, source,
    an as-of that would rewrite history); 3 the state database cannot be used; 4 the tick was made but
    messages were parked or held (see `checker outbox`).
    """
    settings = Settings()
    if not once:
        given_as_of = given(click.get_current_context(), "as_of")
        if (cases is not None or disputes is not None or given_as_of or digests is not None or accept_drop
                or scratch_state or dry_run):
            raise click.UsageError("--as-of, --cases, --disputes, --digests, --accept-drop, --dry-run and "
                                   "--scratch-state are for --once; the daemon reads its source from settings "
                                   "(--source NAME or default_source)")
        serve(settings, profile, source, log_level)
        return
    if dry_run:  # `checker plan` under its first name
        from checker.cli.plan import rehearse  # noqa: PLC0415 - only a dry run needs it

        rehearse(settings, profile, cases, disputes, source, as_of, digests=digests, guarded=not accept_drop,
                 scratch_state=scratch_state)
        return
    app = App.from_settings(settings, profile)
    problem = None if scratch_state else history_problem(app.engine, as_of, today_in_london())
    if problem is not None:
        literal.echo(f"checker: {problem}. Nothing was done. Only on a scratch copy of the state database: "
                     "--scratch-state.", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    report = run_tick(app, settings, cases, disputes, source, as_of, digests=digests, guarded=not accept_drop)
    literal.echo(summary(report))
    if report.delivery.needs_operator:
        sys.exit(EXIT_UNDELIVERED)


@click.command()
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for an answer.")
def healthcheck(timeout: float) -> None:
    """Exit 0 when this machine's daemon answers /healthz (the container's HEALTHCHECK)."""
    port = Settings().health.port
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=timeout)
    except httpx.HTTPError as exc:
        literal.echo(f"checker: the daemon does not answer on port {port}: {exc.__class__.__name__}", err=True)
        sys.exit(1)
    if answer.status_code != 200:
        literal.echo(f"checker: /healthz answered {answer.status_code}", err=True)
        sys.exit(1)
    literal.echo("ok")
