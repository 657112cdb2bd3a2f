"""Case records from a pair of CSV files (obligations.md §2): cases, and optionally disputes.

UTF-8 (a byte-order mark from Excel is accepted), a header row naming the columns in any order,
extra columns ignored. Rows are read one at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from checker.sources.base import SourceError, canonical_columns
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS, Column


def _unreadable(path: Path, line: int, exc: csv.Error | UnicodeDecodeError) -> SourceError:
    if isinstance(exc, UnicodeDecodeError):
        # Text is decoded a buffer at a time, ahead of the rows read so far: the line is approximate.
        where = f", somewhere after line {line}" if line else ""
        return SourceError(f"{path}: the file is not UTF-8 text ({exc.reason}{where}); save it as CSV UTF-8")
    return SourceError(f"{path}, line {line}: {exc}")


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

    def _header(self, path: Path, table: Mapping[str, Column], what: str) -> list[str | None]:
        with self._open(path) as handle:
            reader = csv.reader(handle)
            try:  # the first read decodes a whole buffer, so a non-UTF-8 byte in a small file fails here
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(path, reader.line_num, exc) from None
        if header is None:
            raise SourceError(f"{path}: the file is empty; a header row with the {what} columns is needed")
        return canonical_columns(header, table, what, str(path))[0]

    def _rows(self, path: Path, table: Mapping[str, Column], what: str) -> Iterator[dict[str, Any]]:
        names = self._header(path, table, what)
        keep = [(i, name) for i, name in enumerate(names) if name is not None]
        kept = [name for _, name in keep]
        # The usual header is canonical columns only: then a row is just the header zipped with the cells
        # (a short row gives the columns it has, extra trailing cells are dropped, as below).
        canonical_only = len(kept) == len(names)
        with self._open(path) as handle:
            reader = csv.reader(handle)
            next(reader, None)
            try:
                for cells in reader:
                    if not (cells and cells[0].strip()) and not any(cell.strip() for cell in cells):
                        continue  # a blank line, or a row of nothing but commas left by a spreadsheet
                    if canonical_only:
                        yield dict(zip(kept, cells, strict=False))
                    else:
                        width = len(cells)
                        yield {name: cells[i] for i, name in keep if i < width}
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(path, reader.line_num, exc) from None

    def case_columns(self) -> frozenset[str]:
        return frozenset(n for n in self._header(self.cases, CASE_COLUMNS, "cases") if n)

    def dispute_columns(self) -> frozenset[str]:
        if self.disputes is None:
            return frozenset()
        return frozenset(n for n in self._header(self.disputes, DISPUTE_COLUMNS, "disputes") if n)

    def case_rows(self) -> Iterator[dict[str, Any]]:
        return self._rows(self.cases, CASE_COLUMNS, "cases")

    def dispute_rows(self) -> Iterator[dict[str, Any]]:
        if self.disputes is None:
            return iter(())
        return self._rows(self.disputes, DISPUTE_COLUMNS, "disputes")

    def case_refs(self) -> Iterator[object]:
        index = self._header(self.cases, CASE_COLUMNS, "cases").index("case_ref")
        with self._open(self.cases) as handle:
            reader = csv.reader(handle)
            next(reader, None)
            try:
                for cells in reader:
                    if len(cells) > index:
                        yield cells[index]
            except (csv.Error, UnicodeDecodeError) as exc:
                raise _unreadable(self.cases, reader.line_num, exc) from None
