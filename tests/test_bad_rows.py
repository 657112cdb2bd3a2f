"""A row is whole or rejected, and one record never stops a run (issue 9, items 3 and 5).

Truncated and spilled rows, a pasted case note over the CSV field limit, a file without a header row, keys
too long for the state database, a NUL or ESC in a cell, the longest valid email address: each is a data
error for its record (or a refusal that quotes nothing), never a traceback, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from support.caseload import COLUMNS, DISPUTE_COLUMNS, custody_case, write_csv
from support.ticks import StateEnv, state_env

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.sources import SqlSource
from checker.state.schema import outbox
from rules.records import EMAIL_MAX_LENGTH, KEY_MAX_LENGTH

SOON = "2027-03-10"
STATES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STATES)
def env(request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StateEnv]:
    yield from state_env(request, cli_env, tmp_path)


def five() -> list[dict[str, str]]:
    return [custody_case(f"C{n}", SOON, f"pa.{n}@example.org", given_name=f"Name{n}x") for n in range(5)]


def errors_of(result: object) -> list[dict[str, str]]:
    document = json.loads(result.stdout)  # type: ignore[attr-defined]
    return list(document["data_errors"])


def test_a_truncated_row_is_rejected_and_its_obligations_stay_open(env: StateEnv, tmp_path: Path) -> None:
    """Before: the short row read its missing cells as empty, and the case's review was closed."""
    cases = write_csv(tmp_path / "cases.csv", five())
    assert env.run_once(cases).exit_code == 0
    lines = cases.read_text().splitlines()
    cut = ",".join(lines[3].split(",")[:5])  # C2 cut off after its fifth cell
    cases.write_text("\n".join([*lines[:3], cut, *lines[4:]]) + "\n")
    checked = env.check(cases)
    assert checked.exit_code == 0, checked.output
    (error,) = errors_of(checked)
    assert (error["case_ref"], error["field"]) == ("C2", "row")
    assert f"has 5 cells but the header has {len(COLUMNS)}" in error["message"]
    assert "Name2x" not in checked.stdout  # no cell is quoted
    ran = env.run_once(cases)
    assert ran.exit_code == 0, ran.output
    assert sorted(i.case_ref for i in env.open_instances()) == ["C0", "C1", "C2", "C3", "C4"]


