"""``checker check`` (a dry run: findings, nothing sent, nothing written) and ``checker explain``."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from checker import literal
from checker.cli.columns import holder, note_uncarried
from checker.cli.common import (
    EXIT_CANNOT_RUN,
    filter_options,
    format_option,
    input_options,
    make_filters,
    reports_failures,
    suppression_line,
    write_results,
)
from checker.engine import Evaluation
from checker.explain import explain_case
from checker.profiles import load_profile
from checker.settings import Settings
from checker.sources.factory import open_source


@click.command()
@input_options
@format_option
@click.option("--show-met", is_flag=True, help="In the table, list met obligations too.")
@filter_options
@reports_failures
def check(as_of: date, profile: str | None, cases: Path | None, disputes: Path | None,
          source: str | None, output: str, show_met: bool, statuses: tuple[str, ...], teams: tuple[str, ...],
          advisers: tuple[str, ...]) -> None:
    """Evaluate every obligation of the profile for every case. Sends nothing, writes no state.

    --status, --team and --adviser keep only the findings asked for, in every format; data errors are
    always listed. Progress is shown on stderr when it is a terminal."""
    settings = Settings()
    loaded = load_profile(profile or settings.profile, settings.config_dir)
    opened = open_source(settings, cases, disputes, source)
    missing = note_uncarried(loaded, opened, holder(settings, source, cases is not None))
    for unknown in opened.unknown_columns():  # on stderr: the JSON document on stdout stays as specified
        literal.echo(f"checker: note: {unknown.describe()}", err=True)
    evaluation = Evaluation(opened, loaded, as_of)
    write_results(evaluation.results(), as_of, lambda: evaluation.data_errors, output, show_met=show_met,
                  filters=make_filters(statuses, teams, advisers), not_checked=missing)


@click.command()
@click.argument("case_ref")
@input_options
@reports_failures
def explain(case_ref: str, as_of: date, profile: str | None, cases: Path | None,
            disputes: Path | None, source: str | None) -> None:
    """Every obligation of the profile for one young person, and why."""
    settings = Settings()
    loaded = load_profile(profile or settings.profile, settings.config_dir)
    text, found = explain_case(open_source(settings, cases, disputes, source), loaded, as_of, case_ref.strip())
    if not found:
        literal.echo(f"checker: {text}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    literal.echo(text)
    for line in suppression_lines(settings, case_ref.strip(), as_of):
        literal.echo(line)


def suppression_lines(settings: Settings, case_ref: str, as_of: date) -> list[str]:
    """Snoozes and waivers recorded for the case in the state database, if there is one yet."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - explain alone needs the state database

    from checker.state import suppressions  # noqa: PLC0415 - as above
    from checker.state.database import open_existing  # noqa: PLC0415 - as above

    try:
        engine = open_existing(settings.state_url.get_secret_value())
    except SQLAlchemyError as exc:
        return [f"(snoozes and waivers not shown: the state database cannot be read: {exc.__class__.__name__})"]
    if engine is None:
        return []
    try:
        recorded = suppressions.for_case(engine, case_ref)
    finally:
        engine.dispose()
    if not recorded:
        return []
    lines = ["", "Snoozes and waivers"]
    return [*lines, *(suppression_line(s, as_of) for s in recorded)]
