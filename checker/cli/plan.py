"""``checker plan`` (and its first name, ``checker run --once --dry-run``): who would be told what.

The tick is planned as ``run --once`` would plan it with the same arguments, then rolled back
(``checker/dry_run.py``): nothing is sent and nothing is written. The same as-of rule applies
(``checker/as_of.py``): a day before the last good tick, or after today, is refused with the same
sentence, because ``run --once`` would refuse it and a plan of messages that will never be sent misleads.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from sqlalchemy import Engine

from checker import literal
from checker.app import App, utc_now
from checker.cli.common import (
    EXIT_CANNOT_RUN,
    digests_option,
    input_options,
    reports_failures,
    scratch_state_option,
    today_in_london,
)
from checker.dry_run import DryRunError, describe, dry_run
from checker.planning.guard import TickAbortedError
from checker.profiles import load_profile
from checker.report_text import plural
from checker.settings import Settings
from checker.sources.factory import open_source

EXIT_ABORTED = 1  # as ``run --once``: the source guard stopped the tick


def rehearse(settings: Settings, profile: str | None, cases: Path | None, disputes: Path | None,
             source: str | None, as_of: date, *, digests: bool | None, guarded: bool,
             scratch_state: bool = False) -> None:
    """Plan the tick, print who would get what, and keep nothing."""
    loaded = load_profile(profile or settings.profile, settings.config_dir)

    def app_for(engine: Engine) -> App:
        return App(settings, loaded, engine)

    try:
        rehearsal = dry_run(app_for, settings.state_url.get_secret_value(),
                            open_source(settings, cases, disputes, source), as_of, utc_now(),
                            digests=digests, guarded=guarded, today=None if scratch_state else today_in_london())
    except DryRunError as exc:
        literal.echo(f"checker: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except TickAbortedError as exc:
        literal.echo(f"checker: {exc}. (A plan: nothing was written and the operator was not told.)", err=True)
        sys.exit(EXIT_ABORTED)
    literal.echo(describe(rehearsal, plural))


@click.command()
@input_options
@digests_option
@click.option("--accept-drop", is_flag=True,
              help="Plan although the source has far fewer cases than the last good tick (as run --once would).")
@scratch_state_option
@reports_failures
def plan(as_of: date, profile: str | None, cases: Path | None, disputes: Path | None, source: str | None,
         digests: bool | None, accept_drop: bool, scratch_state: bool) -> None:
    """Who the next tick would tell what, with each message's subject. Sends nothing, writes nothing.

    \b
    The same tick as `checker run --once` with the same arguments, rolled back. Like it, --as-of may
    not be before the last good tick nor after today (--scratch-state on a scratch copy of the state
    database). With no state database yet, it shows what the first tick would send and creates none.
    Exit status: 0 planned; 1 the source guard would stop the tick; 2 cannot plan; 3 the state
    database cannot be used. (`checker run --once --dry-run` is the same command.)
    """
    rehearse(Settings(), profile, cases, disputes, source, as_of, digests=digests, guarded=not accept_drop,
             scratch_state=scratch_state)
