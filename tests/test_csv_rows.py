"""CsvSource's rows (checker/sources/csv_source.py) against the plain reading they replaced.

A header of canonical columns only is zipped straight onto the cells; any other header picks its
columns one by one. Both must give the rows the plain reading gives: short rows with the columns they
have, extra trailing cells dropped, blank lines and rows of only commas or spaces skipped, a row
whose first cell is empty but not the rest kept.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from checker.sources import CsvSource

ROWS = [
    "P1,2009-01-01,2022-01-01,yes",
    "",
    ",,,",
    " , ,\t, ",
    ",2009-01-01,,",
    "P2,2009-01-01",
    "P3",
    "P4,2009-01-01,2022-01-01,no,extra,cells",
    '"P5","2009-01-01","",""',
    '"P6, quoted","2009-01-01","multi\nline",""',
    "  ,  ,2022-01-01,",
]


def plain_rows(path: Path) -> list[dict[str, str]]:
    """The reading as it was: canonical names picked by index, a row kept if any cell is not blank."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader)]
        keep = [(i, name) for i, name in enumerate(header) if name in {"case_ref", "date_of_birth",
                                                                        "looked_after_since", "in_custody"}]
        return [{name: cells[i] for i, name in keep if i < len(cells)}
                for cells in reader if any(cell.strip() for cell in cells)]


@pytest.mark.parametrize("header", [
    "case_ref,date_of_birth,looked_after_since,in_custody",
    "Case_Ref , date_of_birth,looked_after_since,IN_CUSTODY",
    "case_ref,date_of_birth,notes,in_custody",
    "notes,case_ref,date_of_birth,looked_after_since",
])
def test_rows_are_what_the_plain_reading_gives(tmp_path: Path, header: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([header, *ROWS]) + "\n", encoding="utf-8")
    assert list(CsvSource(path).case_rows()) == plain_rows(path)
    assert len(plain_rows(path)) == 8
