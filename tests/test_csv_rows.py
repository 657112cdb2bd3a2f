"""CsvSource's rows (checker/sources/csv_source.py) against the plain reading they replaced.

A header of canonical columns only is zipped straight onto the cells; any other header picks its
columns one by one. Both must give the rows the plain reading gives: blank lines and rows of only
commas or spaces skipped, a row whose first cell is empty but not the rest kept, and (docs/input.md,
"Bad input") a row with more or fewer cells than the header, or a read cell holding a control character
(the line break of a multi-line cell among them), handed over rejected, with only its case_ref.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from checker.sources import CsvSource
from checker.sources.base import RejectedRow

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


def plain_rows(path: Path) -> list[tuple[str, dict[str, str]]]:
    """The plain reading: canonical names picked by index, a row kept if any cell is not blank, and
    ("rejected", its case_ref) for a row of the wrong width or with a control character in a read cell."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader)]
        keep = [(i, name) for i, name in enumerate(header) if name in {"case_ref", "date_of_birth",
                                                                        "looked_after_since", "in_custody"}]
        out: list[tuple[str, dict[str, str]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            row = {name: cells[i] for i, name in keep if i < len(cells)}
            if len(cells) != len(header) or any(re.search(r"[\x00-\x1f]", v) for v in row.values()):
                ref = row.get("case_ref", "").strip()
                out.append(("rejected", {"case_ref": ref or None} if "case_ref" in row else {}))
            else:
                out.append(("row", row))
        return out


def read(path: Path) -> list[tuple[str, dict[str, str]]]:
    return [("rejected" if type(row) is RejectedRow else "row", dict(row)) for row in CsvSource(path).case_rows()]


@pytest.mark.parametrize("header", [
    "case_ref,date_of_birth,looked_after_since,in_custody",
    "Case_Ref , date_of_birth,looked_after_since,IN_CUSTODY",
    "case_ref,date_of_birth,notes,in_custody",
    "notes,case_ref,date_of_birth,looked_after_since",
])
def test_rows_are_what_the_plain_reading_gives(tmp_path: Path, header: str) -> None:
    path = tmp_path / "cases.csv"
    path.write_text("\n".join([header, *ROWS]) + "\n", encoding="utf-8")
    assert read(path) == plain_rows(path)
    assert len(plain_rows(path)) == 8
    assert [kind for kind, _ in plain_rows(path)].count("rejected") >= 3  # P2, P3 and P4 at least
