"""The operator's data-quality alert: the records a tick could not check, and why (docs/input.md, "Bad input").

A rejected case has no findings, so nobody is reminded of its deadlines until the record is fixed; the
operator must hear of it. One alert lists every data error of the tick by case reference, dispute
reference, field and reason (never a name). It is planned again only when the list changes, and once a
week while it stays the same, so a record left broken keeps being raised without a daily flood.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection

from checker.facts import Channel, MessageKind
from checker.state.outbox import add_message
from rules.records import DataError

MAX_LINES = 200


def describe(error: DataError) -> str:
    where = error.case_ref or "(no case_ref)"
    if error.dispute_ref:
        where += f", dispute {error.dispute_ref}"
    return f"{where}: {error.field}: {error.message}"


def plan_data_error_alert(connection: Connection, errors: Sequence[DataError], operator: str, as_of: date,
                          now: datetime, run_id: int) -> bool:
    """Plan the alert for ``errors`` unless this week's alert already lists exactly them; True if planned."""
    if not errors:
        return False
    lines = sorted(describe(e) for e in errors)
    fingerprint = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]
    year, week, _ = as_of.isocalendar()
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(f"... and {len(lines) - MAX_LINES} more: `checker check` lists them all.")
    count = len(lines)
    return add_message(
        connection, key=f"operator:data-errors:{year}-W{week:02d}:{fingerprint}", kind=MessageKind.OPERATOR,
        recipient=operator, channel=Channel.EMAIL, now=now, send_from=now, run_id=run_id,
        payload={"subject": f"checker: {count} record{'s' if count != 1 else ''} in the case data could not be "
                            "checked fully",
                 "lines": ["These records or fields were rejected on the last check. A rejected young person has "
                           "no reminders until the record is fixed in the case-management system.", "", *shown],
                 "as_of": as_of.isoformat()},
    )
