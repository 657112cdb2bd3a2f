"""Small helpers for drawing whole numbers and days from a ``random.Random`` (never the global one)."""

from __future__ import annotations

import random
from datetime import date, timedelta


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` inclusive (``random.randint``, without its overhead)."""
    return low + int(rng.random() * (high - low + 1))


def day_between(rng: random.Random, first: date, last: date) -> date:
    """A day from ``first`` to ``last`` inclusive (``first`` when the range is empty)."""
    span = (last - first).days
    return first + timedelta(days=int(rng.random() * (span + 1))) if span > 0 else first


def days(n: int) -> timedelta:
    return timedelta(days=n)


def iso(day: date | None) -> str | None:
    """A date as the ISO text a case-management export holds, ``None`` when unknown."""
    return None if day is None else day.isoformat()
