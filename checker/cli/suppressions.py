"""``checker snooze`` and ``checker waiver`` (``checker waive``): record, list and lift snoozes and waivers.

``snooze CASE_REF OBLIGATION --until D --reason R`` (or ``snooze add …``) records one; ``snooze list``
shows those in force (``--all``: lifted and expired too); ``snooze lift ID`` or ``snooze lift --case REF
--obligation O`` ends one early, recording who (``--by``) and when. ``waiver add|list|lift`` is the same
for waivers, and ``waive`` records one as before. A case must be known to the state database (a tick has
reported it), the obligation one the profile switches on and that applies to the case, and the expiry
within the profile's limit (``[suppressions]``: a snooze 28 days, a waiver 365 days by default).
"""

from __future__ import annotations

import getpass
import sys
from datetime import date, timedelta
from typing import Any

import click

from checker import literal
from checker.app import utc_now
from checker.cli.common import EXIT_CANNOT_RUN, profile_option, reports_failures, suppression_line, today_in_london
from checker.cli.records import existing_app
from checker.state import suppressions
from checker.state.schema import KEY, WHO

NOUN = {"snooze": "snooze", "waive": "waiver"}


class _AddByDefault(click.Group):
    """A group whose first argument, when it is not one of its commands, starts the ``add`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


def _limit(kind: suppressions.Kind, limits: Any) -> int:
    return int(limits.snooze_max_days if kind == "snooze" else limits.waiver_max_days)


def _refuse(message: str) -> None:
    literal.echo(f"checker: {message}", err=True)
    sys.exit(EXIT_CANNOT_RUN)


def record(kind: suppressions.Kind, case_ref: str, obligation: str, ref: str, until: date, reason: str,
           by: str | None, profile: str | None) -> None:
    """Check the target and the expiry, then record the snooze or waiver."""
    who = by or getpass.getuser()
    for name, value, limit in (("CASE_REF", case_ref, KEY), ("the dispute ref", ref, KEY), ("--by", who, WHO)):
        if len(value) > limit:
            _refuse(f"{name} is longer than {limit} characters")
    app = existing_app(profile)
    known = {o.id for o in app.profile.obligations}
    if obligation not in known:
        _refuse(f"{obligation!r} is not an obligation of profile {app.profile.name}; "
                f"use one of: {', '.join(sorted(known))}")
    today = today_in_london()
    days = _limit(kind, app.profile.suppressions)
    if until > today + timedelta(days=days):
        _refuse(f"a {NOUN[kind]} may last at most {days} days (profile {app.profile.name}, [suppressions] "
                f"{'snooze' if kind == 'snooze' else 'waiver'}_max_days); give --until "
                f"{today + timedelta(days=days)} or earlier")
    with app.engine.connect() as connection:
        problem = suppressions.unknown_target(connection, case_ref, obligation, ref)
    if problem is not None:
        _refuse(problem)
    try:
        ident = suppressions.add(app.engine, kind=kind, case_ref=case_ref, obligation=obligation, ref=ref,
                                 reason=reason, until=until, created_by=who, now=utc_now(),
                                 today=today)
    except ValueError as exc:
        _refuse(str(exc))
    literal.echo(f"{NOUN[kind]} {ident} recorded for {case_ref} {obligation}{' ' + ref if ref else ''} until {until}.")


def _add_command(kind: suppressions.Kind, name: str, help_text: str) -> click.Command:
    @click.command(name, help=help_text)
    @click.argument("case_ref")
    @click.argument("obligation")
    @click.option("--ref", default="", help="The dispute_ref, for dispute-escalation.")
    @click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
                  help="Expiry date (inclusive), YYYY-MM-DD, within the profile's limit.")
    @click.option("--reason", required=True, help="Why: recorded, and shown by explain and history.")
    @click.option("--by", default=None, help="Who decided (default: the login name).")
    @profile_option
    @reports_failures
    def command(case_ref: str, obligation: str, ref: str, until: Any, reason: str, by: str | None,
                profile: str | None) -> None:
        record(kind, case_ref, obligation, ref, until.date(), reason, by, profile)

    return command


def _list_command(kind: suppressions.Kind) -> click.Command:
    @click.command("list")
    @click.option("--case", "case_ref", default=None, metavar="CASE_REF", help="Only this case's.")
    @click.option("--all", "show_all", is_flag=True, help="Lifted and expired ones too.")
    @reports_failures
    def command(case_ref: str | None, show_all: bool) -> None:
        today = today_in_london()
        found = suppressions.listing(existing_app().engine, kind, case_ref=case_ref,
                                     in_force_on=None if show_all else today)
        if not found:
            literal.echo(f"No {NOUN[kind]}s{'' if show_all else ' in force'}"
                       f"{' for ' + case_ref if case_ref else ''}.")
            return
        for s in found:
            literal.echo(suppression_line(s, today))

    command.help = f"List the {NOUN[kind]}s in force (--all: lifted and expired ones too)."
    return command


def _lift_command(kind: suppressions.Kind) -> click.Command:
    @click.command("lift")
    @click.argument("ident", metavar="ID", type=int, required=False)
    @click.option("--case", "case_ref", default=None, metavar="CASE_REF", help="With --obligation: the case.")
    @click.option("--obligation", default=None, help="With --case: the obligation.")
    @click.option("--ref", default=None, help="With --case and --obligation: only this dispute_ref.")
    @click.option("--by", default=None, help="Who lifts it (default: the login name); kept for the audit.")
    @reports_failures
    def command(ident: int | None, case_ref: str | None, obligation: str | None, ref: str | None,
                by: str | None) -> None:
        if (ident is None) == (case_ref is None or obligation is None):
            raise click.UsageError(f"give a {NOUN[kind]} ID, or --case and --obligation (not both)")
        who = by or getpass.getuser()
        if len(who) > WHO:
            _refuse(f"--by is longer than {WHO} characters")
        app = existing_app()
        today = today_in_london()
        if ident is not None:
            found = [s for s in suppressions.listing(app.engine, kind) if s.id == ident]
            if not found:
                _refuse(f"there is no {NOUN[kind]} {ident}; `checker {_group_name(kind)} list --all` lists them")
        else:
            found = suppressions.listing(app.engine, kind, case_ref=case_ref, obligation=obligation, ref=ref,
                                         in_force_on=today)
            if not found:
                _refuse(f"no {NOUN[kind]} of {case_ref} {obligation}{' ' + ref if ref else ''} is in force")
        live = [s for s in found if s.state(today) == "in force"]
        if not live:
            _refuse(f"{NOUN[kind]} {found[0].id} is {found[0].state(today)} already; nothing to lift")
        count = suppressions.lift(app.engine, (s.id for s in live), who, utc_now())
        for s in live:
            literal.echo(f"{NOUN[kind]} {s.id} of {s.case_ref} {s.obligation}{' ' + s.ref if s.ref else ''} lifted.")
        if count and kind == "snooze":
            literal.echo("The owner's reminders resume from the obligation's next stage.")

    command.help = (f"Lift a {NOUN[kind]} before its expiry: by ID, or every one in force of --case and "
                    "--obligation. Who and when are kept and shown by `checker history`.")
    return command


def _group_name(kind: suppressions.Kind) -> str:
    return "snooze" if kind == "snooze" else "waiver"


def _group(kind: suppressions.Kind, help_text: str, add_help: str) -> click.Group:
    group = _AddByDefault(_group_name(kind), help=help_text)
    group.add_command(_add_command(kind, "add", add_help))
    group.add_command(_list_command(kind))
    group.add_command(_lift_command(kind))
    return group


SNOOZE_HELP = "Pause the owner's reminders for one obligation of one case until a date (escalations go on)."
WAIVE_HELP = "Waive one obligation of one case until a date: no reminders, escalations or digest entries."

snooze = _group("snooze", "Snoozes: `snooze CASE_REF OBLIGATION --until D --reason R` (or `snooze add`) records "
                "one; `snooze list`, `snooze lift`.", SNOOZE_HELP)
waiver = _group("waive", "Waivers: `waiver add CASE_REF OBLIGATION --until D --reason R` (or `waive`) records "
                "one; `waiver list`, `waiver lift`.", WAIVE_HELP)
waive = _add_command("waive", "waive", WAIVE_HELP)
