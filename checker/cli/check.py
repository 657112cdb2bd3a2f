"""``checker check`` (a dry run: findings, nothing sent, nothing written) and ``checker explain``."""

from __future__ import annotations

import sys
from datetime import date
from itertools import chain
from pathlib import Path

import click
from rich.console import Console

from checker.cli.common import (
    EXIT_CANNOT_RUN,
    as_of_option,
    cases_option,
    disputes_option,
    profile_option,
    reports_failures,
    source_option,
)
from checker.engine import Evaluation
from checker.explain import explain_case
from checker.profiles import load_profile
from checker.report import write_json, write_table
from checker.settings import Settings
from checker.sources.factory import open_source


@click.command()
@as_of_option
@profile_option
@cases_option
@disputes_option
@source_option
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table",
              help="table: grouped by adviser, overdue first; json: the document of obligations.md §5.")
@click.option("--show-met", is_flag=True, help="In the table, list met obligations too.")
@reports_failures
def check(as_of: date, profile: str | None, cases: Path | None, disputes: Path | None,
          source: str | None, output: str, show_met: bool) -> None:
    """Evaluate every obligation of the profile for every case. Sends nothing, writes no state."""
    settings = Settings()
    loaded = load_profile(profile or settings.profile, settings.config_dir)
    evaluation = Evaluation(open_source(settings, cases, disputes, source), loaded, as_of)
    if output == "json":
        results = evaluation.results()
        first = next(results, None)  # opens the source: a failure here prints no half document
        rest = chain([first], results) if first is not None else iter(())
        findings = (f for result in rest for f in result.findings)
        write_json(sys.stdout, as_of, findings, lambda: evaluation.data_errors)
    else:
        rows = ((r.case.adviser_email, r.findings) for r in evaluation.results())
        write_table(Console(), as_of, rows, lambda: evaluation.data_errors, show_met=show_met)


@click.command()
@click.argument("case_ref")
@as_of_option
@profile_option
@cases_option
@disputes_option
@source_option
@reports_failures
def explain(case_ref: str, as_of: date, profile: str | None, cases: Path | None,
            disputes: Path | None, source: str | None) -> None:
    """Every obligation of the profile for one young person, and why."""
    settings = Settings()
    loaded = load_profile(profile or settings.profile, settings.config_dir)
    text, found = explain_case(open_source(settings, cases, disputes, source), loaded, as_of, case_ref.strip())
    click.echo(text)
    if not found:
        sys.exit(EXIT_CANNOT_RUN)
