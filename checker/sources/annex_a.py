"""Case records from the List 9 (care leavers) sheet of an Ofsted Annex A workbook (.xlsx), docs/inputs.md.

The sheet is read with openpyxl in read-only mode (a row at a time). Its first row names the columns of
the January 2024 layout; names are compared in any case and spacing. Mapping:

- ``Child Unique ID`` → ``case_ref`` (a whole number as its digits); ``Date of Birth`` → ``date_of_birth``;
- ``Allocated Team`` → ``team``; ``Latest Pathway Plan Review Date`` → ``pathway_plan_reviewed_on``;
- ``Eligibility Category`` → ``leaving_care_category`` (``a) Relevant child`` → relevant, ``b) Former
  relevant child`` → former_relevant, ``c) Qualifying care leaver`` → qualifying, ``d) Eligible child`` →
  eligible; another category is a data error naming it);
- ``Allocated Personal Advisor`` (else ``Allocated Worker``) → the adviser, for a staff directory to turn
  into ``adviser_email``, ``manager_email`` and ``team``.

The list's other columns (gender, ethnicity, age, UASC, disability, in touch, contact, accommodation,
activity) are recognised and not read; any other column is reported as unknown.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from checker.settings import Settings
from checker.sources.base import STAFF_KEY, SourceError, UnknownColumn
from checker.sources.cells import cell_problem, rejected_row
from checker.sources.codes import leaving_care_category

#: Column (as compared: lower case, single spaces) → the key it is read into.
READ = {
    "child unique id": "case_ref",
    "date of birth": "date_of_birth",
    "allocated team": "team",
    "latest pathway plan review date": "pathway_plan_reviewed_on",
    "eligibility category": "eligibility",
    "allocated personal advisor": "advisor",
    "allocated personal adviser": "advisor",
    "allocated worker": "worker",
}
NOT_READ = re.compile(r"^(gender|ethnicity|age\b.*|unaccompanied asylum.*|uasc.*|does the child have a disability|"
                      r"la in touch|latest date of contact|type of accommodation|suitability of accommodation|"
                      r"activity status)$")
COLUMNS = frozenset({"case_ref", "date_of_birth", "team", "pathway_plan_reviewed_on", "leaving_care_category"})


def _name(cell: object) -> str:
    return " ".join(str(cell or "").split()).lower()


def _ref(value: object) -> object:
    """A Child Unique ID as text: Excel keeps a number such as 7961370 as a float when it was typed in."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class AnnexASource:
    def __init__(self, workbook: Path, sheet: str | None = None) -> None:
        self.workbook = workbook
        self.sheet = sheet
        self.description = f"Annex A {workbook}"

    def _sheet_rows(self) -> Generator[tuple[Any, ...], None, None]:
        try:
            book = load_workbook(self.workbook, read_only=True, data_only=True)
        except FileNotFoundError:
            raise SourceError(f"cannot read {self.workbook}: no such file") from None
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise SourceError(f"{self.workbook} cannot be read as an .xlsx workbook ({exc.__class__.__name__})"
                              ) from None
        try:
            names = book.sheetnames
            title = self.sheet or next((n for n in names if n.strip().lower().startswith("list 9")), None)
            if title is None or title not in names:
                raise SourceError(f"{self.workbook} has no sheet {self.sheet or 'List 9'!r}; its sheets are "
                                  f"{', '.join(names)}")
            yield from book[title].iter_rows(values_only=True)
        finally:
            book.close()

    def _header(self) -> tuple[list[str], dict[str, int]]:
        rows = self._sheet_rows()
        try:
            names = [_name(cell) for cell in next(rows, ())]
        finally:
            rows.close()
        at = {READ[n]: i for i, n in enumerate(names) if n in READ}
        missing = [label for key, label in (("case_ref", "Child Unique ID"), ("date_of_birth", "Date of Birth"))
                   if key not in at]
        if missing:
            raise SourceError(f"{self.description}: the List 9 sheet has no {' or '.join(missing)} column in its "
                              "first row")
        return names, at

    def case_columns(self) -> frozenset[str]:
        self._header()
        return COLUMNS

    def dispute_columns(self) -> frozenset[str]:
        return frozenset()

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        names, _ = self._header()
        return tuple(UnknownColumn("Annex A List 9", n, None) for n in names
                     if n and n not in READ and not NOT_READ.match(n))

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def case_rows(self) -> Iterator[Mapping[str, Any]]:
        _, at = self._header()
        rows = self._sheet_rows()
        next(rows, None)
        for cells in rows:
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            raw = {key: (cells[i] if i < len(cells) else None) for key, i in at.items()}
            raw["case_ref"] = _ref(raw["case_ref"])
            problem = cell_problem(raw.items())
            if problem is not None:
                yield rejected_row(raw, *problem)
                continue
            adviser = raw.pop("advisor", None) or raw.pop("worker", None)
            raw.pop("worker", None)
            raw[STAFF_KEY] = adviser
            raw["leaving_care_category"] = leaving_care_category(raw.pop("eligibility", None))
            yield raw

    def case_refs(self) -> Iterator[object]:
        for row in self.case_rows():
            yield row.get("case_ref")


def open_annex_a(settings: Settings, entry: Any) -> AnnexASource:
    return AnnexASource(settings.resolve(entry.workbook), entry.sheet)
