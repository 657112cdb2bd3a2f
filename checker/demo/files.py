"""Writing a generated caseload as the two CSV files of docs/input.md, a row at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from checker.demo.caseload import CASE_FIELDS, CORE_CASE_FIELDS, DEFAULT_SEED, DISPUTE_FIELDS, Row, generate


def write_csv(path: Path, fields: Iterable[str], rows: Iterable[Row]) -> int:
    """Write ``rows`` under a header of ``fields`` (UTF-8, empty cells for ``None``); the number of rows."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(fields), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_caseload(folder: Path, n: int, as_of: date, seed: int = DEFAULT_SEED, *, bad_rows: bool = True,
                   extended: bool = True) -> tuple[Path, Path]:
    """``folder/cases.csv`` and ``folder/disputes.csv`` with ``n`` generated cases; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    cases, disputes = generate(n, as_of, seed, bad_rows=bad_rows, extended=extended)
    cases_path, disputes_path = folder / "cases.csv", folder / "disputes.csv"
    write_csv(cases_path, CASE_FIELDS if extended else CORE_CASE_FIELDS, cases)
    write_csv(disputes_path, DISPUTE_FIELDS, disputes)
    return cases_path, disputes_path
