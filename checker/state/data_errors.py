"""The data-error log: each (case, dispute, field) error from the tick it appeared until the tick it was gone.

A tick hands over the data errors it found; an error not open yet gets a row (``first_seen_on``), an open
one seen again gets ``last_seen_on``, and an open one not seen this tick is fixed (``fixed_on``, and the
calendar days it stayed unfixed). Only references and field names are kept, never the reason's text or
any value (the board's report counts errors by field and how long they stayed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, bindparam, insert, select, update

from checker.state.schema import data_error_log
from rules.records import KEY_MAX_LENGTH, DataError


def record_data_errors(connection: Connection, errors: Sequence[DataError], as_of: date) -> None:
    seen = {((e.case_ref or "")[:KEY_MAX_LENGTH], (e.dispute_ref or "")[:KEY_MAX_LENGTH], e.field[:KEY_MAX_LENGTH])
            for e in errors}
    open_rows = {(r.case_ref, r.dispute_ref, r.field): r for r in connection.execute(
        select(data_error_log).where(data_error_log.c.fixed_on.is_(None)))}
    fixed = [{"_id": r.id, "fixed_on": as_of, "days_unfixed": (as_of - r.first_seen_on).days}
             for key, r in open_rows.items() if key not in seen]
    still = [{"_id": open_rows[key].id} for key in seen if key in open_rows]
    new = [{"case_ref": c, "dispute_ref": d, "field": f, "first_seen_on": as_of, "last_seen_on": as_of}
           for (c, d, f) in sorted(seen) if (c, d, f) not in open_rows]
    where = data_error_log.c.id == bindparam("_id")
    if fixed:
        connection.execute(update(data_error_log).where(where).values(
            fixed_on=bindparam("fixed_on"), days_unfixed=bindparam("days_unfixed")), fixed)
    if still:
        connection.execute(update(data_error_log).where(where).values(last_seen_on=as_of), still)
    if new:
        connection.execute(insert(data_error_log), new)
