"""The ``checker`` command line. Only this package parses arguments, prints and exits."""

from __future__ import annotations

import click

from checker.cli.check import check, explain
from checker.cli.config import config
from checker.cli.demo import demo
from checker.cli.records import db, history, outbox, snooze, waive
from checker.cli.run import healthcheck, run


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="checker")
def main() -> None:
    """Keeps a leaving-care service honest about the deadlines in its joint housing protocols."""


for command in (demo, check, explain, run, outbox, snooze, waive, history, db, config, healthcheck):
    main.add_command(command)

__all__ = ["main"]
