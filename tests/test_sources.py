"""The sources (checker/sources) against real files and real databases: CSV, SQLite and PostgreSQL.

One caseload covering the five core obligations (with disputes, custody, 29 February birthdays and
rejected rows) goes through every source and must give the same findings and data errors, as a library
call and through ``checker check --format json``. In SQLite every value is TEXT, as in the CSV; in
PostgreSQL the same records are stored once as TEXT and once with real DATE, BOOLEAN and INTEGER columns,
so the SQL source hands Python ``date``/``bool``/``int`` values to validation. Then: rows stream, broken
sources stop with a clear message (and never show a password), and typed database values are read right.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, event, text
from support.postgres import PostgresServer, free_port

from checker.cli import main
from checker.engine import Evaluation
from checker.profiles import Profile, load_profile
from checker.report import error_document, finding_document
from checker.sources import CsvSource, Source, SourceError, SqlSource, read_query

# --- The caseload ---------------------------------------------------------------------------------

CASE_FIELDS = (
    "case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
    "leaving_care_category", "support_requested_after_21", "adviser_email", "manager_email", "team",
    "housing_register_joined_on", "housing_register_renewed_on", "pathway_plan_reviewed_on", "in_custody",
    "custody_started_on", "release_date", "release_review_invited_on",
)
DISPUTE_FIELDS = ("dispute_ref", "case_ref", "stage", "stage_started_on", "resolved_on")
DATE_FIELDS = frozenset({
    "date_of_birth", "looked_after_since", "ceased_looked_after_on", "housing_register_joined_on",
    "housing_register_renewed_on", "pathway_plan_reviewed_on", "custody_started_on", "release_date",
    "release_review_invited_on", "stage_started_on", "resolved_on",
})
BOOL_FIELDS = frozenset({"support_requested_after_21", "in_custody"})
INT_FIELDS = frozenset({"stage"})
CORE = ("housing-register-initial", "housing-register-renewal", "pathway-plan-review", "custody-release-review",
        "dispute-escalation")

Row = dict[str, Any]


def case(ref: str | None, dob: str | None, **fields: Any) -> Row:
    """A cases row with typed values: ISO strings become dates, booleans default to false."""
    row: Row = dict.fromkeys(CASE_FIELDS)
    row.update(dict.fromkeys(BOOL_FIELDS, False))
    row.update(case_ref=ref, date_of_birth=dob, **fields)
    return {k: date.fromisoformat(v) if k in DATE_FIELDS and isinstance(v, str) else v for k, v in row.items()}


def dispute(ref: str, case_ref: str, stage: int | None, started: str, resolved: str | None = None) -> Row:
    return {"dispute_ref": ref, "case_ref": case_ref, "stage": stage,
            "stage_started_on": date.fromisoformat(started),
            "resolved_on": date.fromisoformat(resolved) if resolved else None}


CASES: list[Row] = [
    # In care since 2015, 16 on 2025-05-10: joined the register late (met), renewal overdue, plan pending.
    case("C01", "2009-05-10", given_name="Amara", family_name="Okafor", looked_after_since="2015-03-01",
         leaving_care_category="eligible", adviser_email="pa.one@example.org",
         manager_email="tm.north@example.org", team="North", housing_register_joined_on="2025-09-01",
         pathway_plan_reviewed_on="2026-08-01"),
    # Born 29 Feb 2008: 16 on 29 Feb 2024, 18 on 1 Mar 2026 (left care that day). Never joined the register.
    case("C02", "2008-02-29", given_name="Zoë", family_name="Ní Bhriain", looked_after_since="2020-01-01",
         ceased_looked_after_on="2026-03-01", leaving_care_category="former_relevant",
         pathway_plan_reviewed_on="2026-06-15", adviser_email="pa.two@example.org"),
    # Born 29 Feb 2004: 21 on 1 Mar 2025; asked for support after 21, so the plan review goes on.
    case("C03", "2004-02-29", looked_after_since="2019-06-01", ceased_looked_after_on="2022-02-28",
         leaving_care_category="former_relevant", support_requested_after_21=True,
         housing_register_joined_on="2020-04-01", housing_register_renewed_on="2026-01-15",
         pathway_plan_reviewed_on="2026-04-30", team="South"),
    # 21 on 31 Aug 2026 without asking for support; in custody, release 31 Jan 2027, nobody invited yet.
    case("C04", "2005-08-31", looked_after_since="2021-09-01", ceased_looked_after_on="2023-08-31",
         leaving_care_category="former_relevant", in_custody=True, custody_started_on="2026-06-01",
         release_date="2027-01-31", housing_register_joined_on="2021-10-01",
         housing_register_renewed_on="2025-11-30"),
    # In custody; the invitation was sent before this custody period began, so it does not count.
    case("C05", "2007-11-30", looked_after_since="2023-01-10", leaving_care_category="relevant", in_custody=True,
         custody_started_on="2026-09-01", release_date="2027-06-30", release_review_invited_on="2026-08-15",
         housing_register_joined_on="2024-01-15", housing_register_renewed_on="2026-01-10",
         pathway_plan_reviewed_on="2026-07-01"),
    # In custody and the partners were invited in time: met.
    case("C06", "2008-07-04", looked_after_since="2024-01-05", leaving_care_category="relevant",
         housing_register_joined_on="2024-10-01", housing_register_renewed_on="2025-10-20", in_custody=True,
         custody_started_on="2026-05-01", release_date="2026-12-31", release_review_invited_on="2026-09-15",
         pathway_plan_reviewed_on="2026-10-01"),
    # In custody without a release date: a data error, and only the custody obligation is skipped.
    case("C07", "2008-12-12", looked_after_since="2022-02-02", in_custody=True, custody_started_on="2026-10-01"),
    # Qualifying: no pathway plan review, but the register obligation applies.
    case("C08", "2009-01-15", looked_after_since="2025-02-01", leaving_care_category="qualifying"),
    # Rejected whole: born after the as-of date; no case_ref; a case_ref twice (also with spaces around it);
    # in care before birth; left care before entering it; no date of birth.
    case("C09", "2027-01-01"),
    case(None, "2008-01-01", looked_after_since="2020-01-01"),
    case("C10", "2008-03-03", looked_after_since="2020-01-01"),
    case("C10", "2008-04-04"),
    case("C11", "2008-05-05", looked_after_since="2008-05-04"),
    case("C12", "2008-06-06", looked_after_since="2020-01-01", ceased_looked_after_on="2019-12-31"),
    case("C13", None, looked_after_since="2020-01-01"),
    case(" C18 ", "2009-10-10", looked_after_since="2025-01-01"),
    case("C18", "2009-10-10"),
    # Bad emails and an unknown category: data errors, the case is still evaluated.
    case("C14", "2009-09-09", looked_after_since="2024-06-01", adviser_email="not-an-email",
         manager_email="tm@example", leaving_care_category="Unknown"),
    # 25 or over: out of scope, whatever is recorded.
    case("C15", "2000-01-01", looked_after_since="2014-01-01", in_custody=True, release_date="2027-01-01"),
    # 16 only in 2027: nothing is due yet.
    case("C16", "2011-03-03", looked_after_since="2019-01-01"),
    # Upper-case category is accepted; came into care at 16.
    case("C19", "2009-12-31", looked_after_since="2026-01-01", leaving_care_category="ELIGIBLE"),
]

DISPUTES: list[Row] = [
    dispute("D01", "C01", 1, "2026-11-18"),  # Wed: due Fri 20 Nov, overdue on Mon 23 Nov
    dispute("D02", "C01", 4, "2026-11-19"),  # Thu: due Mon 23 Nov
    dispute("D03", "C02", 2, "2026-11-21"),  # Sat: Mon is day 1, due Tue 24 Nov
    dispute("D04", "C03", 3, "2026-10-01", "2026-10-02"),  # resolved: met
    dispute("D05", "C05", 4, "2026-11-02"),  # overdue at the top stage: stays at 4
    dispute("D06", "C10", 1, "2026-11-02"),  # its case is rejected (duplicated)
    dispute("D07", "C99", 1, "2026-11-02"),  # no such case
    dispute("D08", "C01", 5, "2026-11-02"),  # no stage 5
    dispute("D09", "C01", 2, "2026-11-10", "2026-11-09"),  # resolved before it started
    dispute("D10", "C02", 1, "2026-11-02"),  # D10 twice: both rejected
    dispute("D10", "C03", 1, "2026-11-03"),
    dispute("D11", "C01", None, "2026-11-02"),  # no stage
    dispute("D12", "C11", 2, "2026-11-02"),  # its case is rejected (in care before birth)
    dispute("D13", "C08", 1, "2025-02-27"),
    dispute("D14", "C06", 2, "2026-12-23"),  # over Christmas (started after the as-of date in most runs)
]

# Cells only a text source can hold: unparseable dates, bad booleans and stages.
TEXT_ONLY_CASES: list[Mapping[str, str]] = [
    {"case_ref": "T1", "date_of_birth": "20080115"},
    {"case_ref": "T2", "date_of_birth": "2008-01-15", "looked_after_since": "2020-01-15 10:00"},
    {"case_ref": "T3", "date_of_birth": "15/01/2008", "looked_after_since": "01/09/2020", "in_custody": "maybe",
     "support_requested_after_21": "Yes", "release_date": "01/01/2027"},
    {"case_ref": "T4", "date_of_birth": "01/13/2008"},
    {"case_ref": "T5", "date_of_birth": "31/02/2009"},
    {"case_ref": "T6", "date_of_birth": "08-01-15"},
    {"case_ref": "T7", "date_of_birth": " 2009-06-30 ", "looked_after_since": "2024-07-01", "in_custody": " TRUE ",
     "release_date": "2027-02-28", "custody_started_on": "2026-11-01"},
]
TEXT_ONLY_DISPUTES: list[Mapping[str, str]] = [
    {"dispute_ref": "TD1", "case_ref": "C01", "stage": "two", "stage_started_on": "2026-11-02"},
    {"dispute_ref": "TD2", "case_ref": "C01", "stage": "2", "stage_started_on": "2 Nov 2026"},
    {"dispute_ref": "TD3", "case_ref": "C01", "stage": " 3 ", "stage_started_on": "16/11/2026"},
    {"dispute_ref": "TD4", "case_ref": "C06", "stage": "0", "stage_started_on": "2026-11-16"},
]

AS_OF_DATES = (date(2026, 11, 23), date(2025, 2, 28), date(2025, 3, 1), date(2026, 12, 31))
TRUE_SPELLINGS = ("yes", "TRUE", "y", "1", "Y")
FALSE_SPELLINGS = ("no", "false", "N", "0", "")


def as_text(value: Any, index: int) -> str | None:
    """A typed value as a text source would hold it (``None`` for an empty cell), varying the spelling."""
    if value is None:
        return None
    if isinstance(value, bool):
        return (TRUE_SPELLINGS if value else FALSE_SPELLINGS)[index % 5]
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if index % 3 == 1 else value.isoformat()
    return str(value)


def text_rows(rows: Sequence[Row], extra: Sequence[Mapping[str, str]], fields: Sequence[str]) -> list[Row]:
    out: list[Row] = [{f: as_text(row[f], i) for f in fields} for i, row in enumerate(rows)]
    out.extend({f: one.get(f) for f in fields} for one in extra)
    return out


# --- Writing the caseload into each kind of source ------------------------------------------------

def write_csv(path: Path, rows: Sequence[Row], fields: Sequence[str], bom: bool = False) -> Path:
    """A CSV with the columns in another order and an extra column, as a case-management export would be."""
    header = [*reversed(fields[1:]), "notes", fields[0]]
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i, row in enumerate(rows):
            writer.writerow(["note " + str(i) if name == "notes" else (row.get(name) or "") for name in header])
    return path


def write_sqlite(path: Path, cases: Sequence[Row], disputes: Sequence[Row]) -> str:
    """Every value as TEXT (NULL for empty), plus an id and an extra column."""
    with closing(sqlite3.connect(path)) as db, db:
        for table, fields, rows in (("cases", CASE_FIELDS, cases), ("disputes", DISPUTE_FIELDS, disputes)):
            db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, notes TEXT, "
                       + ", ".join(f"{f} TEXT" for f in fields) + ")")
            insert = f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})"  # noqa: S608
            db.executemany(insert, [[row.get(f) for f in fields] for row in rows])
    return f"sqlite:///{path}"


def sql_type(field: str) -> str:
    if field in DATE_FIELDS:
        return "DATE"
    if field in BOOL_FIELDS:
        return "BOOLEAN"
    return "INTEGER" if field in INT_FIELDS else "TEXT"


# The typed PostgreSQL tables use the case-management system's own names for two columns; the query renames.
PG_NAMES = {"case_ref": "person_id", "date_of_birth": "dob"}


def write_postgres(engine: Engine, cases: Sequence[Row], disputes: Sequence[Row]) -> None:
    """``cases_text``/``disputes_text`` as all TEXT, ``cm_people``/``cm_disputes`` with real types."""
    with engine.begin() as db:
        for table, fields, rows, typed, names in (
            ("cases_text", CASE_FIELDS, text_rows(cases, TEXT_ONLY_CASES, CASE_FIELDS), False, {}),
            ("disputes_text", DISPUTE_FIELDS, text_rows(disputes, TEXT_ONLY_DISPUTES, DISPUTE_FIELDS), False, {}),
            ("cm_people", CASE_FIELDS, cases, True, PG_NAMES),
            ("cm_disputes", DISPUTE_FIELDS, disputes, True, {}),
        ):
            columns = [names.get(f, f) for f in fields]
            types = [sql_type(f) if typed else "TEXT" for f in fields]
            db.execute(text(f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, notes TEXT, "
                            + ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True)) + ")"))
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + f for f in fields)})"  # noqa: S608
            db.execute(text(insert), [dict(row) for row in rows])


PG_TYPED_CASES_QUERY = (
    "-- cases from the case-management system, renamed to the checker's columns\n"
    "SELECT " + ", ".join(f"{PG_NAMES[f]} AS {f}" if f in PG_NAMES else f for f in CASE_FIELDS)
    + ", notes AS worker_notes\nFROM cm_people\nORDER BY id;\n-- end of query\n"
)


@dataclass(frozen=True)
class Caseload:
    """The caseload written to every kind of source, and how to reach each."""

    folder: Path
    cases_csv: Path
    disputes_csv: Path
    typed_cases_csv: Path  # the typed rows only: what the typed PostgreSQL tables hold
    typed_disputes_csv: Path
    sqlite_url: str

    def query(self, name: str, sql: str) -> Path:
        path = self.folder / f"{name}.sql"
        path.write_text(sql, encoding="utf-8")
        return path


@pytest.fixture(scope="module")
def caseload(tmp_path_factory: pytest.TempPathFactory) -> Caseload:
    folder = tmp_path_factory.mktemp("caseload")
    cases, disputes = text_rows(CASES, TEXT_ONLY_CASES, CASE_FIELDS), text_rows(DISPUTES, TEXT_ONLY_DISPUTES,
                                                                                DISPUTE_FIELDS)
    return Caseload(
        folder=folder,
        cases_csv=write_csv(folder / "cases.csv", cases, CASE_FIELDS, bom=True),
        disputes_csv=write_csv(folder / "disputes.csv", disputes, DISPUTE_FIELDS),
        typed_cases_csv=write_csv(folder / "typed_cases.csv", text_rows(CASES, (), CASE_FIELDS), CASE_FIELDS),
        typed_disputes_csv=write_csv(folder / "typed_disputes.csv", text_rows(DISPUTES, (), DISPUTE_FIELDS),
                                     DISPUTE_FIELDS),
        sqlite_url=write_sqlite(folder / "cases.sqlite", cases, disputes),
    )


@pytest.fixture(scope="module")
def caseload_postgres(postgres_server: PostgresServer) -> Iterator[str]:
    """A database holding the caseload as TEXT tables and as typed tables (see ``write_postgres``)."""
    name, url = postgres_server.new_database("caseload")
    engine = create_engine(url)
    try:
        write_postgres(engine, CASES, DISPUTES)
        yield url
    finally:
        engine.dispose()
        postgres_server.drop(name)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return load_profile()


# --- Evaluating -----------------------------------------------------------------------------------

Outcome = tuple[list[str], list[str]]


def canonical(documents: Iterator[Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted(json.dumps(doc, sort_keys=True, ensure_ascii=False) for doc in documents)


def evaluate(source: Source, profile: Profile, as_of: date) -> Outcome:
    """Findings and data errors as sorted lists of their §5 JSON documents."""
    evaluation = Evaluation(source, profile, as_of)
    findings = canonical(finding_document(f) for result in evaluation.results() for f in result.findings)
    return findings, canonical(error_document(e) for e in evaluation.data_errors)


def sqlite_source(caseload: Caseload) -> SqlSource:
    return SqlSource(caseload.sqlite_url, "SELECT * FROM cases ORDER BY id", "SELECT * FROM disputes")


def pg_text_source(url: str) -> SqlSource:
    return SqlSource(url, "SELECT * FROM cases_text", "SELECT * FROM disputes_text")


def pg_typed_source(caseload: Caseload, url: str) -> SqlSource:
    # Through read_query, as the CLI does: a leading and trailing comment and a semicolon.
    return SqlSource(url, read_query(caseload.query("pg_typed_cases", PG_TYPED_CASES_QUERY)),
                     "SELECT * FROM cm_disputes ORDER BY id")


# --- The same records through every source --------------------------------------------------------

@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_sqlite_gives_the_same_findings_and_data_errors_as_csv(caseload: Caseload, profile: Profile,
                                                               as_of: date) -> None:
    expected = evaluate(CsvSource(caseload.cases_csv, caseload.disputes_csv), profile, as_of)
    assert expected[0], "the caseload should have findings"
    assert evaluate(sqlite_source(caseload), profile, as_of) == expected


@pytest.mark.parametrize("as_of", AS_OF_DATES, ids=str)
def test_postgres_gives_the_same_findings_and_data_errors_as_csv(caseload: Caseload, caseload_postgres: str,
                                                                 profile: Profile, as_of: date) -> None:
    expected = evaluate(CsvSource(caseload.cases_csv, caseload.disputes_csv), profile, as_of)
    assert evaluate(pg_text_source(caseload_postgres), profile, as_of) == expected
    # Real DATE, BOOLEAN and INTEGER columns: the same records (without the cells only text can hold).
    typed_expected = evaluate(CsvSource(caseload.typed_cases_csv, caseload.typed_disputes_csv), profile, as_of)
    assert evaluate(pg_typed_source(caseload, caseload_postgres), profile, as_of) == typed_expected


def test_the_typed_postgres_source_really_hands_over_typed_values(caseload: Caseload,
                                                                  caseload_postgres: str) -> None:
    source = pg_typed_source(caseload, caseload_postgres)
    first = next(source.case_rows())
    assert first["case_ref"] == "C01"
    assert type(first["date_of_birth"]) is date
    assert first["in_custody"] is False
    assert "worker_notes" not in first  # an extra column is ignored
    dispute_row = next(source.dispute_rows())
    assert type(dispute_row["stage"]) is int
    assert type(dispute_row["stage_started_on"]) is date


def test_the_caseload_covers_the_core_obligations(caseload: Caseload, profile: Profile) -> None:
    """Spot checks against the contract in docs/input.md, so the comparison above compares something worth comparing."""
    findings, errors = evaluate(CsvSource(caseload.cases_csv, caseload.disputes_csv), profile, date(2026, 11, 23))
    docs = [json.loads(f) for f in findings]
    by_key = {(d["case_ref"], d["obligation"], d["ref"]): d for d in docs}
    assert {d["obligation"] for d in docs} >= set(CORE)  # lancashire also has its own eight
    assert {d["status"] for d in docs} == {"met", "pending", "overdue"}

    def status(case_ref: str, obligation: str, ref: str | None = None) -> tuple[str, str, str | None]:
        d = by_key[(case_ref, obligation, ref)]
        return d["status"], d["due_date"], d["completed_on"]

    # C01: A = 16th birthday 2025-05-10; joined late but joined; renewal a year after joining.
    assert status("C01", "housing-register-initial") == ("met", "2025-08-10", "2025-09-01")
    assert status("C01", "housing-register-renewal") == ("overdue", "2026-09-01", None)
    assert status("C01", "pathway-plan-review") == ("pending", "2027-02-01", None)
    # C02, born 29 Feb 2008: A = 29 Feb 2024, + 3 months = 29 May 2024.
    assert status("C02", "housing-register-initial") == ("overdue", "2024-05-29", None)
    assert status("C02", "pathway-plan-review") == ("pending", "2026-12-15", None)
    # C03, 22 and asked for support after 21: the review still applies.
    assert status("C03", "pathway-plan-review") == ("overdue", "2026-10-30", None)
    assert status("C03", "housing-register-renewal") == ("pending", "2027-01-15", None)
    # C04, 21 without asking for support: no review; custody: release 31 Jan 2027 - 3 months.
    assert ("C04", "pathway-plan-review", None) not in by_key
    assert status("C04", "custody-release-review") == ("overdue", "2026-10-31", None)
    assert status("C05", "custody-release-review") == ("pending", "2027-03-30", None)  # invited too early
    assert status("C06", "custody-release-review") == ("met", "2026-09-30", "2026-09-15")
    assert ("C07", "custody-release-review", None) not in by_key  # no release date: skipped
    assert ("C07", "housing-register-initial", None) in by_key  # but the rest is evaluated
    assert ("C08", "pathway-plan-review", None) not in by_key  # qualifying
    assert status("C08", "housing-register-initial") == ("overdue", "2025-05-01", None)
    assert not any(d["case_ref"] == "C15" for d in docs)  # 25 or over: nothing at all
    # Not yet 16: no core obligation (a milestone still to come, such as lancashire's housing options meeting at
    # 17y 6m, is reported pending).
    assert not any(d["case_ref"] == "C16" and d["obligation"] in CORE for d in docs)
    assert status("C19", "housing-register-initial") == ("overdue", "2026-04-01", None)  # A = 1 Jan 2026
    # Disputes: 2 working days a stage.
    d01 = by_key[("C01", "dispute-escalation", "D01")]
    assert (d01["status"], d01["due_date"], d01["escalate_to_stage"]) == ("overdue", "2026-11-20", 2)
    assert status("C01", "dispute-escalation", "D02") == ("pending", "2026-11-23", None)
    assert status("C02", "dispute-escalation", "D03") == ("pending", "2026-11-24", None)
    assert status("C03", "dispute-escalation", "D04") == ("met", "2026-10-05", "2026-10-02")
    assert by_key[("C05", "dispute-escalation", "D05")]["escalate_to_stage"] == 4
    assert status("C01", "dispute-escalation", "TD3") == ("overdue", "2026-11-18", None)
    assert by_key[("T7", "custody-release-review", None)]["due_date"] == "2026-11-28"

    errors_by = {(e["case_ref"], e["dispute_ref"], e["field"]) for e in map(json.loads, errors)}
    rejected_cases = {None, "C09", "C10", "C11", "C12", "C13", "C18", "T1", "T2", "T4", "T5", "T6"}
    assert not any(d["case_ref"] in rejected_cases for d in docs)
    assert {("C09", None, "date_of_birth"), (None, None, "case_ref"), ("C10", None, "case_ref"),
            ("C11", None, "looked_after_since"), ("C12", None, "ceased_looked_after_on"),
            ("C13", None, "date_of_birth"), ("C18", None, "case_ref"), ("C07", None, "release_date"),
            ("C14", None, "adviser_email"), ("C14", None, "manager_email"), ("C14", None, "leaving_care_category"),
            ("T1", None, "date_of_birth"), ("T2", None, "looked_after_since"), ("T3", None, "in_custody"),
            ("T4", None, "date_of_birth"), ("T5", None, "date_of_birth"), ("T6", None, "date_of_birth"),
            ("C10", "D06", "case_ref"), ("C99", "D07", "case_ref"), ("C01", "D08", "stage"),
            ("C01", "D09", "resolved_on"), ("C02", "D10", "dispute_ref"), ("C03", "D10", "dispute_ref"),
            ("C01", "D11", "stage"), ("C11", "D12", "case_ref"), ("C01", "TD1", "stage"),
            ("C01", "TD2", "stage_started_on"), ("C06", "TD4", "stage")} <= errors_by
    assert sum(1 for e in map(json.loads, errors) if e["case_ref"] == "C10" and e["dispute_ref"] is None) == 2
    assert ("C14", "housing-register-initial", None) in by_key  # bad emails: still evaluated
    assert ("T3", "housing-register-initial", None) in by_key  # bad boolean: read as false, still evaluated


# --- The same through the command line ------------------------------------------------------------

def configure_sql_source(env: pytest.MonkeyPatch, name: str, url: str, cases_query: Path,
                         disputes_query: Path | None = None) -> None:
    prefix = f"CHECKER_SOURCES__{name.upper()}__"
    env.setenv(prefix + "KIND", "sql")
    env.setenv(prefix + "URL", url)
    env.setenv(prefix + "CASES_QUERY", str(cases_query))
    if disputes_query is not None:
        env.setenv(prefix + "DISPUTES_QUERY", str(disputes_query))


def run_cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def cli_outcome(*args: str) -> Outcome:
    code, out, err = run_cli("check", "--format", "json", *args)
    assert code == 0, err
    document = json.loads(out)
    return canonical(document["findings"]), canonical(document["data_errors"])


@pytest.mark.parametrize("as_of", [date(2026, 11, 23), date(2025, 3, 1)], ids=str)
def test_cli_json_from_csv_and_sqlite_matches_the_evaluation(caseload: Caseload, profile: Profile, as_of: date,
                                                             cli_env: pytest.MonkeyPatch) -> None:
    expected = evaluate(CsvSource(caseload.cases_csv, caseload.disputes_csv), profile, as_of)
    day = as_of.isoformat()
    assert cli_outcome("--as-of", day, "--cases", str(caseload.cases_csv),
                       "--disputes", str(caseload.disputes_csv)) == expected
    configure_sql_source(cli_env, "lite", caseload.sqlite_url,
                         caseload.query("lite_cases", "SELECT * FROM cases;\n"),
                         caseload.query("lite_disputes", "SELECT * FROM disputes -- all of them\n"))
    assert cli_outcome("--as-of", day, "--source", "lite") == expected


@pytest.mark.parametrize("as_of", [date(2026, 11, 23), date(2025, 3, 1)], ids=str)
def test_cli_json_from_postgres_matches_the_evaluation(caseload: Caseload, caseload_postgres: str,
                                                       profile: Profile, as_of: date,
                                                       cli_env: pytest.MonkeyPatch) -> None:
    day = as_of.isoformat()
    expected = evaluate(CsvSource(caseload.cases_csv, caseload.disputes_csv), profile, as_of)
    configure_sql_source(cli_env, "pg", caseload_postgres, caseload.query("pg_cases", "SELECT * FROM cases_text"),
                         caseload.query("pg_disputes", "SELECT * FROM disputes_text;"))
    assert cli_outcome("--as-of", day, "--source", "pg") == expected

    typed_expected = evaluate(CsvSource(caseload.typed_cases_csv, caseload.typed_disputes_csv), profile, as_of)
    configure_sql_source(cli_env, "pgtyped", caseload_postgres, caseload.query("pg_typed", PG_TYPED_CASES_QUERY),
                         caseload.query("pg_typed_disputes", "SELECT * FROM cm_disputes ;  \n\n"))
    cli_env.setenv("CHECKER_DEFAULT_SOURCE", "pgtyped")
    assert cli_outcome("--as-of", day) == typed_expected


# --- Rows stream --------------------------------------------------------------------------------

STREAM_ROWS = 60_000


def test_csv_rows_are_read_lazily(tmp_path: Path) -> None:
    """The first row comes back before the rest of the file is even decoded: a bad byte at the end of a
    large file fails only when the reader gets there."""
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.write(b"case_ref,date_of_birth\n")
        handle.writelines(f"B{i:06d},2009-01-01\n".encode() for i in range(STREAM_ROWS))
        handle.write(b"B-latin1,2009-01-01,Zo\xeb\n")
    assert path.stat().st_size > 1_000_000
    source = CsvSource(path)
    rows = source.case_rows()
    assert next(rows) == {"case_ref": "B000000", "date_of_birth": "2009-01-01"}
    assert next(rows)["case_ref"] == "B000001"
    refs = source.case_refs()
    assert next(refs) == "B000000"
    with pytest.raises(SourceError, match=r"not UTF-8 text .*after line \d+.*save it as CSV UTF-8"):
        list(rows)
    with pytest.raises(SourceError, match="not UTF-8"):
        list(refs)


def test_a_small_csv_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("case_ref,date_of_birth,given_name\nC1,2009-01-01,Zoë\n".encode("latin-1"))
    with pytest.raises(SourceError, match=r"latin1\.csv: the file is not UTF-8 text"):
        CsvSource(path).case_columns()


def _raise_at(limit: int) -> Any:
    def check(n: int) -> int:
        if n >= limit:
            raise ValueError(f"row {n} was read")
        return n
    return check


def test_sqlite_rows_are_streamed(tmp_path: Path) -> None:
    """A function that fails on the last rows: the first rows arrive, so nothing fetched them all first."""
    path = tmp_path / "big.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE people (n INTEGER PRIMARY KEY, dob TEXT)")
        db.executemany("INSERT INTO people VALUES (?, '2009-01-01')", [(i,) for i in range(STREAM_ROWS)])
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect",
                 lambda connection, _record: connection.create_function("upto", 1, _raise_at(STREAM_ROWS - 10)))
    query = "SELECT 'B' || upto(n) AS case_ref, dob AS date_of_birth FROM people ORDER BY n"
    source = SqlSource(f"sqlite:///{path}", query, engine=engine)
    try:
        rows = source.case_rows()
        assert next(rows) == {"case_ref": "B0", "date_of_birth": "2009-01-01"}
        refs = source.case_refs()
        assert next(refs) == "B0"
        with pytest.raises(SourceError, match=r"reading the cases from SQL sqlite:///.* failed part-way: "
                                              r"OperationalError: .*user-defined function raised exception"):
            list(rows)
        with pytest.raises(SourceError, match="failed part-way"):
            list(refs)
    finally:
        engine.dispose()


def test_postgres_rows_are_streamed_with_a_server_side_cursor(fresh_postgres_url: str) -> None:
    """Row 150,000 divides by zero. A client-side cursor runs the whole query before handing over any row,
    so it would fail at once; a server-side cursor fetches in batches and fails only when it gets there."""
    query = ("SELECT 'B' || CASE WHEN g >= 150000 THEN 1 / (g - g) ELSE g END AS case_ref, "
             "DATE '2009-01-01' + (g % 365) AS date_of_birth FROM generate_series(1, 200000) AS g")
    source = SqlSource(fresh_postgres_url, query)
    try:
        rows = source.case_rows()
        assert next(rows) == {"case_ref": "B1", "date_of_birth": date(2009, 1, 2)}
        refs = source.case_refs()
        assert next(refs) == "B1"
        with pytest.raises(SourceError, match=r"reading the cases from SQL postgresql\+psycopg://.* failed "
                                              r"part-way: DataError: .*division by zero"):
            for _ in rows:
                pass
        with pytest.raises(SourceError, match="division by zero"):
            list(refs)
    finally:
        source.engine.dispose()


# --- Failures: a SourceError with a clear message, and no password anywhere ------------------------

PASSWORD = "Sup3r-s3cret-pw"  # noqa: S105 - made up; no message may show it


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = f"postgresql+psycopg://checker:{PASSWORD}@127.0.0.1:{free_port()}/caseload"
    with pytest.raises(SourceError) as failure:
        SqlSource(url, "SELECT * FROM cases").case_columns()
    message = str(failure.value)
    assert "the cases query failed on SQL postgresql+psycopg://checker:***@127.0.0.1:" in message
    assert "Connection refused" in message or "connection failed" in message
    assert PASSWORD not in message


@pytest.mark.parametrize(("url", "reason"), [
    (f"nodialect://checker:{PASSWORD}@localhost/db", "Can't load plugin"),
    (f"postgresql+psycopg://checker:{PASSWORD}@localhost:notaport/db", "invalid literal"),
    (f"not a url {PASSWORD}", "Could not parse"),
])
def test_a_bad_url_is_a_clear_error_without_the_password(url: str, reason: str) -> None:
    with pytest.raises(SourceError, match="cannot use the database URL") as failure:
        SqlSource(url, "SELECT 1").case_columns()
    assert reason in str(failure.value)
    assert PASSWORD not in str(failure.value)


def test_a_missing_sqlite_database_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unable to open database file"):
        SqlSource(f"sqlite:///{tmp_path}/no/such/folder/cases.sqlite", "SELECT 1").case_columns()


BROKEN_QUERIES = [
    ("SELEC * FROM cases", "cases", r"the cases query failed on SQL .*: (ProgrammingError|OperationalError): "
                                    r".*syntax error"),
    ("SELECT * FROM no_such_table", "cases", r"the cases query failed on .*no_such_table"),
    ("SELECT date_of_birth FROM cases", "cases",
     r"the cases query: the cases have no case_ref column; the header has: date_of_birth\. "
     r"Required cases columns: case_ref, date_of_birth"),
    ("SELECT case_ref, notes FROM cases", "cases", r"the cases have no date_of_birth column"),
    ("SELECT notes FROM cases", "cases", r"the cases have no case_ref, date_of_birth columns"),
    ("SELECT case_ref, date_of_birth, date_of_birth FROM cases", "cases",
     r"column 'date_of_birth' appears more than once in the cases header"),
    ("SELECT dispute_ref, case_ref, stage_started_on FROM disputes", "disputes",
     r"the disputes query: the disputes have no stage column"),
]


def broken_source(url: str, query: str, what: str) -> SqlSource:
    if what == "cases":
        return SqlSource(url, query)
    return SqlSource(url, "SELECT * FROM cases", query)


def check_broken(source: SqlSource, what: str, pattern: str) -> None:
    columns, rows = ((source.case_columns, source.case_rows) if what == "cases"
                     else (source.dispute_columns, source.dispute_rows))
    if "more than once" in pattern and source.engine.dialect.name == "sqlite":
        columns()  # SQLite renames a repeated column of a subquery ("date_of_birth:1"), so only the rows see it
    else:
        with pytest.raises(SourceError, match=pattern):
            columns()
    # The run stops the same way when rows are asked for first.
    with pytest.raises(SourceError, match=pattern):
        list(rows())


@pytest.mark.parametrize(("query", "what", "pattern"), BROKEN_QUERIES)
def test_a_broken_sqlite_query_is_a_clear_error(caseload: Caseload, query: str, what: str, pattern: str) -> None:
    check_broken(broken_source(caseload.sqlite_url, query, what), what, pattern)


@pytest.mark.parametrize(("query", "what", "pattern"), BROKEN_QUERIES)
def test_a_broken_postgres_query_is_a_clear_error(caseload_postgres: str, query: str, what: str,
                                                  pattern: str) -> None:
    pattern = pattern.replace("FROM cases", "FROM cases_text").replace("FROM disputes", "FROM disputes_text")
    query = query.replace("FROM cases", "FROM cases_text").replace("FROM disputes", "FROM disputes_text")
    check_broken(broken_source(caseload_postgres, query, what), what, pattern)


def test_csv_failures_are_clear_errors(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.csv"
    with pytest.raises(SourceError, match=r"cannot read .*no-such\.csv: No such file or directory"):
        CsvSource(missing).case_columns()
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceError, match=r"empty\.csv: the file is empty; a header row with the cases columns"):
        CsvSource(empty).case_columns()
    bom_only = tmp_path / "bom.csv"
    bom_only.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(SourceError, match="the file is empty"):
        list(CsvSource(bom_only).case_rows())
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("case_ref,date_of_birth,Case_Ref\nC1,2009-01-01,C2\n")
    with pytest.raises(SourceError, match="column 'case_ref' appears more than once in the cases header"):
        CsvSource(repeated).case_columns()
    no_dob = tmp_path / "no_dob.csv"
    no_dob.write_text("case_ref,dob\nC1,2009-01-01\n")
    with pytest.raises(SourceError, match=r"no_dob\.csv: the cases have no date_of_birth column; "
                                          r"the header has: case_ref, dob"):
        CsvSource(no_dob).case_columns()
    good = tmp_path / "good.csv"
    good.write_text("case_ref,date_of_birth\nC1,2009-01-01\n")
    with pytest.raises(SourceError, match=r"cannot read .*no-such-disputes\.csv"):
        CsvSource(good, tmp_path / "no-such-disputes.csv").dispute_columns()
    disputes = tmp_path / "disputes.csv"
    disputes.write_text("dispute_ref,case_ref,stage\nD1,C1,1\n")
    with pytest.raises(SourceError, match="the disputes have no stage_started_on column"):
        list(CsvSource(good, disputes).dispute_rows())
    # A header-only file is fine: no cases.
    header_only = tmp_path / "header.csv"
    header_only.write_text("case_ref,date_of_birth\n")
    assert list(CsvSource(header_only).case_rows()) == []


def cli_failure(*args: str) -> tuple[int, str]:
    """Run ``checker check`` that must fail; the exit status and stderr (stdout must not leak either)."""
    code, out, err = run_cli("check", "--format", "json", "--as-of", "2026-11-23", *args)
    assert code != 0
    assert PASSWORD not in out
    assert PASSWORD not in err
    assert "Traceback" not in err
    return code, err


def test_cli_reports_source_failures_on_stderr(caseload: Caseload, tmp_path: Path,
                                               cli_env: pytest.MonkeyPatch) -> None:
    code, err = cli_failure("--cases", str(tmp_path / "nope.csv"))
    assert code == 2
    assert "nope.csv: No such file or directory" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert "the file is empty" in cli_failure("--cases", str(empty))[1]
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("case_ref,date_of_birth,case_ref\n")
    assert "column 'case_ref' appears more than once" in cli_failure("--cases", str(repeated))[1]
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("case_ref,date_of_birth,given_name\nC1,2009-01-01,Zoë\n".encode("latin-1"))
    assert "not UTF-8 text" in cli_failure("--cases", str(latin1))[1]

    url = f"postgresql+psycopg://checker:{PASSWORD}@127.0.0.1:{free_port()}/caseload"
    configure_sql_source(cli_env, "down", url, caseload.query("down", "SELECT * FROM cases"))
    code, err = cli_failure("--source", "down")
    assert code == 2
    assert err.startswith("checker: the cases query failed on SQL postgresql+psycopg://checker:***@127.0.0.1:")
    configure_sql_source(cli_env, "badurl", f"nodialect://checker:{PASSWORD}@db/cases",
                         caseload.query("badurl", "SELECT 1"))
    assert "cannot use the database URL" in cli_failure("--source", "badurl")[1]
    configure_sql_source(cli_env, "noquery", caseload.sqlite_url, tmp_path / "missing.sql")
    assert "cannot read the query file" in cli_failure("--source", "noquery")[1]
    assert "no source named 'elsewhere'" in cli_failure("--source", "elsewhere")[1]

    for name, (query, what, pattern) in zip(("syntax", "nodob", "nostage"),
                                            (BROKEN_QUERIES[0], BROKEN_QUERIES[3], BROKEN_QUERIES[6]), strict=True):
        cases_query = query if what == "cases" else "SELECT * FROM cases"
        disputes_query = query if what == "disputes" else "SELECT * FROM disputes"
        configure_sql_source(cli_env, name, caseload.sqlite_url, caseload.query(name + "_c", cases_query),
                             caseload.query(name + "_d", disputes_query))
        code, err = cli_failure("--source", name)
        assert code == 2
        assert err.startswith("checker: ")
        assert re.search(pattern, err), err


def test_cli_reports_a_broken_postgres_query_without_the_password(caseload: Caseload, caseload_postgres: str,
                                                                  cli_env: pytest.MonkeyPatch) -> None:
    # Trust authentication ignores the password, so the URL can carry one and still connect.
    url = caseload_postgres.replace("://checker@", f"://checker:{PASSWORD}@")
    configure_sql_source(cli_env, "pg", url, caseload.query("pg_broken", "SELECT case_ref FROM cases_text"))
    code, err = cli_failure("--source", "pg")
    assert code == 2
    assert "the cases have no date_of_birth column" in err
    configure_sql_source(cli_env, "pg", url, caseload.query("pg_syntax", "SELECT * FROM cases_text WHERE"))
    code, err = cli_failure("--source", "pg")
    assert "the cases query failed on SQL postgresql+psycopg://checker:***@" in err
    assert "syntax error" in err
    # And a working query through the same URL: the password is only ever used, never shown.
    configure_sql_source(cli_env, "pg", url, caseload.query("pg_ok", "SELECT * FROM cases_text"))
    code, out, err = run_cli("check", "--as-of", "2026-11-23", "--source", "pg")
    assert code == 0, err
    assert PASSWORD not in out + err


def test_cli_settings_errors_do_not_show_the_password(caseload: Caseload, cli_env: pytest.MonkeyPatch) -> None:
    # A misspelt setting name: pydantic shows the value it did not expect (cut in the middle when long).
    cli_env.setenv("CHECKER_SOURCES__TYPO__KIND", "sql")
    cli_env.setenv("CHECKER_SOURCES__TYPO__CASES_QUERY", str(caseload.query("typo", "SELECT 1")))
    cli_env.setenv("CHECKER_SOURCES__TYPO__URLL", f"postgresql://u:{PASSWORD}@db/c")
    _code, err = cli_failure("--source", "typo")
    assert "settings are not valid" in err


# --- Query files ------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "SELECT * FROM cases;",
    "SELECT * FROM cases ;\n\n",
    "SELECT *\nFROM cases\nORDER BY id;;\n",
    "-- every case\nSELECT * FROM cases; \n-- that is all\n\n",
    "SELECT * FROM cases -- a comment at the very end",
    "WITH c AS (SELECT * FROM cases)\nSELECT * FROM c;",
])
def test_query_files_may_end_with_a_semicolon_or_a_comment(caseload: Caseload, profile: Profile,
                                                           body: str) -> None:
    query = read_query(caseload.query("ending", body))
    assert not query.endswith(";")
    source = SqlSource(caseload.sqlite_url, query)
    expected = evaluate(SqlSource(caseload.sqlite_url, "SELECT * FROM cases"), profile, date(2026, 11, 23))
    assert evaluate(source, profile, date(2026, 11, 23)) == expected


def test_query_files_that_say_nothing_are_refused(tmp_path: Path) -> None:
    for i, body in enumerate(["", "  ;\n", "-- nothing here\n"]):
        path = tmp_path / f"q{i}.sql"
        path.write_text(body)
        with pytest.raises(SourceError, match=r"the query file .* is empty"):
            read_query(path)
    with pytest.raises(SourceError, match=r"cannot read the query file .*absent\.sql"):
        read_query(tmp_path / "absent.sql")


def test_a_postgres_query_file_with_a_semicolon_works(caseload: Caseload, caseload_postgres: str,
                                                      profile: Profile) -> None:
    as_of = date(2026, 11, 23)
    plain = evaluate(pg_text_source(caseload_postgres), profile, as_of)
    query = read_query(caseload.query("pg_semicolon", "SELECT *\nFROM cases_text;\n"))
    assert evaluate(SqlSource(caseload_postgres, query, "SELECT * FROM disputes_text"), profile, as_of) == plain


# --- Typed values from a database ---------------------------------------------------------------------

def test_typed_postgres_values(fresh_postgres_url: str, profile: Profile) -> None:
    """TIMESTAMP columns: midnight is the date, a time of day is a data error; BOOLEAN and INTEGER work."""
    engine = create_engine(fresh_postgres_url)
    with engine.begin() as db:
        for statement in (
            "CREATE TABLE people (case_ref TEXT, date_of_birth TIMESTAMP, looked_after_since TIMESTAMP, "
            "housing_register_joined_on TIMESTAMP, in_custody BOOLEAN, support_requested_after_21 BOOLEAN, "
            "release_date DATE, custody_started_on DATE, ceased_looked_after_on DATE)",
            "INSERT INTO people VALUES "
            "('M1', '2009-05-10 00:00', '2015-03-01 00:00:00', '2025-09-01 00:00', FALSE, NULL, NULL, NULL, NULL),"
            "('M2', '2009-05-10 10:30', '2015-03-01', NULL, FALSE, FALSE, NULL, NULL, NULL),"
            "('M3', '2009-05-10', '2015-03-01 23:59:59', NULL, NULL, NULL, NULL, NULL, NULL),"
            "('M4', '2004-02-29', '2019-06-01', NULL, TRUE, TRUE, '2027-01-31', '2026-06-01', '2022-02-28')",
            "CREATE TABLE disputes (dispute_ref TEXT, case_ref TEXT, stage INTEGER, stage_started_on TIMESTAMP, "
            "resolved_on TIMESTAMP)",
            "INSERT INTO disputes VALUES ('X1', 'M1', 3, '2026-11-18 00:00', NULL), "
            "('X2', 'M1', 5, '2026-11-18', NULL), ('X3', 'M4', 2, '2026-11-18 09:00', NULL), "
            "('X4', 'M4', 1, '2026-11-02', '2026-11-03 00:00')",
        ):
            db.execute(text(statement))
    source = SqlSource(fresh_postgres_url, "SELECT * FROM people ORDER BY case_ref",
                       "SELECT * FROM disputes ORDER BY dispute_ref")
    try:
        first = next(source.case_rows())
        assert type(first["date_of_birth"]) is datetime  # the driver hands over a datetime...
        assert type(first["in_custody"]) is bool
        assert type(next(source.dispute_rows())["stage"]) is int
        evaluation = Evaluation(source, profile, date(2026, 11, 23))
        results = {r.case.case_ref: r for r in evaluation.results()}
    finally:
        engine.dispose()
        source.engine.dispose()
    # ...and a datetime at midnight is read as its date.
    m1 = results["M1"]
    assert m1.case.date_of_birth == date(2009, 5, 10)
    assert m1.case.housing_register_joined_on == date(2025, 9, 1)
    found = {(f.obligation, f.ref): f for f in m1.findings}
    assert found[("housing-register-initial", None)].completed_on == date(2025, 9, 1)
    assert found[("dispute-escalation", "X1")].due_date == date(2026, 11, 20)
    assert found[("dispute-escalation", "X1")].escalate_to_stage == 4
    # A time of day is a data error and rejects the case, as the same text would in a CSV.
    assert set(results) == {"M1", "M4"}
    errors = {(e.case_ref, e.dispute_ref, e.field): e.message for e in evaluation.data_errors}
    assert errors[("M2", None, "date_of_birth")] == (  # a date of birth is not repeated in its error
        "date_of_birth has a time of day; a date is needed")
    assert errors[("M3", None, "looked_after_since")].startswith("looked_after_since '2015-03-01 23:59:59' has a")
    assert errors[("M1", "X2", "stage")] == "stage '5' is not a stage; write a whole number from 1 to 4"
    assert ("M4", "X3", "stage_started_on") in errors
    # Booleans: M4 is in custody and asked for support after 21.
    m4 = {(f.obligation, f.ref): f for f in results["M4"].findings}
    assert m4[("custody-release-review", None)].due_date == date(2026, 10, 31)
    assert ("pathway-plan-review", None) in m4
    assert m4[("dispute-escalation", "X4")].completed_on == date(2026, 11, 3)
    assert not [e for e in evaluation.data_errors if e.case_ref in {"M1", "M4"} and e.dispute_ref is None]


def test_typed_sqlite_values(tmp_path: Path, profile: Profile) -> None:
    """SQLite has no BOOLEAN: 0/1 integers, integer stages and TEXT dates are read like their CSV text."""
    path = tmp_path / "typed.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        db.executescript("""
            CREATE TABLE people (case_ref INTEGER, date_of_birth TEXT, looked_after_since TEXT,
                                 in_custody INTEGER, release_date TEXT, support_requested_after_21 INTEGER,
                                 ceased_looked_after_on TEXT);
            INSERT INTO people VALUES (101, '2004-02-29', '2019-06-01', 1, '2027-01-31', 1, '2022-02-28'),
                                      (102, '2009-05-10', '2015-03-01', 0, NULL, 0, NULL),
                                      (103, '2009-05-10', '2015-03-01', 2, NULL, NULL, NULL);
            CREATE TABLE disputes (dispute_ref TEXT, case_ref INTEGER, stage INTEGER, stage_started_on TEXT,
                                   resolved_on TEXT);
            INSERT INTO disputes VALUES ('Y1', 101, 2, '2026-11-19', NULL), ('Y2', 102, 0, '2026-11-19', NULL);
        """)
    source = SqlSource(f"sqlite:///{path}", "SELECT * FROM people", "SELECT * FROM disputes")
    try:
        assert type(next(source.case_rows())["case_ref"]) is int
        evaluation = Evaluation(source, profile, date(2026, 11, 23))
        results = {r.case.case_ref: r for r in evaluation.results()}
    finally:
        source.engine.dispose()
    assert set(results) == {"101", "102", "103"}
    found = {(f.obligation, f.ref): f for f in results["101"].findings}
    assert found[("custody-release-review", None)].due_date == date(2026, 10, 31)
    assert ("pathway-plan-review", None) in found
    assert found[("dispute-escalation", "Y1")].due_date == date(2026, 11, 23)
    assert not any(f.obligation == "custody-release-review" for f in results["102"].findings)
    errors = {(e.case_ref, e.dispute_ref, e.field): e.message for e in evaluation.data_errors}
    assert errors[("103", None, "in_custody")].startswith("in_custody '2' is not true/false")
    assert ("102", "Y2", "stage") in errors
