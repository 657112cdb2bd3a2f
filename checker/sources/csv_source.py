"""Case records from a pair of CSV files (docs/input.md): cases, and optionally disputes.

UTF-8 (a byte-order mark from Excel is accepted), a header row naming the columns in any order
(``checker.sources.header``: unknown columns are reported, a file without a header is refused). Rows
are read one at a time. A row is whole or rejected: one with more or fewer cells than the header, or
a cell that breaks ``checker.sources.cells``' rules, is handed over as a ``RejectedRow`` (its record
is rejected with a data error naming the line) and the next row is read. Blank lines, and lines of
nothing but commas, hold no record and are skipped.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from checker.sources.base import RejectedRow, SourceError, UnknownColumn
from checker.sources.cells import CELL_MAX_LENGTH, REF_COLUMNS, cell_problem, rejected_row
from checker.sources.header import Header, read_header
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS, Column

if TYPE_CHECKING:  # settings are only a type here: reading a source needs none
    from checker.settings import CsvSourceSettings, Settings

# The csv module's own limit (128 KiB a field) would stop the whole file at one long cell; a cell over
# ``cells.CELL_MAX_LENGTH`` rejects its row instead. A file is read a row at a time, so this bounds
# nothing that matters.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _unreadable(path: Path, line: int, exc: csv.Error | UnicodeDecodeError) -> SourceError:
    if isinstance(exc, UnicodeDecodeError):
        # Text is decoded a buffer at a time, ahead of the rows read so far: the line is approximate.
        where = f", somewhere after line {line}" if line else ""
        return SourceError(f"{path}: the file is not UTF-8 text ({exc.reason}{where}); save it as CSV UTF-8")
    return SourceError(f"{path}, line {line}: {exc}")


def _misshapen(cells: list[str], keep: list[tuple[int, str]], width: int, line: int) -> RejectedRow | None:
    """The rejected row for a row of the wrong width or with a bad cell; ``None`` when it is fine after all."""
    have = len(cells)
    refs = {name: cells[i] for i, name in keep if name in REF_COLUMNS and i < have}
    if have != width:
        return rejected_row(refs, "row", f"line {line} has {have} cells but the header has {width} (a truncated "
                                         "or spilled row); the row is not read")
    problem = cell_problem((name, cells[i]) for i, name in keep)
    if problem is None:
        return None  # the suspect cell is in a column that is not read
    return rejected_row(refs, problem[0], f"line {line}: {problem[1]}")


class CsvSource:
    def __init__(self, cases: Path, disputes: Path | None = None) -> None:
        self.cases = cases
        self.disputes = disputes
        self.description = f"CSV {cases}" + (f" + {disputes}" if disputes else "")

    def _open(self, path: Path) -> IO[str]:
        try:
            return path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None

    def _header(self, path: Path, table: Mapping[str, Column], what: str) -> Header:
        with self._open(path) as handle:
            reader = csv.reader(handle)
            try:  # the first read decodes a whole buffer, so a non-UTF-8 byte in a small file fails here
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(path, reader.line_num, exc) from None
        if header is None:
            raise SourceError(f"{path}: the file is empty; a header row with the {what} columns is needed")
        return read_header(header, table, what, str(path))

    def _rows(self, path: Path, table: Mapping[str, Column], what: str) -> Iterator[dict[str, Any]]:
        names = self._header(path, table, what).names
        width = len(names)
        keep = [(i, name) for i, name in enumerate(names) if name is not None]
        kept = [name for _, name in keep]
        # The usual header is canonical columns only: then a row is just the header zipped with the cells.
        canonical_only = len(kept) == width
        with self._open(path) as handle:
            reader = csv.reader(handle)
            next(reader, None)
            try:
                for cells in reader:
                    if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                        continue  # a blank line, or a row of nothing but commas left by a spreadsheet
                    # One cheap test of the whole row first: isprintable is false for every control character
                    # (and for a few harmless ones, such as a no-break space, which _misshapen then clears).
                    joined = "".join(cells)
                    if len(cells) != width or len(joined) > CELL_MAX_LENGTH or not joined.isprintable():
                        bad = _misshapen(cells, keep, width, reader.line_num)
                        if bad is not None:
                            yield bad
                            continue
                    if canonical_only:
                        yield dict(zip(kept, cells, strict=False))  # the width is checked above
                    else:
                        yield {name: cells[i] for i, name in keep}
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(path, reader.line_num, exc) from None

    def case_columns(self) -> frozenset[str]:
        return self._header(self.cases, CASE_COLUMNS, "cases").present

    def dispute_columns(self) -> frozenset[str]:
        if self.disputes is None:
            return frozenset()
        return self._header(self.disputes, DISPUTE_COLUMNS, "disputes").present

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        unknown = self._header(self.cases, CASE_COLUMNS, "cases").unknown
        if self.disputes is not None:
            unknown += self._header(self.disputes, DISPUTE_COLUMNS, "disputes").unknown
        return unknown

    def case_rows(self) -> Iterator[dict[str, Any]]:
        return self._rows(self.cases, CASE_COLUMNS, "cases")

    def dispute_rows(self) -> Iterator[dict[str, Any]]:
        if self.disputes is None:
            return iter(())
        return self._rows(self.disputes, DISPUTE_COLUMNS, "disputes")

    def case_refs(self) -> Iterator[object]:
        index = self._header(self.cases, CASE_COLUMNS, "cases").names.index("case_ref")
        with self._open(self.cases) as handle:
            reader = csv.reader(handle)
            next(reader, None)
            try:
                for cells in reader:
                    if len(cells) > index:
                        yield cells[index]
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(self.cases, reader.line_num, exc) from None


def open_csv(settings: Settings, entry: CsvSourceSettings) -> CsvSource:
    """The ``csv`` kind (``checker/sources/registry.py``): the cases file and, optionally, the disputes file."""
    disputes = settings.resolve(entry.disputes) if entry.disputes else None
    return CsvSource(settings.resolve(entry.cases), disputes)
