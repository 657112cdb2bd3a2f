"""One contract for every source kind (checker/sources/base.py), each configured by name in settings: csv, sql,
ssd, ssda903, annex_a, and a base with supplements. The same ten young people (and one bad record) written
each way: the interface behaves, a bad record is a data error naming the case and field and quoting nothing
of the person, and the source guard stops a tick that lost most of the caseload."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, insert
from support.caseload import write_rows
from support.ticks import AS_OF, StateEnv, state_env
from test_source_ssd import create_ssd

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.settings import Settings
from checker.sources.factory import dispose, named_source

NAME = "Zebedee"  # personal data that no error may quote
BAD_DOB = "31/02/2006"
People = list[tuple[str, str]]  # (case_ref, date of birth dd/mm/yyyy)


def people(count: int) -> People:
    return [(f"C{n}", f"{n + 1:02d}/03/2007") for n in range(count)]


def iso(dob: str) -> str:
    return f"{dob[6:]}-{dob[3:5]}-{dob[:2]}"


def csv_kind(folder: Path, who: People, bad: bool) -> str:
    rows = [{"case_ref": ref, "given_name": NAME, "date_of_birth": dob} for ref, dob in who]
    rows += [{"case_ref": "BAD1", "given_name": NAME, "date_of_birth": BAD_DOB}] if bad else []
    write_rows(folder / "cases.csv", rows)
    return 'kind = "csv"\ncases = "cases.csv"\n'


def sql_kind(folder: Path, who: People, bad: bool) -> str:
    (folder / "db.sqlite").unlink(missing_ok=True)
    with closing(sqlite3.connect(folder / "db.sqlite")) as db, db:
        db.execute("CREATE TABLE people (id TEXT, forename TEXT, dob TEXT)")
        db.executemany("INSERT INTO people VALUES (?, ?, ?)", [(r, NAME, d) for r, d in who]
                       + ([("BAD1", NAME, BAD_DOB)] if bad else []))
    (folder / "cases.sql").write_text("SELECT id AS case_ref, forename AS given_name, dob AS date_of_birth "
                                      "FROM people")
    return f'kind = "sql"\nurl = "sqlite:///{folder / "db.sqlite"}"\ncases_query = "cases.sql"\n'


def ssd_kind(folder: Path, who: People, bad: bool) -> str:
    (folder / "ssd.sqlite").unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{folder / 'ssd.sqlite'}")
    tables = create_ssd(engine)
    everyone = [(r, NAME, d) for r, d in who] + ([("BAD1", f"{NAME}\x1b[2J", "01/01/2006")] if bad else [])
    with engine.begin() as connection:
        for ref, forename, dob in everyone:
            connection.execute(insert(tables["ssd_person"]).values(
                pers_person_id=ref, pers_forename=forename, pers_dob=datetime.fromisoformat(iso(dob))))
            connection.execute(insert(tables["ssd_care_leavers"]).values(
                clea_table_id=ref, clea_person_id=ref, clea_care_leaver_eligibility="Eligible"))
    engine.dispose()
    return f'kind = "ssd"\nurl = "sqlite:///{folder / "ssd.sqlite"}"\n'


def ssda903_kind(folder: Path, who: People, bad: bool) -> str:
    (folder / "903").mkdir(exist_ok=True)
    everyone = [*who, *([("BAD1", BAD_DOB)] if bad else [])]
    write_rows(folder / "903" / "header.csv", [{"CHILD": r, "SEX": "1", "DOB": d, "ETHNIC": "WBRI"}
                                               for r, d in everyone])
    write_rows(folder / "903" / "episodes.csv", [{"CHILD": r, "DECOM": "01/01/2020", "RNE": "S", "LS": "C2",
                                                  "PLACE": "U1", "DEC": "", "REC": ""} for r, _ in everyone])
    return 'kind = "ssda903"\nfolder = "903"\n'


def annex_a_kind(folder: Path, who: People, bad: bool) -> str:
    book = Workbook()
    sheet = book.active
    sheet.title = "List 9 - Care leavers"
    sheet.append(["Child Unique ID", "Date of Birth", "Allocated Team", "Eligibility Category"])
    for ref, dob in who:
        sheet.append([ref, datetime.fromisoformat(iso(dob)), "North", "d) Eligible child"])
    if bad:
        sheet.append(["BAD1", BAD_DOB, "North", "d) Eligible child"])
    book.save(folder / "annex_a.xlsx")
    return 'kind = "annex_a"\nworkbook = "annex_a.xlsx"\n'


def composed_kind(folder: Path, who: People, bad: bool) -> str:
    base = csv_kind(folder, who, bad=False)
    write_rows(folder / "events.csv", [{"case_ref": r, "pathway_plan_reviewed_on": "2026-13-01" if bad and r == "C0"
                                        else "2026-01-01"} for r, _ in who])
    write_rows(folder / "staff.csv", [{"staff_id": "S1", "name": NAME, "email": "pa@example.org"}])
    if bad:  # the bad record is the base's, as in every kind, plus a supplement row that does not read
        write_rows(folder / "cases.csv", [{"case_ref": r, "given_name": NAME, "date_of_birth": d}
                                          for r, d in [*who, ("BAD1", BAD_DOB)]])
    return base + 'supplements = ["events", "staff"]\n'


KINDS: dict[str, Callable[[Path, People, bool], str]] = {
    "csv": csv_kind, "sql": sql_kind, "ssd": ssd_kind, "ssda903": ssda903_kind, "annex_a": annex_a_kind,
    "composed": composed_kind,
}
SUPPLEMENTS = ('[supplements.events]\nkind = "events"\ncases = "events.csv"\n'
               '[supplements.staff]\nkind = "staff"\npath = "staff.csv"\n')


def configure(folder: Path, env: pytest.MonkeyPatch, kind: str, who: People, bad: bool = False) -> Settings:
    entry = KINDS[kind](folder, who, bad)
    (folder / "checker.toml").write_text(f"[sources.main]\n{entry}{SUPPLEMENTS}", encoding="utf-8")
    env.setenv("CHECKER_SETTINGS_FILE", str(folder / "checker.toml"))
    return Settings()


@pytest.fixture(params=list(KINDS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_the_interface(kind: str, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    source = named_source(configure(tmp_path, cli_env, kind, people(10)), "main")
    try:
        assert {"case_ref", "date_of_birth"} <= source.case_columns()
        assert isinstance(source.unknown_columns(), tuple)
        first = [dict(r) for r in source.case_rows()]
        assert [dict(r) for r in source.case_rows()] == first  # each call starts from the beginning
        assert [str(r) for r in source.case_refs()] == [r["case_ref"] for r in first] == [f"C{n}" for n in range(10)]
        assert list(source.dispute_rows()) == [] or source.dispute_columns()
        evaluation = Evaluation(source, load_profile(), date(2026, 11, 23))
        list(evaluation.results())
        assert evaluation.cases_evaluated == 10
        assert evaluation.data_errors == []
    finally:
        dispose(source)


def test_a_bad_record_is_a_data_error_naming_case_and_field_quoting_nothing_personal(
        kind: str, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    source = named_source(configure(tmp_path, cli_env, kind, people(10), bad=True), "main")
    try:
        evaluation = Evaluation(source, load_profile(), date(2026, 11, 23))
        list(evaluation.results())
    finally:
        dispose(source)
    # everything else is still checked (the supplement's unreadable date rejects its case, as in a CSV)
    assert evaluation.cases_evaluated == (9 if kind == "composed" else 10)
    bad = [e for e in evaluation.data_errors if e.case_ref == "BAD1"]
    assert [e.field for e in bad] in (["date_of_birth"], ["given_name"])
    assert bad[0].message
    for error in evaluation.data_errors:
        assert NAME not in error.message
        assert "31/02" not in error.message
        assert "2006" not in error.message
    if kind == "composed":  # the supplement's unreadable date: an error of its case
        assert [(e.case_ref, e.field) for e in evaluation.data_errors if e.case_ref == "C0"] == [
            ("C0", "pathway_plan_reviewed_on")]


@pytest.fixture
def env(request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StateEnv]:
    request.param = "sqlite"
    yield from state_env(request, cli_env, tmp_path)


def test_the_source_guard_stops_a_tick_that_lost_most_cases(kind: str, env: StateEnv, tmp_path: Path,
                                                            cli_env: pytest.MonkeyPatch) -> None:
    configure(tmp_path, cli_env, kind, people(10))
    good = env.invoke("run", "--once", "--as-of", AS_OF, "--source", "main", "--no-digests")
    assert good.exit_code == 0, good.output
    configure(tmp_path, cli_env, kind, people(4))
    lost = env.invoke("run", "--once", "--as-of", AS_OF, "--source", "main", "--no-digests")
    assert lost.exit_code == 1, lost.output
    assert "4 cases were evaluated (4 rows read), 60% fewer" in lost.stderr
    assert [r.outcome for r in env.runs()][-1] == "aborted"
