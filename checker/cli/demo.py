"""``checker demo``: a synthetic caseload in a small case-management database, checked and delivered.

Writes ``DIR/demo.sqlite`` (replacing an old one) from ``checker.demo``, then runs exactly what
``checker check --source ...`` runs, through the SQL source and the bundled queries
``config/sql/demo_cases.sql`` and ``demo_disputes.sql``, and prints the result the same way. Then it
makes one full tick, as ``checker run --once`` does, with a fresh state database ``DIR/state.sqlite``
and every channel going to the local sink ``DIR/outbox/`` (reminder and digest emails as ``.eml``, Teams
cards as ``.json``), at once whatever the time: the working window is for real channels. It ends with
where to look, and the settings that let ``checker check`` and ``checker explain`` read the same data.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import suppress
from datetime import date
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from checker import literal
from checker.app import App
from checker.cli.common import (
    EXIT_CANNOT_RUN,
    as_of_option,
    format_option,
    given,
    profile_option,
    reports_failures,
    write_results,
)
from checker.cli.run import run_tick, serve, summary
from checker.demo import database
from checker.demo.caseload import DEFAULT_SEED, generate
from checker.demo.roster import TEAMS
from checker.engine import CaseResult, Evaluation
from checker.paths import bundled_config_dir
from checker.profiles import DEFAULT_PROFILE, load_profile
from checker.settings import (
    DeliverySettings,
    HealthSettings,
    RoutingSettings,
    Settings,
    SqlSourceSettings,
    TeamsSettings,
)
from checker.sources import SqlSource, read_query
from rules.records import Status

DATABASE_NAME = "demo.sqlite"
STATE_NAME = "state.sqlite"
OUTBOX_NAME = "outbox"
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
                example: str, profile: str) -> str:
    variables = {"KIND": "sql", "URL": url, "CASES_QUERY": str(queries / "demo_cases.sql"),
                 "DISPUTES_QUERY": str(queries / "demo_disputes.sql")}
    exports = "".join(f"  export CHECKER_SOURCES__{SOURCE_NAME.upper()}__{name}={shlex.quote(value)}\n"
                      for name, value in variables.items())
    options = f"--source {SOURCE_NAME} --as-of {as_of}" + (
        f" --profile {shlex.quote(profile)}" if profile != DEFAULT_PROFILE else "")
    return (
        f"\nThe demo database is {path} ({people} young people, {disputes} disputes, as of {as_of}).\n"
        f"To check it again or explain one young person, set\n{exports}"
        f"and run: checker explain {example} {options}"
        f"   (or: checker check {options})"
    )


def demo_settings(folder: Path, url: str, queries: Path, profile: str) -> Settings:
    """Everything the demo's tick needs, whatever the user's own settings say: all channels to the sink."""
    return Settings(
        profile=profile,
        sources={SOURCE_NAME: SqlSourceSettings(kind="sql", url=url, cases_query=queries / "demo_cases.sql",
                                                disputes_query=queries / "demo_disputes.sql")},
        default_source=SOURCE_NAME,
        state_url=f"sqlite:///{(folder / STATE_NAME).resolve()}",
        delivery=DeliverySettings(email="sink", teams_activity="sink", teams_channel="sink", window="any_time",
                                  sink_dir=(folder / OUTBOX_NAME).resolve()),
        teams=TeamsSettings(team_channels={team.name: f"teams-{team.name.lower()}" for team in TEAMS}),
        routing=RoutingSettings(operator_email="checker-operator@example.org",
                                senior_manager="sm.housing.lead@example.org",
                                head_of_service="hos.leaving.care@example.org"),
    )


def fresh_state(folder: Path) -> None:
    """Remove the previous demo's state database and sink files (only the files the demo writes)."""
    with suppress(FileNotFoundError):
        (folder / STATE_NAME).unlink()
    outbox = folder / OUTBOX_NAME
    if outbox.is_dir():
        for old in (*outbox.glob("*.eml"), *outbox.glob("*.json")):
            old.unlink()


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
@click.option("--daemon", "as_daemon", is_flag=True,
              help="Keep running as the daemon over the demo data: a tick now, then on schedule, delivering to "
                   "DIR/outbox/, with /healthz, /readyz and /metrics on 127.0.0.1. Ctrl-C stops it.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="With --daemon: the port of the health endpoints.")
@reports_failures
def demo(folder: Path, count: int, as_of: date, seed: int, profile: str | None, output: str, as_daemon: bool,
         port: int) -> None:
    """Write a synthetic caseload into SQLite, check it, and deliver its reminders to a local folder."""
    if as_daemon and (output == "json" or given(click.get_current_context(), "as_of")):
        raise click.UsageError("--daemon checks the demo data as of each day it runs: no --as-of or --format")
    settings = Settings()
    chosen = profile or settings.profile  # a name or a .toml path, as the tick loads it again
    loaded = load_profile(chosen, settings.config_dir)
    queries = bundled_config_dir() / "sql"
    cases_query, disputes_query = read_query(queries / "demo_cases.sql"), read_query(queries / "demo_disputes.sql")
    path = folder / DATABASE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fresh_state(folder)
        url, people, disputes = database.write_sqlite(path, *generate(count, as_of, seed))
    except (OSError, SQLAlchemyError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        literal.echo(f"checker: cannot write the demo database {path}: {reason}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    if as_daemon:
        settings = demo_settings(folder, url, queries, chosen)
        settings = settings.model_copy(update={"health": HealthSettings(host="127.0.0.1", port=port)})
        literal.echo(f"The demo database is {path.resolve()} ({people} young people, {disputes} disputes).\n"
                     f"The daemon checks it now, then on schedule; what it sends goes to "
                     f"{(folder / OUTBOX_NAME).resolve()}/. Health: http://127.0.0.1:{port}/readyz and /metrics. "
                     "Ctrl-C stops it.\n", err=True)
        serve(settings, None, None, "INFO")
        return
    evaluation = Evaluation(SqlSource(url, cases_query, disputes_query), loaded, as_of)
    example = _Example()
    write_results(example.watch(evaluation.results()), as_of, lambda: evaluation.data_errors, output)
    # With --format json, stdout holds the document alone; the rest goes to stderr.
    to_stderr = output == "json"
    settings = demo_settings(folder, url, queries, chosen)
    report = run_tick(App.from_settings(settings), settings, None, None, None, as_of, digests=True)
    sink = (folder / OUTBOX_NAME).resolve()
    literal.echo(f"\n{summary(report)}\nThe reminders, digests and operator alerts are in {sink}/: open the .eml "
                 "files in any mail program, the .json files are the Teams cards.", err=to_stderr)
    literal.echo(_next_steps(path.resolve(), url, queries, people, disputes, as_of, example.case_ref,
                             chosen), err=to_stderr)
