"""The SSDA903 base (checker/sources/ssda903.py): the return's files recognised by their columns, the
derivations worked by hand from the episodes, and every fake return file of the public validator read."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from support.caseload import write_rows

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.sources import SourceError
from checker.sources.ssda903 import Ssda903Source

FAKE = Path(__file__).parent / "data" / "ssda903"
EPISODE = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
           "HOME_POST", "PL_POST", "URN")


def episode(child: str, decom: str, rne: str, ls: str, place: str, dec: str = "", rec: str = "") -> dict[str, str]:
    return {"CHILD": child, "DECOM": decom, "RNE": rne, "LS": ls, "CIN": "N1", "PLACE": place,
            "PLACE_PROVIDER": "PR1", "DEC": dec, "REC": rec}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_rows(tmp_path / "header.csv", [
        {"CHILD": c, "SEX": "1", "DOB": dob, "ETHNIC": "WBRI", "UPN": "", "MOTHER": "", "MC_DOB": ""}
        for c, dob in (("A", "01/03/2006"), ("B", "10/10/2005"), ("C", "01/01/2008"), ("E", "01/01/2008"))])
    write_rows(tmp_path / "episodes.csv", [
        episode("A", "01/01/2019", "S", "C2", "U1", "01/06/2022", "X1"),
        episode("A", "01/06/2022", "P", "C2", "R5"),
        episode("B", "05/05/2015", "S", "C2", "U1", "10/10/2023", "E8"),
        episode("C", "01/09/2023", "S", "V3", "U1", "05/09/2023", "E3"),
        episode("C", "10/01/2024", "S", "J1", "K1"),
        episode("E", "01/05/2023", "S", "C2", "Q7"),
        episode("E", "2023-13-01", "P", "C2", "U1"),
    ], EPISODE)
    write_rows(tmp_path / "oc3.csv", [{"CHILD": "D", "DOB": "01/02/2004", "IN_TOUCH": "YES", "ACTIV": "F1",
                                       "ACCOM": "S"}])
    write_rows(tmp_path / "reviews.csv", [{"CHILD": "A", "DOB": "01/03/2006", "REVIEW": "01/01/2024",
                                           "REVIEW_CODE": "PN1"}])
    write_rows(tmp_path / "notes.csv", [{"what": "not part of the return"}])
    return tmp_path


def test_the_derivations_from_the_episodes(folder: Path) -> None:
    rows = {r["case_ref"]: r for r in Ssda903Source(folder).case_rows()}
    assert list(rows) == ["A", "B", "C", "E", "D"]
    # A: a period begun 2019-01-01 (RNE S) continued by a new placement (RNE P) in a young offender institution
    assert rows["A"]["looked_after_since"] == date(2019, 1, 1)
    assert rows["A"]["ceased_looked_after_on"] is None
    assert (rows["A"].get("in_custody"), rows["A"].get("custody_started_on")) == (True, date(2022, 6, 1))
    # 2020-03-01 (14th birthday) to 2022-06-01 in care, past the 16th: eligible, being in care
    assert rows["A"]["leaving_care_category"] == "eligible"
    # B: care ended by E8 on the 18th birthday itself: former relevant
    assert (rows["B"]["looked_after_since"], rows["B"]["ceased_looked_after_on"]) == (date(2015, 5, 5),
                                                                                      date(2023, 10, 10))
    assert rows["B"]["leaving_care_category"] == "former_relevant"
    assert rows["B"].get("in_custody") is None
    # C: a short break (V3), then remanded (J1) to a secure children's home (K1): custody since 2024-01-10
    assert rows["C"]["looked_after_since"] == date(2024, 1, 10)
    assert (rows["C"].get("in_custody"), rows["C"].get("custody_started_on")) == (True, date(2024, 1, 10))
    assert rows["C"]["leaving_care_category"] is None  # a short break does not count; the open episode unknown
    # D: only in the OC3 file: a care leaver the return asked about
    assert rows["D"]["date_of_birth"] == "01/02/2004"
    assert rows["D"]["leaving_care_category"] == "former_relevant"


def test_an_unknown_code_and_a_bad_date_are_data_errors_of_the_case(folder: Path) -> None:
    evaluation = Evaluation(Ssda903Source(folder), load_profile(), date(2026, 11, 23))
    list(evaluation.results())
    errors = {(e.case_ref, e.field): e.message for e in evaluation.data_errors if e.case_ref == "E"}
    assert errors == {
        ("E", "PLACE"): "PLACE has the code 'Q7', which is not a placement code; read as unknown",
        ("E", "DECOM"): "an episode's DECOM is not a date (dd/mm/yyyy); the episode is read without it",
    }
    assert "E" not in evaluation.rejected_case_refs


def test_files_are_recognised_by_their_columns(folder: Path) -> None:
    read, skipped, unknown = Ssda903Source(folder).files()
    assert {k: p.name for k, p in read.items()} == {"header": "header.csv", "episodes": "episodes.csv",
                                                    "oc3": "oc3.csv"}
    assert skipped == ["reviews.csv (reviews)"]
    assert unknown == ["notes.csv"]


def test_a_folder_without_episodes_is_a_clear_error(folder: Path) -> None:
    (folder / "episodes.csv").unlink()
    with pytest.raises(SourceError, match="has no SSDA903 episodes file"):
        Ssda903Source(folder).case_columns()


def test_every_fake_return_file_of_the_public_validator_reads(tmp_path: Path) -> None:
    folder = tmp_path / "fake"
    shutil.copytree(FAKE, folder)
    source = Ssda903Source(folder)
    read, skipped, _ = source.files()
    assert set(read) == {"header", "episodes", "oc3"}
    assert len(skipped) == 10
    evaluation = Evaluation(source, load_profile(), date(2019, 3, 31))
    results = list(evaluation.results())
    assert evaluation.cases_read > 1000
    assert results
    assert evaluation.cases_rejected == 0
    for error in evaluation.data_errors:  # every error names its case and field
        assert error.case_ref
        assert error.field


def test_the_reason_care_ended_sentenced_to_custody_and_loose_ends_of_the_latest_episode(tmp_path: Path) -> None:
    """REC E9 starts custody on the day care ended; E6 (independent living) only ends care; an X1 with no
    later episode, a DEC without a REC, and a REC outside the DfE's list are data errors naming the field."""
    write_rows(tmp_path / "header.csv", [{"CHILD": c, "SEX": "2", "DOB": "01/04/2007", "ETHNIC": "WBRI"}
                                         for c in ("F", "G", "H", "J", "K")])
    write_rows(tmp_path / "episodes.csv", [
        episode("F", "01/01/2019", "S", "C2", "U1", "12/03/2026", "E9"),
        episode("G", "01/01/2019", "S", "C2", "U1", "01/04/2025", "E6"),
        episode("H", "01/01/2019", "S", "C2", "U1", "01/05/2025", "X1"),
        episode("J", "01/01/2019", "S", "C2", "U1", "01/05/2025", ""),
        episode("K", "01/01/2019", "S", "C2", "U1", "01/05/2025", "E10"),
    ], EPISODE)
    rows = {r["case_ref"]: r for r in Ssda903Source(tmp_path).case_rows()}
    # F: sentenced on 12 Mar 2026, before the 19th birthday: care ended and custody began that day
    assert (rows["F"]["ceased_looked_after_on"], rows["F"].get("in_custody"), rows["F"].get("custody_started_on")) \
        == (date(2026, 3, 12), True, date(2026, 3, 12))
    # G: moved to independent living on the 18th birthday: care ended, no custody
    assert (rows["G"]["ceased_looked_after_on"], rows["G"].get("in_custody")) == (date(2025, 4, 1), None)
    # H and J: the file does not say care ended: still looked after, with a data error
    assert rows["H"]["ceased_looked_after_on"] is None
    assert rows["J"]["ceased_looked_after_on"] is None
    evaluation = Evaluation(Ssda903Source(tmp_path), load_profile(), date(2026, 11, 23))
    list(evaluation.results())
    assert sorted((e.case_ref, e.field, e.message) for e in evaluation.data_errors) == [
        ("F", "release_date", "in_custody is true but release_date is empty; the obligations that count from the "
                              "release date are skipped until it is recorded"),
        ("H", "REC", "the latest episode has a DEC and REC 'X1' (a new episode the same day) and no later episode; "
                     "read as still looked after"),
        ("J", "REC", "the latest episode has a DEC and no REC; read as still looked after"),
        ("K", "REC", "REC has the code 'E10', which is not a reason an episode ceased code; read as unknown"),
    ]
