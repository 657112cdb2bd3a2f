"""``checker away``: mark an adviser or manager away for a period, with a deputy or none; list and end absences.

``away EMAIL --from D --until D [--deputy EMAIL]`` (or ``away add …``) records one; ``away list`` shows
those in force today (``--all``: every one recorded); ``away end ID`` ends one early. While someone is
away their reminders and escalations go to the deputy, or with none to the team manager (an adviser)
or the senior manager (a manager), and each message says why.
"""

from __future__ import annotations

import getpass
import sys
from datetime import date

import click

from checker import literal
from checker.app import utc_now
from checker.cli.common import EXIT_CANNOT_RUN, reports_failures, today_in_london
from checker.cli.records import existing_app
from checker.cli.suppressions import _AddByDefault
from checker.state import absences
from checker.state.schema import EMAIL, WHO


def _refuse(message: str) -> None:
    literal.echo(f"checker: {message}", err=True)
    sys.exit(EXIT_CANNOT_RUN)


@click.group(cls=_AddByDefault)
def away() -> None:
    """Mark someone away (their items go to a deputy or their manager), list absences, end one."""


@away.command("add")
@click.argument("email")
@click.option("--from", "starts_on", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day away.")
@click.option("--until", "ends_on", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day away.")
@click.option("--deputy", default=None, help="Who takes their items (default: their manager).")
@click.option("--by", default=None, help="Who records it (default: the login name).")
@reports_failures
def add(email: str, starts_on: object, ends_on: object, deputy: str | None, by: str | None) -> None:
    """Record that EMAIL is away from --from to --until (inclusive)."""
    from notifiers.smtp import is_email_address  # noqa: PLC0415 - the notifiers package loads httpx

    first, last = starts_on.date(), ends_on.date()  # type: ignore[attr-defined]
    who = by or getpass.getuser()
    for name, value in (("EMAIL", email), ("--deputy", deputy)):
        if value is not None and (len(value) > EMAIL or not is_email_address(value)):
            _refuse(f"{name} is not a plain email address of at most {EMAIL} characters")
    if len(who) > WHO:
        _refuse(f"--by is longer than {WHO} characters")
    if last < today_in_london():
        _refuse(f"--until {last} is in the past")
    app = existing_app()
    try:
        absence_id = absences.add(app.engine, email=email, starts_on=first, ends_on=last, deputy=deputy,
                                  created_by=who, now=utc_now())
    except ValueError as exc:
        _refuse(str(exc))
    cover = f"their deputy {deputy}" if deputy else "their manager"
    literal.echo(f"Absence {absence_id}: {email} away {first} to {last}; their items go to {cover}.")


@away.command("list")
@click.option("--all", "everything", is_flag=True, help="Every absence recorded, not only those in force today.")
@reports_failures
def list_absences(everything: bool) -> None:
    """The absences in force today (``--all``: every one recorded)."""
    today: date | None = None if everything else today_in_london()
    found = absences.listing(existing_app().engine, today)
    if not found:
        literal.echo("No absences." if everything else "Nobody is marked away today.")
    for a in found:
        state = " (ended early)" if a.revoked_at else ""
        literal.echo(f"{a.id}  {a.email}  {a.starts_on} to {a.ends_on}  deputy: {a.deputy or '(their manager)'}"
                     f"  recorded by {a.created_by}{state}")


@away.command("end")
@click.argument("absence_id", type=int)
@reports_failures
def end(absence_id: int) -> None:
    """End absence ABSENCE_ID now: their items come back to them from the next tick."""
    if not absences.end(existing_app().engine, absence_id, utc_now()):
        _refuse(f"no absence {absence_id} in force (see `checker away list --all`)")
    literal.echo(f"Absence {absence_id} ended.")
