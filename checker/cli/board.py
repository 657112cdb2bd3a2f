"""The board's commands: ``report`` (the quarterly compliance report), ``forecast`` and ``audit export``."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from checker import literal, spreadsheet
from checker.cli.common import as_of_option, profile_option, reports_failures, today_in_london
from checker.cli.records import _app


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


@click.command()
@click.option("--period", required=True, metavar="YYYYQN", help="The quarter, e.g. 2026Q3.")
@click.option("--team", default=None, help="One team's report (its breakdowns suppress small numbers).")
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Folder for report.html, the CSV files and the PNG charts.")
@click.option("--threshold", type=int, default=None,
              help="Small-number suppression threshold (default from settings: 5).")
@profile_option
@reports_failures
def report(period: str, team: str | None, out: Path, threshold: int | None, profile: str | None) -> None:
    """The quarterly protocol compliance report from the state database's history, for a quarter that has ended."""
    from checker.board.build import build_report  # noqa: PLC0415 - matplotlib only for this command
    from checker.board.period import Quarter  # noqa: PLC0415 - as above

    try:
        quarter = Quarter.parse(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    today = today_in_london()
    if quarter.end >= today:
        raise click.BadParameter(
            f"{period} ends on {quarter.end:%d %B %Y}: its report can be made from the next day. Before then every "
            "deadline of the quarter still to come would count as not met.", param_hint="--period")
    app = _app(profile)
    limit = threshold if threshold is not None else app.settings.report.small_number_threshold
    if limit < 1:
        raise click.BadParameter("must be at least 1", param_hint="--threshold")
    built = build_report(app.engine, app.profile, quarter, team=team, threshold=limit, generated=today)
    written = built.write(out)
    for line in built.report.summary:
        literal.echo(line)
    literal.echo(f"Wrote {len(written)} files to {out} (open {out / 'report.html'}).")


@click.command()
@click.option("--weeks", type=click.IntRange(1, 104), default=8, show_default=True, help="How many weeks ahead.")
@click.option("--team", default=None, help="One team only.")
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@as_of_option
@reports_failures
def forecast(weeks: int, team: str | None, output: str, as_of: date) -> None:
    """What becomes due, per week and per adviser, in the next N weeks (from the last check's findings)."""
    from checker.board.forecast import forecast as compute  # noqa: PLC0415 - loaded with the command

    with _app().engine.connect() as connection:
        rows = compute(connection, as_of, weeks, team)
    if output == "json":
        literal.echo(json.dumps([{"week_starting": r.week_starting.isoformat(), "adviser": r.adviser, "team": r.team,
                                "due": r.due} for r in rows], indent=2))
    elif output == "csv":
        writer = spreadsheet.writer(sys.stdout)
        writer.writerow(["week_starting", "adviser", "team", "due"])
        writer.writerows([(r.week_starting.isoformat(), r.adviser, r.team, r.due) for r in rows])
    elif not rows:
        literal.echo(f"Nothing falls due in the next {weeks} week{'s' if weeks != 1 else ''}.")
    else:
        literal.echo(f"{'week starting':<14} {'adviser':<40} {'team':<16} {'due':>4}")
        for r in rows:
            literal.echo(f"{r.week_starting:%Y-%m-%d}     {r.adviser:<40} {r.team:<16} {r.due:>4}")
        literal.echo(f"{sum(r.due for r in rows)} due in {weeks} week{'s' if weeks != 1 else ''}.")


@click.group()
def audit() -> None:
    """The audit trail of the whole ledger."""


@audit.command("export")
@click.option("--from", "first", callback=_day, required=True, metavar="YYYY-MM-DD", help="First day (UTC).")
@click.option("--to", "last", callback=_day, required=True, metavar="YYYY-MM-DD", help="Last day (UTC), inclusive.")
@click.option("--format", "output", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--case", "case_ref", default=None, metavar="REF", help="One young person only.")
@reports_failures
def audit_export(first: date, last: date, output: str, case_ref: str | None) -> None:
    """Every ledger event in the period: who was told what, when, by which channel; snoozes, waivers, escalations."""
    from checker.board.audit import FIELDS, audit_events  # noqa: PLC0415 - loaded with the command

    if last < first:
        raise click.BadParameter("--to is before --from", param_hint="--to")
    with _app().engine.connect() as connection:
        events = audit_events(connection, first, last, case_ref)
        if output == "csv":
            writer = spreadsheet.dict_writer(sys.stdout, FIELDS)
            writer.writeheader()
            writer.writerows(events)
            return
        sys.stdout.write("[")
        for n, event in enumerate(events):
            sys.stdout.write(("," if n else "") + "\n  " + json.dumps(event, default=str))
        sys.stdout.write("\n]\n")
