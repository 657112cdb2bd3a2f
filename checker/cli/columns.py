"""``checker columns``: the input contract of a profile, printed (docs/input.md is the same in prose)."""

from __future__ import annotations

import click

from checker import literal
from checker.cli.common import profile_option, reports_failures
from checker.columns import (
    BASE_NAMES,
    TYPE_RULES,
    ColumnUse,
    case_column_uses,
    dispute_column_uses,
    not_checked,
)
from checker.profiles import Profile, load_profile
from checker.settings import Settings
from checker.sources.base import Source


@click.command()
@profile_option
@click.option("--all", "show_all", is_flag=True, help="List the columns this profile does not read too.")
@reports_failures
def columns(profile: str | None, show_all: bool) -> None:
    """The columns the profile reads: type, required or optional, and the obligations that use each.

    Column names are matched in any case; a column the header lacks reads as empty in every row, and
    extra columns are ignored. docs/input.md describes every column, its values and the JSON output."""
    settings = Settings()
    loaded = load_profile(profile or settings.profile, settings.config_dir)
    literal.echo(f"Profile {loaded.name}: {loaded.title}\n")
    cases = case_column_uses(loaded)
    shown = [use for use in cases if show_all or use.read]
    literal.echo("Cases (one row per young person)")
    _table(shown)
    unread = [use.column.name for use in cases if not use.read]
    if unread and not show_all:
        literal.echo(f"\nNot read by this profile (accepted and checked, see --all): {', '.join(unread)}")
    literal.echo("\nDisputes (one row per escalated concern)")
    _table(dispute_column_uses(loaded))
    literal.echo("\nValues")
    for kind, (accepted, bad) in TYPE_RULES.items():
        literal.echo(f"  {kind:<6} {accepted}" + (f"; {bad}" if bad != "-" else ""))
    literal.echo("  A date that records something done (every date column but date_of_birth, release_date and "
               "planned_move_on)\n  that is after the as-of date is a data error and reads as empty.")


def _table(uses: list[ColumnUse]) -> None:
    width = max(len(use.column.name) for use in uses)
    for use in uses:
        column = use.column
        needed = "required" if column.required else "optional"
        used = ", ".join(use.obligations)
        if use.general:
            used = f"{used}; {use.general}" if used else use.general
        literal.echo(f"  {column.name:<{width}}  {column.type:<5}  {needed:<8}  {used or '(not read)'}")


def note_uncarried(profile: Profile, source: Source, holds: str) -> list[dict[str, object]]:
    """On stderr (stdout may hold the JSON document), a line per obligation of the profile that reads a
    column no part of the source fills (``holds``: ``holder()``'s clause, for the message); the same
    obligations as the JSON document lists them under ``not_checked``."""
    missing = not_checked(profile, source.case_columns(), bool(source.dispute_columns()), holds)
    for each in missing:
        literal.echo(f"checker: {each['message']}", err=True)
    return missing


def holder(settings: Settings, name: str | None, cases_file: bool = False) -> str:
    """What source ``name`` (the default source when ``None``) cannot hold: "which ... hold(s)"
    (the cases file of ``--cases`` when ``cases_file``)."""
    entry = None if cases_file else settings.sources.get(name or settings.default_source or "")
    base = "the cases file" if entry is None else BASE_NAMES.get(entry.kind, f"the {entry.kind} source")
    if entry is not None and entry.supplements:
        return f"which neither {base} nor its supplements hold"
    return f"which {base} does not hold"
