"""CSV that is safe to open in a spreadsheet.

Every CSV the product writes (``check --format csv``, ``forecast``, ``audit export``, the board report's
files, attachments) is opened by someone in Excel. A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is a formula there: a case reference or team name typed as ``=HYPERLINK("https://…")``
would become a live link, or worse, in a council spreadsheet. Such a cell is written with a leading ``'``
(the OWASP "CSV injection" advice), which Excel shows as text and hides; plain numbers (``-3``) are left as
they are. Use :func:`writer` / :func:`dict_writer` instead of the ``csv`` module's own.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

_FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet will read it literally: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value and value[0] in _FORMULA_START and not _NUMBER.match(value):
        return "'" + value
    return value


class _Writer:
    def __init__(self, out: IO[str], lineterminator: str) -> None:
        self._writer = csv.writer(out, lineterminator=lineterminator)

    def writerow(self, row: Sequence[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.writerow(row)


class _DictWriter:
    def __init__(self, out: IO[str], fieldnames: Sequence[str], lineterminator: str) -> None:
        self._writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator=lineterminator)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self._writer.writerow({key: safe_cell(value) for key, value in row.items()})


def writer(out: IO[str], lineterminator: str = "\n") -> _Writer:
    return _Writer(out, lineterminator)


def dict_writer(out: IO[str], fieldnames: Sequence[str], lineterminator: str = "\n") -> _DictWriter:
    return _DictWriter(out, fieldnames, lineterminator)
