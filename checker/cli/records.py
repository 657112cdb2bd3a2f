"""Commands on the state: ``db upgrade``, ``outbox``, ``history`` (snoozes and waivers: ``suppressions.py``)."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path
from typing import Literal

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from checker import literal
from checker.app import App, utc_now
from checker.cli.common import (
    EXIT_CANNOT_RUN,
    as_of_option,
    reports_failures,
    suppression_line,
)
from checker.settings import Settings
from checker.state import link_actions, reports, suppressions
from checker.state import outbox as box
from checker.state.database import current_revision, head_revision, open_database, open_existing, upgrade


def _app(profile: str | None = None) -> App:
    try:
        return App.from_settings(Settings(), profile)
    except SQLAlchemyError as exc:
        literal.echo(f"checker: cannot open the state database: {exc.__class__.__name__}: "
                     f"{str(exc).splitlines()[0]}", err=True)
        sys.exit(EXIT_CANNOT_RUN)


def existing_app(profile: str | None = None) -> App:
    """The application over a state database that exists already; if there is none, say so and exit.

    ``history``, ``outbox``, ``snooze`` and ``waiver`` need what a tick recorded: they must not leave an
    empty database behind where the operator mistyped the path, nor answer as if a real one were empty.
    """
    settings = Settings()
    url = settings.state_url.get_secret_value()
    engine = open_existing(url)  # a database that fails is told by ``reports_failures`` (exit 3)
    if engine is None:
        parsed = make_url(url)
        where = (f"at {Path(parsed.database or '').resolve()}" if parsed.get_backend_name() == "sqlite"
                 else f"on {parsed.host or 'the server'} (database {parsed.database}) with checker's tables")
        literal.echo(f"checker: there is no state database {where}; nothing has run against it yet. Check "
                     "CHECKER_STATE_URL (or state_url in the settings file); `checker run --once` or "
                     "`checker db upgrade` creates one.", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    engine.dispose()
    return _app(profile)


@click.group()
def db() -> None:
    """The state database (SQLite by default, PostgreSQL for real deployments)."""


@db.command("upgrade")
@reports_failures
def db_upgrade() -> None:
    """Migrate the state database to the newest schema (also done on start-up)."""
    engine = open_database(Settings().state_url.get_secret_value())
    before = current_revision(engine)
    upgrade(engine)
    literal.echo(f"state database at revision {current_revision(engine)} (was {before or 'empty'}; "
                 f"newest {head_revision()})")


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="List pending and sent messages too.")
@click.pass_context
@reports_failures
def outbox(ctx: click.Context, show_all: bool) -> None:
    """List held and parked messages (--all: everything recent). `outbox retry|drop ID|--all` decides."""
    if ctx.invoked_subcommand is not None:
        return
    states = ("held", "parked", "pending", "sending", "sent", "cancelled") if show_all else box.OPERATOR_STATES
    messages = box.listing(existing_app().engine, states)
    if not messages:
        literal.echo("No held or parked messages." if not show_all else "The outbox is empty.")
        return
    for m in messages:
        literal.echo(f"{m.id:>6}  {m.state:<9} {m.kind:<8} {m.channel:<14} {m.recipient:<32} "
                     f"attempts {m.attempts}  {m.last_error or ''}")
    if any(m.state == "held" for m in messages):
        literal.echo("Held: sent with no definite answer, so it may have arrived. `checker outbox retry ID` sends it "
                   "again; `checker outbox drop ID` lets it go.")


def _decide(action: Literal["retry", "drop"], message_id: int | None, every: bool, by: str | None) -> list[int]:
    if (message_id is None) == (not every):
        raise click.UsageError("give a message id or --all (not both)")
    return box.operator_action(existing_app().engine, action, message_id, by=by or getpass.getuser(), now=utc_now())


_BY = click.option("--by", metavar="NAME", help="Who decides, for the record (default: your login name).")


@outbox.command("retry")
@click.argument("message_id", type=int, required=False)
@click.option("--all", "retry_all", is_flag=True, help="Requeue every held and parked message.")
@_BY
@reports_failures
def outbox_retry(message_id: int | None, retry_all: bool, by: str | None) -> None:
    """Send a held or parked message (or all of them) again, with a fresh attempt budget; recorded."""
    count = len(_decide("retry", message_id, retry_all, by))
    if message_id is not None and not count:
        raise click.ClickException(f"message {message_id} is not held or parked")
    literal.echo(f"{count} message{'s' if count != 1 else ''} requeued; the next delivery pass sends "
                 f"{'them' if count != 1 else 'it'}.")


@outbox.command("drop")
@click.argument("message_id", type=int, required=False)
@click.option("--all", "drop_all", is_flag=True, help="Drop every held and parked message.")
@_BY
@reports_failures
def outbox_drop(message_id: int | None, drop_all: bool, by: str | None) -> None:
    """Let a held or parked message go (it arrived after all, or is no longer wanted); recorded."""
    count = len(_decide("drop", message_id, drop_all, by))
    if message_id is not None and not count:
        raise click.ClickException(f"message {message_id} is not held or parked")
    literal.echo(f"{count} message{'s' if count != 1 else ''} dropped; never sent by checker.")


@click.command()
@click.argument("case_ref")
@as_of_option
@reports_failures
def history(case_ref: str, as_of: date) -> None:
    """The audit trail of one case: what changed, who was told what, when, and its snoozes and waivers
    (with who lifted one, and when)."""
    app = existing_app()
    with app.engine.connect() as connection:
        events, notes = reports.case_history(connection, case_ref)
        acted = link_actions.for_case(connection, case_ref)
    recorded = suppressions.for_case(app.engine, case_ref)
    if not events and not notes and not recorded and not acted:
        literal.echo(f"No history for {case_ref}.")
        return
    literal.echo(f"History of {case_ref}")
    for e in events:
        change = f" {e.old_value or ''} -> {e.new_value or ''}" if (e.old_value or e.new_value) else ""
        literal.echo(f"  {e.at:%Y-%m-%d %H:%M} UTC  {e.obligation}{' ' + e.ref if e.ref else ''}: {e.event}{change}")
    for n in notes:
        when = f"sent {n.sent_at:%Y-%m-%d %H:%M} UTC" if n.sent_at else (n.message_state or "not grouped")
        literal.echo(f"  {n.created_at:%Y-%m-%d %H:%M} UTC  {n.obligation}{' ' + n.ref if n.ref else ''} "
                     f"due {n.due_date} {n.stage} -> {n.recipient} ({n.channel}): {n.state}; {when}"
                     f"{'; ' + n.note if n.note else ''}")
    for s in recorded:
        literal.echo(suppression_line(s, as_of))
    for a in acted:
        what = (f"snoozed until {a.snooze_until}: {a.reason or ''}" if a.action == "snooze" else "acknowledged")
        literal.echo(f"  {a.at:%Y-%m-%d %H:%M} UTC  {a.obligation}{' ' + a.ref if a.ref else ''} due {a.due_date} "
                     f"{a.stage}: {what} from the message link issued to {a.recipient or '(erased)'}")
