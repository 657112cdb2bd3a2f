"""The ``checker`` command line. Only this package parses arguments, prints and exits."""

from __future__ import annotations

import click

from checker.cli.check import check, explain
from checker.cli.demo import demo


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="checker")
def main() -> None:
    """Keeps a leaving-care service honest about the deadlines in its joint housing protocols."""


main.add_command(check)
main.add_command(explain)
main.add_command(demo)

__all__ = ["main"]
