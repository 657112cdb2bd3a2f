"""Acknowledgements (an adviser saying "seen" from a message's link): the seam the report and the audit read.

Nothing records acknowledgements yet: the messages issue (12) adds them. Until then both functions say
so, and the board's report prints "not recorded" rather than a zero that would read as "nobody
acknowledged". When acknowledgements are stored, fill these two functions in from their table and the
report and the audit export pick them up unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from sqlalchemy import Connection


def acknowledgement_counts(connection: Connection, start: date, end: date,
                           team: str | None) -> Sequence[tuple[str, int]] | None:
    """(obligation, acknowledgements in the period), or ``None``: acknowledgements are not recorded."""
    return None


def acknowledgement_events(connection: Connection, start: date, end: date,
                           case_ref: str | None) -> Iterator[dict[str, object]]:
    """Audit events (``checker/board/audit.py`` fields) of acknowledgements in the period; none recorded yet."""
    return iter(())
