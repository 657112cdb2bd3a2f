"""``checker demo``: placeholder until the demo caseload lands."""

from __future__ import annotations

import click


@click.command()
def demo() -> None:
    """Write a synthetic caseload into SQLite and check it through the SQL source."""
    raise click.ClickException("the demo is not built yet")
