"""The ``checker`` command line. Only this package parses arguments, prints and exits.

The commands are registered here, in ``COMMANDS``, with their one-line help, and imported only when run:
``checker --help`` lists them all from this table without importing any of them, and ``checker check`` does
not pay for the daemon's scheduler, msal, SQLAlchemy or Alembic at start-up (docs/architecture.md, "Start-up").
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click


class Entry(NamedTuple):
    """Where a command lives ("module:attribute") and its one-line help, as ``checker --help`` lists it.

    ``summary`` is the command's own short help (the first sentence of its docstring); a test checks the two
    agree, so the list stays right without importing the commands.
    """

    target: str
    summary: str


# name -> where it is and its one-line help, in the order `checker --help` lists them
COMMANDS: dict[str, Entry] = {
    "demo": Entry("checker.cli.demo:demo",
                  "Write a synthetic caseload into SQLite, check it, and deliver its reminders to a local folder."),
    "check": Entry("checker.cli.check:check", "Evaluate every obligation of the profile for every case."),
    "explain": Entry("checker.cli.check:explain", "Every obligation of the profile for one young person, and why."),
    "columns": Entry("checker.cli.columns:columns",
                     "The columns the profile reads: type, required or optional, and the obligations that use each."),
    "run": Entry("checker.cli.run:run",
                 "The daemon: tick on schedule, deliver, serve /healthz, /readyz and /metrics."),
    "plan": Entry("checker.cli.plan:plan", "Who the next tick would tell what, with each message's subject."),
    "outbox": Entry("checker.cli.records:outbox", "List held and parked messages (--all: everything recent)."),
    "snooze": Entry("checker.cli.suppressions:snooze",
                    "Snoozes: `snooze CASE_REF OBLIGATION --until D --reason R` (or `snooze add`) records one; "
                    "`snooze list`, `snooze lift`."),
    "waive": Entry("checker.cli.suppressions:waive",
                   "Waive one obligation of one case until a date: no reminders, escalations or digest entries."),
    "waiver": Entry("checker.cli.suppressions:waiver",
                    "Waivers: `waiver add CASE_REF OBLIGATION --until D --reason R` (or `waive`) records one; "
                    "`waiver list`, `waiver lift`."),
    "away": Entry("checker.cli.away:away",
                  "Mark someone away (their items go to a deputy or their manager), list absences, end one."),
    "history": Entry("checker.cli.records:history",
                     "The audit trail of one case: what changed, who was told what, when, and its snoozes and "
                     "waivers (with who lifted one, and when)."),
    "report": Entry("checker.cli.board:report",
                    "The quarterly protocol compliance report from the state database's history, for a quarter "
                    "that has ended."),
    "forecast": Entry("checker.cli.board:forecast",
                      "What becomes due, per week and per adviser, in the next N weeks (from the last check's "
                      "findings)."),
    "audit": Entry("checker.cli.board:audit", "The audit trail of the whole ledger."),
    "db": Entry("checker.cli.records:db",
                "The state database (SQLite by default, PostgreSQL for real deployments)."),
    "config": Entry("checker.cli.config:config",
                    "The settings: `config check` validates them and tries each connection."),
    "send-test": Entry("checker.cli.send_test:send_test",
                       "Send one sample of each message kind through the configured channels (made-up data, no "
                       "case data)."),
    "sources": Entry("checker.cli.sources:sources",
                     "The configured sources: `sources check` reads each part and says what it gave."),
    "healthcheck": Entry("checker.cli.run:healthcheck",
                         "Exit 0 when this machine's daemon answers /healthz (the container's HEALTHCHECK)."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when first asked for (click's documented lazy-loading pattern).

    Its help lists the commands from ``COMMANDS``: asking for ``--help`` imports none of them.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attribute = entry.target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry.target} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their one-line help, cut to the width as click cuts a command's short help."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.Command(name, help=entry.summary).get_short_help_str(limit))
                for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="checker")
def main() -> None:
    """Keeps a leaving-care service honest about the deadlines in its joint housing protocols."""


__all__ = ["COMMANDS", "Entry", "main"]
