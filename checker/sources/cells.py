"""The checks every source makes on a row's cells before handing it over (docs/input.md, "Bad input").

A cell may hold at most ``CELL_MAX_LENGTH`` characters (Excel's own limit for a cell: a longer one is
a pasted note or a broken export) and no control character (NUL, ESC, the other C0 and C1 codes, DEL:
no value of any column has one, a NUL cannot be stored, and an ESC would reach a terminal). A row that
fails either check is handed over as a ``RejectedRow``: its record is rejected with the column and the
reason, and no cell of it is quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from checker.sources.base import RejectedRow
from rules.records import KEY_MAX_LENGTH

CELL_MAX_LENGTH = 32_767
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
REF_COLUMNS = ("case_ref", "dispute_ref")


def cell_problem(pairs: Iterable[tuple[str, Any]]) -> tuple[str, str] | None:
    """``(column, reason)`` for the first (column, value) whose text is too long or holds a control character."""
    for column, value in pairs:
        if not isinstance(value, str):
            continue
        if len(value) > CELL_MAX_LENGTH:
            return column, (f"the {column} cell is {len(value)} characters long, more than the {CELL_MAX_LENGTH} "
                            "a cell may hold (a pasted note or a broken export?); the row is not read")
        if CONTROL.search(value):
            return column, (f"the {column} cell holds a control character (such as NUL or ESC), which no "
                            "value may hold; the row is not read")
    return None


def clean_ref(value: object) -> str | None:
    """A ref cell fit to name a rejected row by: stripped, short enough, no control character."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    ref = str(value).strip()
    if not ref or len(ref) > KEY_MAX_LENGTH or CONTROL.search(ref):
        return None
    return ref


def rejected_row(row: dict[str, Any], field: str, reason: str) -> RejectedRow:
    """A ``RejectedRow`` that keeps only the clean refs of ``row``."""
    return RejectedRow({c: clean_ref(row.get(c)) for c in REF_COLUMNS if c in row}, field, reason)
