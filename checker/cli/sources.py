"""``checker sources check [NAME]``: read every part of a configured source and say what each gave.

Per source: its description, then a line per part (the base's rows and the columns it filled; each
supplement's matches, the columns it filled, its ``case_ref``s the base does not hold and the rows it
refused; the staff directory's rows and what it filled), the columns no part knows, the columns the
profile reads that no part fills, and a line per obligation those leave not checked (docs/decisions.md).
Nothing is evaluated or sent; no line quotes a record. Exit status 2 when a source cannot be read.
"""

from __future__ import annotations

import sys

import click

from checker import literal
from checker.cli.columns import holder
from checker.cli.common import EXIT_CANNOT_RUN, reports_failures
from checker.columns import describe_uncarried, missing_columns, uncarried
from checker.profiles import Profile, load_profile
from checker.settings import Settings
from checker.sources import SourceError
from checker.sources.composed import ComposedSource
from checker.sources.factory import dispose, named_source


@click.group()
def sources() -> None:
    """The configured sources: `sources check` reads each part and says what it gave."""


@sources.command("check")
@click.argument("name", required=False)
@reports_failures
def sources_check(name: str | None) -> None:
    """Read every part of source NAME (every configured source when none is given), sending nothing."""
    settings = Settings()
    names = [name] if name else sorted(settings.sources)
    if not names:
        raise SourceError("no source is configured: add [sources.NAME] to the settings (docs/inputs.md)")
    profile = load_profile(settings.profile, settings.config_dir)
    failed = 0
    for each in names:
        try:
            _report(settings, each, profile)
        except SourceError as exc:
            literal.echo(f"source {each}: FAILED: {exc}")
            failed += 1
    if failed:
        sys.exit(EXIT_CANNOT_RUN)


def _report(settings: Settings, name: str, profile: Profile) -> None:
    from checker.preflight.parts import join_lines  # noqa: PLC0415 - only this command needs it

    source = named_source(settings, name)
    try:
        columns = source.case_columns()
        literal.echo(f"source {name}: {source.description}")
        if isinstance(source, ComposedSource):
            for line in join_lines(source):
                literal.echo(f"  {line}")
        else:
            rows = sum(1 for _ in source.case_rows())
            literal.echo(f"  {rows} case rows; columns: {', '.join(sorted(columns))}")
        for unknown in source.unknown_columns():
            literal.echo(f"  not read: {unknown.describe()}")
        missing = missing_columns(profile, columns)
        if missing:
            literal.echo(f"  no part fills: {', '.join(sorted(missing))}")
        for obligation, needs in uncarried(profile, columns, bool(source.dispute_columns())).items():
            literal.echo(f"  {describe_uncarried(obligation, needs, holder(settings, name))}")
    finally:
        dispose(source)
