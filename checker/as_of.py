"""The as-of rule of a one-shot tick, shared by ``checker run --once`` and ``checker plan``.

The state database records what was told when. A tick for a day before the last good tick would plan
and send again for days already told, and make the instances' history go back and forth; one for a day
after today would send reminders and escalations that are not due yet. ``run --once`` refuses both
(``--scratch-state`` allows them on a scratch copy), and ``plan`` refuses them the same way: a plan shows
what ``run --once`` would do with the same arguments, and for such a day it would do nothing
(docs/decisions.md).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from checker.state.runs import last_good_run


def history_problem(engine: Engine, as_of: date, today: date) -> str | None:
    """Why a one-shot tick as of ``as_of`` would rewrite the state's history, or ``None`` when it would not."""
    if as_of > today:
        return (f"--as-of {as_of} is after today ({today} in Europe/London): a tick for a future day would send "
                "reminders and escalations that are not due yet")
    with engine.connect() as connection:
        last = last_good_run(connection, ("tick", "digest"))
    if last is not None and as_of < last.as_of:
        return (f"--as-of {as_of} is before the last good tick (run {last.id}, as of {last.as_of}): a tick for an "
                "earlier day would plan and send again for days already told, and rewrite the history")
    return None
