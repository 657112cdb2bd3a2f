"""The ``checker`` command line. Only this package parses arguments, prints and exits.

The commands are registered here, in ``COMMANDS``, and imported only when run: ``checker check`` does not
pay for the daemon's scheduler, msal or Alembic at start-up.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute", in the order `checker --help` lists them
COMMANDS: dict[str, str] = {
    "demo": "checker.cli.demo:demo",
    "check": "checker.cli.check:check",
    "explain": "checker.cli.check:explain",
    "columns": "checker.cli.columns:columns",
    "run": "checker.cli.run:run",
    "outbox": "checker.cli.records:outbox",
    "snooze": "checker.cli.suppressions:snooze",
    "waive": "checker.cli.suppressions:waive",
    "waiver": "checker.cli.suppressions:waiver",
    "away": "checker.cli.away:away",
    "history": "checker.cli.records:history",
    "report": "checker.cli.board:report",
    "forecast": "checker.cli.board:forecast",
    "audit": "checker.cli.board:audit",
    "db": "checker.cli.records:db",
    "config": "checker.cli.config:config",
    "send-test": "checker.cli.send_test:send_test",
    "sources": "checker.cli.sources:sources",
    "healthcheck": "checker.cli.run:healthcheck",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when first asked for (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="checker")
def main() -> None:
    """Keeps a leaving-care service honest about the deadlines in its joint housing protocols."""


__all__ = ["COMMANDS", "main"]