def test_a_spilled_row_is_rejected(env: StateEnv, tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", five())
    lines = cases.read_text().splitlines()
    lines[2] = lines[2].replace("Name1x", "Name1x,Extra")  # a comma typed into a name, unquoted
    cases.write_text("\n".join(lines) + "\n")
    (error,) = errors_of(env.check(cases))
    assert (error["case_ref"], error["field"]) == ("C1", "row")
    assert f"has {len(COLUMNS) + 1} cells but the header has {len(COLUMNS)}" in error["message"]


def test_a_cell_over_the_csv_field_limit_rejects_its_row_not_the_file(env: StateEnv, tmp_path: Path) -> None:
    """Before: "field larger than field limit (131072)" stopped the whole file."""
    rows = five()
    rows[3]["family_name"] = "pasted case note " * 10_000  # 170,000 characters
    cases = write_csv(tmp_path / "cases.csv", rows)
    checked = env.check(cases)
    assert checked.exit_code == 0, checked.output
    (error,) = errors_of(checked)
    assert (error["case_ref"], error["field"]) == ("C3", "family_name")
    assert "more than the 32767 a cell may hold" in error["message"]
    assert "pasted case note" not in checked.stdout
    ran = env.run_once(cases)
    assert ran.exit_code == 0, ran.output
    assert sorted(i.case_ref for i in env.open_instances()) == ["C0", "C1", "C2", "C4"]


def test_a_file_without_a_header_row_is_refused_without_quoting_it(env: StateEnv, tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    people = [{"case_ref": f"P{n}", "given_name": f"Jessamy{n}", "family_name": f"Okonkwo{n}",
               "date_of_birth": f"2008-0{n + 1}-1{n}", "adviser_email": f"worker.{n}@council.example"}
              for n in range(3)]
    cases = tmp_path / "cases.csv"
    cases.write_text("".join(",".join(p.values()) + "\n" for p in people))
    values = [v for p in people for v in p.values()]
    caplog.set_level(logging.DEBUG)
    checked = env.check(cases)
    ran = env.run_once(cases)
    assert checked.exit_code != 0
    assert ran.exit_code != 0
    assert "seem to have no header row" in checked.stderr
    runs = env.runs()
    assert runs[-1].outcome == "failed"
    assert "no header row" in runs[-1].error
    assert "the check failed" in env.mail()  # the operator is told, without the values
    seen = "\n".join([checked.output, ran.output, caplog.text, env.mail(),
                      *(f"{r.error} {r.source}" for r in runs)])
    assert "Traceback" not in seen
    leaked = [v for v in values if v in seen]
    assert leaked == []


# -- item 5: one record never stops a run, on PostgreSQL either -------------------------------------------------


def longest_valid_email() -> str:
    """254 characters: a 64-character local part and a domain of labels of at most 63."""
    address = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    assert len(address) == EMAIL_MAX_LENGTH
    return address


def test_long_keys_control_characters_and_the_longest_email_do_not_stop_a_tick(env: StateEnv,
                                                                              tmp_path: Path) -> None:
    """Before, on PostgreSQL: every tick failed with a traceback (value too long, or a NUL the server refuses)."""
    long_ref = "R" * (KEY_MAX_LENGTH + 1)
    rows = [custody_case("OK1", SOON, longest_valid_email()),
            custody_case(long_ref, SOON),
            custody_case("TEAM1", SOON, team="T" * (KEY_MAX_LENGTH + 1)),
            custody_case("NUL1", SOON, given_name="Sa\x00m"),
            custody_case("ESC1", SOON, family_name="\x1b[31mKhan"),
            custody_case("OK2", SOON)]
    cases = write_csv(tmp_path / "cases.csv", rows)
    disputes = write_csv(tmp_path / "disputes.csv",
                         [{"dispute_ref": "D" * (KEY_MAX_LENGTH + 1), "case_ref": "OK2", "stage": "1",
                           "stage_started_on": "2026-11-18"}], DISPUTE_COLUMNS)
    ran = env.run_once(cases, disputes=disputes)
    assert ran.exit_code == 0, ran.output
    assert "Traceback" not in ran.output
    assert "6 cases read (4 rejected)" in ran.stdout
    assert sorted(i.case_ref for i in env.open_instances()) == ["OK1", "OK2"]
    assert longest_valid_email() in {m.recipient for m in env.rows(outbox)}
    checked = env.check(cases, disputes=disputes)
    fields = {(e["case_ref"][:20] if e["case_ref"] else None, e["field"]) for e in errors_of(checked)}
    assert fields == {("R" * 20, "case_ref"), ("TEAM1", "team"), ("NUL1", "given_name"),
                      ("ESC1", "family_name"), ("OK2", "dispute_ref")}
    assert "\x00" not in checked.stdout
    assert "\x1b" not in checked.stdout
    assert "\x00" not in env.mail()


# -- the SQL source applies the same rules to its text values --------------------------------------------------


def test_the_sql_source_rejects_the_same_rows_and_lists_unknown_columns(tmp_path: Path) -> None:


    path = tmp_path / "cm.sqlite"
    rows = [("OK1", "2009-05-10", "Sam", "x"), ("R" * (KEY_MAX_LENGTH + 1), "2009-05-10", "Sam", "x"),
            ("NUL1", "2009-05-10", "Sa\x00m", "x"), ("LONG1", "2009-05-10", "n" * 40_000, "x")]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE people (case_ref TEXT, date_of_birth TEXT, given_name TEXT, pathway_plan_review_on "
                   "TEXT)")
        db.executemany("INSERT INTO people VALUES (?, ?, ?, ?)", rows)
    source = SqlSource(f"sqlite:///{path}", "SELECT * FROM people")
    try:
        (unknown,) = source.unknown_columns()
        assert (unknown.table, unknown.name, unknown.suggestion) == ("cases", "pathway_plan_review_on",
                                                                     "pathway_plan_reviewed_on")
        evaluation = Evaluation(source, load_profile("lancashire"), date(2026, 11, 23))
        assert [r.case.case_ref for r in evaluation.results()] == ["OK1"]
    finally:
        source.engine.dispose()
    found = {(e.case_ref[:5] if e.case_ref else None, e.field) for e in evaluation.data_errors}
    assert found == {("RRRRR", "case_ref"), ("NUL1", "given_name"), ("LONG1", "given_name")}
    assert all("\x00" not in e.message and "nnnn" not in e.message for e in evaluation.data_errors)
