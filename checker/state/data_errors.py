"""The data-error log: each (case, dispute, field) error from the tick it appeared until the tick it was gone.

A tick hands over the data errors it found; an error not open yet gets a row (``first_seen_on``), an open
one seen again is left as it is, and an open one not seen this tick is fixed (``fixed_on``, the calendar
days it stayed unfixed, and ``last_seen_on``: the as-of date of the last good tick before this one, the
last that saw it, since every good tick records its errors). So a tick finding the same errors writes
nothing here; while an error is open its ``last_seen_on`` keeps the date it was first seen. Only
references and field names are kept, never the reason's text or any value (the board's report counts
errors by field and how long they stayed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, bindparam, insert, select, update

from checker.state.runs import last_good_run
from checker.state.schema import data_error_log
from rules.records import KEY_MAX_LENGTH, DataError


def record_data_errors(connection: Connection, errors: Sequence[DataError], as_of: date) -> None:
    seen = {((e.case_ref or "")[:KEY_MAX_LENGTH], (e.dispute_ref or "")[:KEY_MAX_LENGTH], e.field[:KEY_MAX_LENGTH])
            for e in errors}
    d = data_error_log.c
    open_rows = {(r.case_ref, r.dispute_ref, r.field): (r.id, r.first_seen_on) for r in connection.execute(
        select(d.id, d.case_ref, d.dispute_ref, d.field, d.first_seen_on).where(d.fixed_on.is_(None)))}
    gone = [row for key, row in open_rows.items() if key not in seen]
    if gone:
        last = last_good_run(connection, ("tick", "digest"))
        previous = last.as_of if last is not None and last.as_of < as_of else None
        connection.execute(
            update(data_error_log).where(d.id == bindparam("_id")).values(
                fixed_on=bindparam("fixed_on"), days_unfixed=bindparam("days_unfixed"),
                last_seen_on=bindparam("last_seen")),
            [{"_id": row_id, "fixed_on": as_of, "days_unfixed": (as_of - first).days,
              "last_seen": max(first, previous) if previous else first} for row_id, first in gone])
    new = [{"case_ref": c, "dispute_ref": dr, "field": f, "first_seen_on": as_of, "last_seen_on": as_of}
           for (c, dr, f) in sorted(seen) if (c, dr, f) not in open_rows]
    if new:
        connection.execute(insert(data_error_log), new)
