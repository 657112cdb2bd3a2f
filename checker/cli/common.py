"""Options shared by the commands, and turning known failures into a message and an exit status."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click
from click.core import ParameterSource
from pydantic import ValidationError
from pydantic_settings import SettingsError

from checker import literal
from checker.cli.progress import with_progress
from checker.engine import CaseResult
from checker.profiles import ProfileError
from checker.report import write_json
from checker.report_table import write_table
from checker.report_text import Row, error_lines, write_csv
from checker.sources import SourceError
from rules.records import DataError, Status

if TYPE_CHECKING:  # only for the annotation: the state package pulls in SQLAlchemy and Alembic
    from checker.state.suppressions import Suppression

LONDON = ZoneInfo("Europe/London")
P = ParamSpec("P")
R = TypeVar("R")

EXIT_CANNOT_RUN = 2
#: The state database cannot be used: unreachable, read-only, full, or it refused a write (docs/operations.md).
EXIT_STATE_DATABASE = 3


def today_in_london() -> date:
    """Today's date in Europe/London, the default as-of date."""
    from datetime import datetime  # noqa: PLC0415 - keep the clock out of module import

    return datetime.now(LONDON).date()


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    if value is None:
        return today_in_london()
    try:
        return date.fromisoformat(value) if len(value) == 10 and value[4] == "-" else _bad(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def _bad(value: str) -> date:
    raise ValueError(value)


as_of_option = click.option(
    "--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD",
    help="The day the check is made for (default: today in Europe/London).",
)
profile_option = click.option(
    "--profile", "profile", default=None, metavar="NAME",
    help="Protocol profile: a name under config/profiles/ or a .toml path (default from settings: lancashire).",
)
cases_option = click.option("--cases", type=click.Path(path_type=Path, dir_okay=False), default=None,
                            help="Cases CSV file (columns: `checker columns`, docs/input.md).")
disputes_option = click.option("--disputes", type=click.Path(path_type=Path, dir_okay=False), default=None,
                               help="Disputes CSV file (columns: `checker columns`, docs/input.md).")
source_option = click.option("--source", "source", default=None, metavar="NAME",
                             help="A source configured in settings instead of CSV files.")
format_option = click.option("--format", "output", type=click.Choice(["table", "json", "csv"]), default="table",
                             help="table: grouped by adviser, overdue first; json: the document of docs/input.md; "
                                  "csv: one row per finding (data errors on stderr).")
digests_option = click.option("--digests/--no-digests", default=None,
                              help="Plan the managers' digests now, or not (default: when this week's are due).")
scratch_state_option = click.option(
    "--scratch-state", is_flag=True,
    help="The state database is a scratch copy: allow --as-of before the last good tick or after today.")


@dataclass(frozen=True, slots=True)
class Filters:
    """Which findings to print: by status, and by the case's team and adviser (any of each; none: all)."""

    statuses: frozenset[Status] = frozenset()
    teams: frozenset[str] = frozenset()  # casefolded
    advisers: frozenset[str] = frozenset()  # casefolded

    def rows(self, results: Iterable[CaseResult]) -> Iterator[Row]:
        """(adviser, team, findings) of each case the filters keep, with the findings they keep."""
        for r in results:
            case = r.case
            if self.teams and (case.team or "").casefold() not in self.teams:
                continue
            if self.advisers and (case.adviser_email or "").casefold() not in self.advisers:
                continue
            if not self.statuses:
                yield case.adviser_email, case.team, r.findings
            elif kept := [f for f in r.findings if f.status in self.statuses]:
                yield case.adviser_email, case.team, kept


def input_options(command: Callable[P, R]) -> Callable[P, R]:
    """``--as-of``, ``--profile`` and the input (``--cases`` and ``--disputes``, or ``--source``): what every
    command that evaluates the cases takes (``check``, ``explain``, ``plan``, ``run``), in that order."""
    for option in reversed((as_of_option, profile_option, cases_option, disputes_option, source_option)):
        command = option(command)
    return command


def filter_options(command: Callable[P, R]) -> Callable[P, R]:
    """``--status``, ``--team`` and ``--adviser``, each repeatable (``make_filters`` turns them into ``Filters``)."""
    options = [
        click.option("--status", "statuses", multiple=True, type=click.Choice([s.value for s in Status]),
                     help="Only findings of this status (repeat for several)."),
        click.option("--team", "teams", multiple=True, metavar="TEAM",
                     help="Only cases of this team (repeat for several; any case)."),
        click.option("--adviser", "advisers", multiple=True, metavar="EMAIL",
                     help="Only cases of this personal adviser (repeat for several; any case)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def make_filters(statuses: tuple[str, ...], teams: tuple[str, ...], advisers: tuple[str, ...]) -> Filters:
    return Filters(frozenset(Status(s) for s in statuses), frozenset(t.casefold() for t in teams),
                   frozenset(a.strip().casefold() for a in advisers))


def write_results(results: Iterator[CaseResult], as_of: date, data_errors: Callable[[], Iterable[DataError]],
                  output: str, show_met: bool = False, filters: Filters = Filters(),
                  not_checked: Sequence[Mapping[str, object]] = ()) -> None:
    """Print an evaluation's results as ``checker check`` does: the JSON document, the table, or CSV.

    Data errors are never filtered: a rejected record's team and adviser cannot be relied on. The
    obligations the source cannot check (``checker.columns.not_checked``) go in the JSON document; the
    caller has said them on stderr for the other formats.
    """
    results = with_progress(results, "cases", streams_to_stdout=output != "table")
    if output == "json":
        first = next(results, None)  # opens the source: a failure here prints no half document
        rest = chain([first], results) if first is not None else iter(())
        findings = (f for row in filters.rows(rest) for f in row[2])
        write_json(sys.stdout, as_of, findings, data_errors, not_checked)
    elif output == "csv":
        write_csv(sys.stdout, filters.rows(results))
        for line in error_lines(data_errors()):
            literal.echo(line, err=True)
    else:
        write_table(sys.stdout, as_of, filters.rows(results), data_errors,
                    show_met=show_met or Status.MET in filters.statuses)


def given(ctx: click.Context, name: str) -> bool:
    """Whether the user gave option ``name`` (not its default)."""
    return ctx.get_parameter_source(name) is not ParameterSource.DEFAULT


def suppression_line(s: Suppression, as_of: date) -> str:
    """One snooze or waiver as ``explain``, ``history`` and ``snooze list`` show it (with who lifted it, when)."""
    lifted = (f"; lifted {s.revoked_at:%Y-%m-%d %H:%M} UTC by {s.revoked_by or 'unknown'}"
              if s.revoked_at is not None else "")
    return (f"  {s.kind} {s.id} {s.case_ref} {s.obligation}{' ' + s.ref if s.ref else ''} until {s.until} "
            f"({s.state(as_of)}), by {s.created_by} on {s.created_at:%Y-%m-%d}: {s.reason}{lifted}")


def settings_problems(exc: ValidationError) -> str:
    """Where each setting is wrong and why, without its value (a value may be a password or a URL)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)
    )


def reports_failures(command: Callable[P, R]) -> Callable[P, R]:
    """Print a configuration or source failure as one plain message on stderr and exit non-zero."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (ProfileError, SourceError) as exc:
            literal.echo(f"checker: {exc}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except ValidationError as exc:
            literal.echo(f"checker: the settings are not valid: {settings_problems(exc)}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except SettingsError as exc:  # a settings source could not be read (e.g. the secrets folder is a file)
            literal.echo(f"checker: the settings cannot be read: {exc}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except Exception as exc:
            problem = _database_problem(exc)
            if problem is None:
                raise
            literal.echo(f"checker: {problem}", err=True)  # one line: never the statement or its values
            sys.exit(EXIT_STATE_DATABASE)

    return run


def _database_problem(error: Exception) -> str | None:
    """The sentence for a state database failure, ``None`` for anything else. SQLAlchemy is loaded only by
    the commands that use a database: when it is not loaded, the error cannot be one of its."""
    if "sqlalchemy" not in sys.modules:
        return None
    from checker.state.errors import database_problem, is_database_error  # noqa: PLC0415 - see above

    return database_problem(error) if is_database_error(error) else None
