"""``checker demo``: a synthetic caseload in a small case-management database, checked through SQL.

Writes ``DIR/demo.sqlite`` (replacing an old one) from ``checker.demo``, then runs exactly what
``checker check --source ...`` runs, through the SQL source and the bundled queries
``config/sql/demo_cases.sql`` and ``demo_disputes.sql``, and prints the result the same way. It ends
with the settings that let ``checker check`` and ``checker explain`` read the same database again.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from checker.cli.common import (
    EXIT_CANNOT_RUN,
    as_of_option,
    format_option,
    profile_option,
    reports_failures,
    write_results,
)
from checker.demo import database
from checker.demo.caseload import DEFAULT_SEED, generate
from checker.engine import CaseResult, Evaluation
from checker.paths import bundled_config_dir
from checker.profiles import load_profile
from checker.settings import Settings
from checker.sources import SqlSource, read_query
from rules.records import Status

DATABASE_NAME = "demo.sqlite"
SOURCE_NAME = "demo"


class _Example:
    """Remembers a young person worth explaining: the first with an overdue obligation, else any finding."""

    def __init__(self) -> None:
        self.overdue: str | None = None
        self.any: str | None = None

    def watch(self, results: Iterator[CaseResult]) -> Iterator[CaseResult]:
        for result in results:
            if self.overdue is None and result.findings:
                self.any = self.any or result.case.case_ref
                if any(f.status is Status.OVERDUE for f in result.findings):
                    self.overdue = result.case.case_ref
            yield result

    @property
    def case_ref(self) -> str:
        return self.overdue or self.any or "CASE_REF"


def _next_steps(path: Path, url: str, queries: Path, people: int, disputes: int, as_of: date,
                example: str) -> str:
    variables = {"KIND": "sql", "URL": url, "CASES_QUERY": str(queries / "demo_cases.sql"),
                 "DISPUTES_QUERY": str(queries / "demo_disputes.sql")}
    exports = "".join(f"  export CHECKER_SOURCES__{SOURCE_NAME.upper()}__{name}={shlex.quote(value)}\n"
                      for name, value in variables.items())
    return (
        f"\nThe demo database is {path} ({people} young people, {disputes} disputes, as of {as_of}).\n"
        f"To check it again or explain one young person, set\n{exports}"
        f"and run: checker explain {example} --source {SOURCE_NAME} --as-of {as_of}"
        f"   (or: checker check --source {SOURCE_NAME} --as-of {as_of})"
    )


@click.command()
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False), default=Path("checker-demo"),
              show_default=True, help="Folder for demo.sqlite (created if missing; an old demo.sqlite is replaced).")
@click.option("--cases", "count", type=click.IntRange(min=1), default=300, show_default=True,
              help="Number of young people to make up.")
@as_of_option
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="The same seed and as-of date give the same caseload.")
@profile_option
@format_option
@reports_failures
def demo(folder: Path, count: int, as_of: date, seed: int, profile: str | None, output: str) -> None:
    """Write a synthetic caseload into SQLite and check it through the SQL source."""
    settings = Settings()
    loaded = load_profile(profile or settings.profile, settings.config_dir)
    queries = bundled_config_dir() / "sql"
    cases_query, disputes_query = read_query(queries / "demo_cases.sql"), read_query(queries / "demo_disputes.sql")
    path = folder / DATABASE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        url, people, disputes = database.write_sqlite(path, *generate(count, as_of, seed))
    except (OSError, SQLAlchemyError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        click.echo(f"checker: cannot write the demo database {path}: {reason}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    evaluation = Evaluation(SqlSource(url, cases_query, disputes_query), loaded, as_of)
    example = _Example()
    write_results(example.watch(evaluation.results()), as_of, lambda: evaluation.data_errors, output)
    # With --format json, stdout holds the document alone; the way on goes to stderr.
    click.echo(_next_steps(path.resolve(), url, queries, people, disputes, as_of, example.case_ref),
               err=output == "json")
