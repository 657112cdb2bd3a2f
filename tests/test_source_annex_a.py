"""The Annex A base (checker/sources/annex_a.py): the List 9 sheet of a real-layout workbook (the public
sample, tests/data/annex_a), and the same caseload as the canonical CSV written as a workbook plus the
columns List 9 cannot carry in a supplementary events file, with a staff directory."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from support.caseload import write_rows
from test_source_parts import STAFF, WHOLE, outcome

from checker.settings import Settings
from checker.sources import CsvSource, SourceError
from checker.sources.annex_a import AnnexASource
from checker.sources.base import STAFF_KEY
from checker.sources.factory import named_source

SAMPLE = Path(__file__).parent / "data" / "annex_a" / "Annex_A_2024_Jan.xlsx"
LIST_9 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age",
          "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
          "Does the Child have a Disability", "Allocated Team", "Allocated Worker", "Allocated Personal Advisor",
          "Eligibility Category", "Latest Pathway Plan Review Date", "LA in Touch", "Latest Date of Contact",
          "Type of Accommodation", "Suitability of Accommodation", "Activity Status"]
CATEGORY = {"former_relevant": "b) Former relevant child", "eligible": "d) Eligible child"}
ADVISER = {"pa.one@example.org": "Pat One", "pa.two@example.org": "S2"}


def workbook(path: Path, rows: list[list[object]], header: list[str] = LIST_9) -> Path:
    book = Workbook()
    book.active.title = "List 1"
    sheet = book.create_sheet("List 9")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def as_list_9(record: dict[str, str]) -> list[object]:
    cells: dict[str, object] = {
        "Child Unique ID": int(record["case_ref"][1:]) * 1000,  # a number, as Annex A holds it
        "Date of Birth": datetime.fromisoformat(record["date_of_birth"]),
        "Allocated Team": record["team"], "Allocated Personal Advisor": ADVISER[record["adviser_email"]],
        "Eligibility Category": CATEGORY[record["leaving_care_category"]],
        "Latest Pathway Plan Review Date": (datetime.fromisoformat(record["pathway_plan_reviewed_on"])
                                           if record.get("pathway_plan_reviewed_on") else None),
        "Gender": "a) Male",
    }
    return [cells.get(name) for name in LIST_9]


def test_the_public_sample_reads(tmp_path: Path) -> None:
    source = AnnexASource(SAMPLE)
    rows = list(source.case_rows())
    assert len(rows) == 6
    assert rows[0]["case_ref"] == "7961370"
    assert rows[0][STAFF_KEY] == "Jae Vang"  # no personal adviser recorded: the allocated worker
    assert {r["leaving_care_category"] for r in rows} == {"former_relevant"}
    assert source.unknown_columns() == ()


def test_annex_a_with_supplements_gives_the_findings_of_the_canonical_csv(tmp_path: Path,
                                                                          cli_env: pytest.MonkeyPatch) -> None:
    renamed = [{**r, "case_ref": str(int(r["case_ref"][1:]) * 1000)} for r in WHOLE]
    expected, _ = outcome(CsvSource(write_rows(tmp_path / "whole.csv", renamed)))
    workbook(tmp_path / "annex_a.xlsx", [as_list_9(r) for r in WHOLE])
    carried = {"date_of_birth", "team", "adviser_email", "manager_email", "leaving_care_category",
               "pathway_plan_reviewed_on", "given_name"}
    events = [{c: v for c, v in r.items() if c not in carried} for r in renamed]
    write_rows(tmp_path / "events.csv", events)
    write_rows(tmp_path / "staff.csv", STAFF)
    (tmp_path / "checker.toml").write_text(
        '[sources.annex]\nkind = "annex_a"\nworkbook = "annex_a.xlsx"\nsupplements = ["events", "staff"]\n'
        '[supplements.events]\nkind = "events"\ncases = "events.csv"\n'
        '[supplements.staff]\nkind = "staff"\npath = "staff.csv"\n', encoding="utf-8")
    cli_env.setenv("CHECKER_SETTINGS_FILE", str(tmp_path / "checker.toml"))
    # given_name is not in List 9: findings carry no name, so compare without it
    expected_unnamed, _ = outcome(CsvSource(write_rows(tmp_path / "unnamed.csv",
                                                       [{**r, "given_name": ""} for r in renamed])))
    found, errors = outcome(named_source(Settings(), "annex"))
    assert errors == []
    assert found == expected_unnamed
    assert expected  # the caseload has findings to compare


def test_an_unknown_category_is_a_data_error_naming_it(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [[1, datetime.fromisoformat("2006-01-01"), "North", "e) Other"]],
                    ["Child Unique ID", "Date of Birth", "Allocated Team", "Eligibility Category"])
    _, errors = outcome(AnnexASource(path))
    assert errors == [{"case_ref": "1", "dispute_ref": None, "field": "leaving_care_category",
                       "message": "leaving_care_category 'e) Other' is not one of eligible, former_relevant, "
                                  "qualifying, relevant; read as unknown"}]


def test_a_workbook_without_list_9_or_its_id_column_is_a_clear_error(tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "List 1"
    book.save(tmp_path / "none.xlsx")
    with pytest.raises(SourceError, match="has no sheet 'List 9'; its sheets are List 1"):
        AnnexASource(tmp_path / "none.xlsx").case_columns()
    path = workbook(tmp_path / "b.xlsx", [], ["Child ID", "Date of Birth"])
    with pytest.raises(SourceError, match="no Child Unique ID column"):
        AnnexASource(path).case_columns()
    (tmp_path / "c.xlsx").write_text("not a workbook")
    with pytest.raises(SourceError, match=r"cannot be read as an \.xlsx workbook"):
        AnnexASource(tmp_path / "c.xlsx").case_columns()
