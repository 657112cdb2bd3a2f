"""Progress on stderr for long reads, only when someone is watching it (stderr is a terminal).

rich draws it (already a dependency). The count is moved every ``EVERY`` cases, so a million cases cost
a thousand updates, not a million. When stdout is the same terminal and the output streams (JSON, CSV),
no progress is drawn: the two would write over each other; the table is printed after the read, so it
always may. The line is cleared when the read ends.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
EVERY = 1000


def wanted(streams_to_stdout: bool) -> bool:
    """Whether to draw progress: stderr is a terminal, and stdout is not one that streams meanwhile."""
    if not sys.stderr.isatty():
        return False
    return not (streams_to_stdout and sys.stdout.isatty())


def with_progress(items: Iterator[T], what: str, *, streams_to_stdout: bool) -> Iterator[T]:
    """``items`` unchanged; with a count of them on stderr while they are read, when ``wanted``."""
    if not wanted(streams_to_stdout):
        yield from items
        return
    # rich only when progress is drawn: a piped or scripted `checker check` does not load it
    from rich.console import Console  # noqa: PLC0415 - as above
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415 - as above

    columns = (SpinnerColumn(), TextColumn("{task.completed:,} " + what + " read"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True, redirect_stdout=False,
                  redirect_stderr=False) as progress:
        task = progress.add_task(what, total=None)
        for count, item in enumerate(items, start=1):
            yield item
            if count % EVERY == 0:
                progress.update(task, completed=count)
