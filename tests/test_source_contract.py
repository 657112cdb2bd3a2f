"""One contract for every source kind (checker/sources/base.py, checker/sources/records.py), each configured by
name in settings: csv, sql, ssd, ssda903, annex_a, and a base with supplements. The same ten young people (and
one bad record) written each way: the interface behaves; good rows come as validated records, counted; a bad
record is a data error naming the case and field, quoting nothing of the person, and the records after it
still come; every row of a repeated case_ref is rejected; a missing required column stops the read before
any row; records stream; and the source guard stops a tick that lost most of the caseload."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, insert
from support.caseload import write_rows
from support.ticks import AS_OF, StateEnv, state_env
from test_source_ssd import create_ssd

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.settings import Settings
from checker.source_settings import BaseSourceSettings, BaseSupplementSettings
from checker.sources.base import Source, SourceError
from checker.sources.factory import dispose, named_source
from checker.sources.records import ValidatedSource
from checker.sources.registry import BASE_KINDS, SUPPLEMENT_KINDS, load
from rules.records import CaseRecord

NAME = "Zebedee"  # personal data that no error may quote
BAD_DOB = "31/02/2006"
People = list[tuple[str, str]]  # (case_ref, date of birth dd/mm/yyyy)


def people(count: int) -> People:
    return [(f"C{n}", f"{n + 1:02d}/03/2007") for n in range(count)]


def iso(dob: str) -> str:
    return f"{dob[6:]}-{dob[3:5]}-{dob[:2]}"


def with_bad(who: People, bad: bool, dob: str = BAD_DOB) -> People:
    """The people, with the bad record second when ``bad``: what comes after it must still be read."""
    return [*who[:1], *([("BAD1", dob)] if bad else []), *who[1:]]


def csv_kind(folder: Path, who: People, bad: bool) -> str:
    write_rows(folder / "cases.csv", [{"case_ref": ref, "given_name": NAME, "date_of_birth": dob}
                                      for ref, dob in with_bad(who, bad)])
    return 'kind = "csv"\ncases = "cases.csv"\n'


def sql_kind(folder: Path, who: People, bad: bool) -> str:
    (folder / "db.sqlite").unlink(missing_ok=True)
    with closing(sqlite3.connect(folder / "db.sqlite")) as db, db:
        db.execute("CREATE TABLE people (id TEXT, forename TEXT, dob TEXT)")
        db.executemany("INSERT INTO people VALUES (?, ?, ?)", [(r, NAME, d) for r, d in with_bad(who, bad)])
    (folder / "cases.sql").write_text("SELECT id AS case_ref, forename AS given_name, dob AS date_of_birth "
                                      "FROM people")
    return f'kind = "sql"\nurl = "sqlite:///{folder / "db.sqlite"}"\ncases_query = "cases.sql"\n'


def ssd_kind(folder: Path, who: People, bad: bool) -> str:
    (folder / "ssd.sqlite").unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{folder / 'ssd.sqlite'}")
    tables = create_ssd(engine)
    everyone = [(r, f"{NAME}\x1b[2J" if r == "BAD1" else NAME, d) for r, d in with_bad(who, bad, "01/01/2006")]
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
    everyone = with_bad(who, bad)
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
    for ref, dob in with_bad(who, bad):
        sheet.append([ref, dob if ref == "BAD1" else datetime.fromisoformat(iso(dob)), "North", "d) Eligible child"])
    book.save(folder / "annex_a.xlsx")
    return 'kind = "annex_a"\nworkbook = "annex_a.xlsx"\n'


def composed_kind(folder: Path, who: People, bad: bool) -> str:
    base = csv_kind(folder, who, bad=False)
    write_rows(folder / "events.csv", [{"case_ref": r, "pathway_plan_reviewed_on": "2026-13-01" if bad and r == "C0"
                                        else "2026-01-01"} for r, _ in who])
    write_rows(folder / "staff.csv", [{"staff_id": "S1", "name": NAME, "email": "pa@example.org"}])
    if bad:  # the bad record is the base's, as in every kind, plus a supplement row that does not read
        csv_kind(folder, who, bad=True)
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


def test_every_registered_kind_is_in_this_suite_with_its_settings_and_opener() -> None:
    assert set(BASE_KINDS) | {"composed"} == set(KINDS)
    for kind, where in [*BASE_KINDS.items(), *SUPPLEMENT_KINDS.items()]:
        model = load(where.settings)  # its section is read by this class, which says its kind
        assert issubclass(model, BaseSourceSettings if kind in BASE_KINDS else BaseSupplementSettings), kind
        assert get_args(model.model_fields["kind"].annotation) == (kind,)
        assert callable(load(where.opener)), kind


AS_OF_DATE = date(2026, 11, 23)


def read_records(source: Source) -> tuple[ValidatedSource, list[CaseRecord]]:
    records = ValidatedSource(source, AS_OF_DATE)
    cases = []
    for case, disputes, flagged in records.cases():
        assert (disputes, flagged) == ([], False)
        cases.append(case)
    return records, cases


def test_good_rows_come_as_validated_records_and_are_counted(kind: str, tmp_path: Path,
                                                             cli_env: pytest.MonkeyPatch) -> None:
    who = people(10)
    source = named_source(configure(tmp_path, cli_env, kind, who), "main")
    try:
        records, cases = read_records(source)
    finally:
        dispose(source)
    assert [(c.case_ref, c.date_of_birth) for c in cases] == [(ref, date.fromisoformat(iso(dob))) for ref, dob in who]
    assert all(type(c) is CaseRecord for c in cases)
    assert (records.cases_read, records.cases_rejected, records.cases_evaluated) == (10, 0, 10)
    assert (records.case_errors, records.dispute_errors, records.rejected_case_refs) == ([], [], set())


def test_a_bad_row_is_a_data_error_and_the_rows_after_it_still_come(kind: str, tmp_path: Path,
                                                                   cli_env: pytest.MonkeyPatch) -> None:
    source = named_source(configure(tmp_path, cli_env, kind, people(10), bad=True), "main")
    try:
        records_of, cases = read_records(source)
    finally:
        dispose(source)
    rejected = {"BAD1", "C0"} if kind == "composed" else {"BAD1"}  # C0: the supplement's unreadable date
    assert sorted(c.case_ref for c in cases) == sorted(f"C{n}" for n in range(10) if f"C{n}" not in rejected)
    assert (records_of.cases_read, records_of.cases_rejected, records_of.cases_evaluated) == (11, len(rejected),
                                                                                             11 - len(rejected))
    assert records_of.rejected_case_refs == rejected
    (error,) = [e for e in records_of.case_errors if e.case_ref == "BAD1"]
    assert error.field in ("date_of_birth", "given_name")
    assert error.dispute_ref is None
    assert "\n" not in error.message
    assert NAME not in error.message
    assert "31/02" not in error.message
    assert "2006" not in error.message


def test_every_row_of_a_repeated_case_ref_is_rejected(kind: str, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    who = [*people(4), ("C1", "09/09/2007")]
    source = named_source(configure(tmp_path, cli_env, kind, who), "main")
    try:
        records, cases = read_records(source)
    finally:
        dispose(source)
    assert [c.case_ref for c in cases] == ["C0", "C2", "C3"]
    repeated = [("C1", "case_ref", "case_ref C1 appears on more than one row; every such row is rejected")]
    if kind == "composed":  # the supplement repeats it too: its rows for C1 are not read, and it says so
        repeated += [("C1", "case_ref", f"supplement events (CSV {tmp_path / 'events.csv'}) has more than one "
                                        "row for case_ref C1; none of them is read")]
    assert [(e.case_ref, e.field, e.message) for e in records.case_errors] == repeated * 2
    assert (records.cases_read, records.cases_rejected, records.rejected_case_refs) == (5, 2, {"C1"})


def without_date_of_birth(folder: Path, kind: str) -> None:
    """Take the date of birth (a required column) out of what ``configure`` wrote for ``kind``."""
    if kind in ("csv", "composed"):
        write_rows(folder / "cases.csv", [{"case_ref": "C0", "given_name": NAME}])
    elif kind == "sql":
        (folder / "cases.sql").write_text("SELECT id AS case_ref, forename AS given_name FROM people")
    elif kind == "ssd":
        with closing(sqlite3.connect(folder / "ssd.sqlite")) as db, db:
            db.execute("ALTER TABLE ssd_person DROP COLUMN pers_dob")
    elif kind == "ssda903":
        write_rows(folder / "903" / "header.csv", [{"CHILD": "C0", "SEX": "1", "ETHNIC": "WBRI"}])
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = "List 9 - Care leavers"
        sheet.append(["Child Unique ID", "Allocated Team", "Eligibility Category"])
        sheet.append(["C0", "North", "d) Eligible child"])
        book.save(folder / "annex_a.xlsx")


def test_a_missing_required_column_stops_the_read_before_any_row(kind: str, tmp_path: Path,
                                                                 cli_env: pytest.MonkeyPatch) -> None:
    settings = configure(tmp_path, cli_env, kind, people(3))
    without_date_of_birth(tmp_path, kind)
    source = named_source(settings, "main")
    rows_asked: list[str] = []
    rows = source.case_rows

    def spied() -> Iterator[Mapping[str, Any]]:
        rows_asked.append("case_rows")
        return rows()

    source.case_rows = spied  # type: ignore[method-assign] # a spy: were the rows asked for?
    records = ValidatedSource(source, AS_OF_DATE)
    try:
        with pytest.raises(SourceError) as stopped:
            next(records.cases())
    finally:
        dispose(source)
    assert "date" in str(stopped.value).lower() or "ssd" in str(stopped.value).lower()
    assert NAME not in str(stopped.value)
    assert rows_asked == []
    assert (records.cases_read, records.case_errors) == (0, [])


def test_records_stream_one_row_at_a_time(kind: str, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    source = named_source(configure(tmp_path, cli_env, kind, people(10)), "main")
    passes: list[list[object]] = []  # the refs each call of case_rows handed over (ssda903's refs pass is one)
    rows = source.case_rows

    def spied() -> Iterator[Mapping[str, Any]]:
        passes.append(handed := [])
        for row in rows():
            handed.append(row.get("case_ref"))
            yield row

    source.case_rows = spied  # type: ignore[method-assign] # a spy on the rows handed over
    records = ValidatedSource(source, AS_OF_DATE)
    stream = records.cases()
    try:
        first, _, _ = next(stream)
        assert (first.case_ref, passes[-1], records.cases_read) == ("C0", ["C0"], 1)
        assert [case.case_ref for case, _, _ in stream] == [f"C{n}" for n in range(1, 10)]
    finally:
        dispose(source)
    assert len(passes[-1]) == records.cases_read == 10


def test_the_interface(kind: str, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    source = named_source(configure(tmp_path, cli_env, kind, people(10)), "main")
    try:
        assert {"case_ref", "date_of_birth"} <= source.case_columns()
        assert isinstance(source.unknown_columns(), tuple)
        first = [dict(r) for r in source.case_rows()]
        assert [dict(r) for r in source.case_rows()] == first  # each call starts from the beginning
        assert [r["case_ref"] for r in first] == [f"C{n}" for n in range(10)]
        # every row's ref, or none from a kind whose rows reject their own repeats (the SSD's query counts them)
        assert [str(r) for r in source.case_refs()] == ([] if kind == "ssd" else [f"C{n}" for n in range(10)])
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
