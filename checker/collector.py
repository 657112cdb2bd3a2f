"""Python's cyclic garbage collector paused for one long, allocation-heavy step, and back as it was after.

Two steps hold hundreds of thousands of objects while they make many short-lived ones: a tick planning
(the open instances' keys, half a million at 100,000 cases) and ``checker check`` laying out its table
(the findings shown). Each full collection walks everything held, and the short-lived objects start
collections often: about a tenth of an unchanged tick's CPU and a quarter of the table's time at 100,000
cases (bench/tick.py, bench/check_formats.py). What these steps hold has no reference cycles, so there is
nothing for the collector to find; reference counting still frees everything else as it goes (measured:
the same peak memory with the collector off).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the ``with`` block; on again after it only if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
