"""A source made of parts (docs/inputs.md): a base, supplementary events files and a staff directory,
joined on ``case_ref``, with the documented precedence and every difference reported without its values."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from support.caseload import write_rows

from checker.cli import main
from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.report import error_document, finding_document
from checker.settings import Settings
from checker.sources import CsvSource, Source
from checker.sources.composed import ComposedSource
from checker.sources.factory import named_source

AS_OF = date(2026, 11, 23)

# Four young people, written whole (the canonical CSV) and split across a base, a supplement and a directory.
WHOLE = [
    {"case_ref": "P1", "given_name": "Ann", "date_of_birth": "2006-03-01", "adviser_email": "pa.one@example.org",
     "manager_email": "tm.north@example.org", "team": "North", "in_custody": "yes",
     "custody_started_on": "2026-01-05", "release_date": "2027-01-10", "leaving_care_category": "former_relevant"},
    {"case_ref": "P2", "given_name": "Bea", "date_of_birth": "2008-06-15", "looked_after_since": "2020-01-01",
     "adviser_email": "pa.two@example.org", "manager_email": "tm.south@example.org", "team": "South",
     "leaving_care_category": "eligible", "housing_register_joined_on": "2026-07-01",
     "pathway_plan_reviewed_on": "2026-06-01"},
    {"case_ref": "P3", "given_name": "Cal", "date_of_birth": "2007-01-20", "looked_after_since": "2019-05-05",
     "ceased_looked_after_on": "2025-01-20", "adviser_email": "pa.one@example.org",
     "manager_email": "tm.north@example.org", "team": "North", "leaving_care_category": "former_relevant"},
    {"case_ref": "P4", "given_name": "Dee", "date_of_birth": "2008-12-01", "looked_after_since": "2021-02-02",
     "adviser_email": "pa.two@example.org", "manager_email": "tm.south@example.org", "team": "South",
     "leaving_care_category": "eligible", "pathway_plan_reviewed_on": "2026-02-01"},
]
BASE_COLUMNS = ("case_ref", "given_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
                "adviser_email", "leaving_care_category", "in_custody")
STAFF = [
    {"staff_id": "S1", "name": "Pat One", "email": "pa.one@example.org", "team": "North", "manager": "S9"},
    {"staff_id": "S2", "name": "Pat Two", "email": "pa.two@example.org", "team": "South",
     "manager": "tm.south@example.org"},
    {"staff_id": "S9", "name": "Tam North", "email": "tm.north@example.org", "team": "North", "manager": ""},
]


def split(tmp_path: Path, events: list[dict[str, str]] | None = None) -> tuple[Path, Path, Path]:
    base = write_rows(tmp_path / "base.csv", [{c: r.get(c, "") for c in BASE_COLUMNS} for r in WHOLE])
    if events is None:
        events = [{"case_ref": r["case_ref"], **{c: v for c, v in r.items() if c not in BASE_COLUMNS
                                                 and c not in {"team", "manager_email"}}}
                  for r in WHOLE if r["case_ref"] != "P3"]  # P3 has no supplement row: evaluated on the base
    return base, write_rows(tmp_path / "events.csv", events), write_rows(tmp_path / "staff.csv", STAFF)


def settings_file(tmp_path: Path, env: pytest.MonkeyPatch, base: Path, events: Path, staff: Path) -> None:
    (tmp_path / "checker.toml").write_text(
        f'default_source = "joined"\n[sources.joined]\nkind = "csv"\ncases = "{base.name}"\n'
        'supplements = ["events", "staff"]\n'
        f'[supplements.events]\nkind = "events"\ncases = "{events.name}"\n'
        f'[supplements.staff]\nkind = "staff"\npath = "{staff.name}"\n', encoding="utf-8")
    env.setenv("CHECKER_SETTINGS_FILE", str(tmp_path / "checker.toml"))


def outcome(source: Source) -> tuple[list[str], list[dict[str, Any]]]:
    evaluation = Evaluation(source, load_profile(), AS_OF)
    findings = sorted(json.dumps(finding_document(f), sort_keys=True)
                      for result in evaluation.results() for f in result.findings)
    return findings, [error_document(e) for e in evaluation.data_errors]


def joined(tmp_path: Path, cli_env: pytest.MonkeyPatch, events: list[dict[str, str]] | None = None
           ) -> ComposedSource:
    settings_file(tmp_path, cli_env, *split(tmp_path, events))
    source = named_source(Settings(), None)
    assert isinstance(source, ComposedSource)
    return source


def test_the_parts_give_the_findings_of_the_whole_csv(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    whole = write_rows(tmp_path / "whole.csv", WHOLE)
    expected, whole_errors = outcome(CsvSource(whole))
    assert expected
    assert whole_errors == []
    found, errors = outcome(joined(tmp_path, cli_env))
    assert errors == []
    assert found == expected


def test_a_case_without_a_supplement_row_is_evaluated_on_the_base(tmp_path: Path,
                                                                  cli_env: pytest.MonkeyPatch) -> None:
    rows = {r["case_ref"]: r for r in joined(tmp_path, cli_env).case_rows()}
    assert set(rows) == {"P1", "P2", "P3", "P4"}
    assert rows["P3"]["ceased_looked_after_on"] == "2025-01-20"
    # the staff directory filled the manager (S1's manager is staff id S9) and the team
    assert rows["P3"]["manager_email"] == "tm.north@example.org"
    assert rows["P3"]["team"] == "North"


def test_a_difference_is_reported_without_its_values_and_the_base_wins(tmp_path: Path,
                                                                        cli_env: pytest.MonkeyPatch) -> None:
    events = [
        {"case_ref": "P1", "release_date": "2027-01-10"},
        # the same date written the other way: no difference
        {"case_ref": "P2", "looked_after_since": "01/01/2020", "housing_register_joined_on": "2026-07-01"},
        # a different start of care: the base's is used, and the case is told
        {"case_ref": "P4", "looked_after_since": "2022-03-03"},
        {"case_ref": "P7", "housing_register_joined_on": "2026-01-01"},  # nobody in the base
    ]
    source = joined(tmp_path, cli_env, events)
    rows = {r["case_ref"]: r for r in source.case_rows()}
    assert rows["P4"]["looked_after_since"] == "2021-02-02"
    _, errors = outcome(source)
    assert errors == [{"case_ref": "P4", "dispute_ref": None, "field": "looked_after_since",
                       "message": "looked_after_since: the supplement events gives a different value from the "
                                  "base; the base's is used"}]
    counts = source.join_counts()
    assert counts.matched == {"events": 3}
    assert counts.only_in_supplement == {"events": 1}
    assert counts.filled["supplement events"] == {"housing_register_joined_on", "release_date"}


def test_a_refused_or_repeated_supplement_row_is_a_data_error_of_its_case(tmp_path: Path,
                                                                          cli_env: pytest.MonkeyPatch) -> None:
    events = [
        {"case_ref": "P1", "release_date": "2027-01-10", "custody_started_on": "2026-01-05"},
        {"case_ref": "P2", "pathway_plan_reviewed_on": "2026-06-01"},
        {"case_ref": "P2", "pathway_plan_reviewed_on": "2026-06-02"},
        {"case_ref": "P4", "pathway_plan_reviewed_on": "2026-02-01\x1b[2J"},
    ]
    _, errors = outcome(joined(tmp_path, cli_env, events))
    by_case = {(e["case_ref"], e["field"]): e["message"] for e in errors}
    assert set(by_case) == {("P2", "case_ref"), ("P4", "pathway_plan_reviewed_on")}
    assert "more than one row for case_ref P2" in by_case["P2", "case_ref"]
    assert "control character" in by_case["P4", "pathway_plan_reviewed_on"]
    assert "2026-06" not in json.dumps(errors)


def test_the_staff_directory_finds_by_id_and_name_and_says_when_it_cannot(tmp_path: Path) -> None:
    from checker.sources.staff import Staff, StaffDirectory  # noqa: PLC0415 - the unit under test

    staff = [*STAFF, {"staff_id": "S3", "name": "pat  ONE", "email": "other@example.org", "team": "", "manager": ""}]
    directory = StaffDirectory("d", write_rows(tmp_path / "staff.csv", staff)).read()
    found = directory.find("S2")
    assert isinstance(found, Staff)
    assert found.email == "pa.two@example.org"
    assert directory.manager_email(found) == "tm.south@example.org"
    tam = directory.find(" tam   north ")
    assert isinstance(tam, Staff)
    assert tam.email == "tm.north@example.org"
    assert directory.find("Pat One") == "two or more people in the staff directory have that name"
    assert directory.find("S5") == "the adviser is not in the staff directory"


def test_config_check_reads_each_part_and_names_a_missing_one(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    settings_file(tmp_path, cli_env, *split(tmp_path))
    result = CliRunner().invoke(main, ["config", "check"], catch_exceptions=False)
    line = next(x for x in result.stdout.splitlines() if x.startswith("source joined"))
    assert line.startswith("source joined: ok")
    assert "supplement events: matched 3 of the base's cases" in line
    assert "staff directory staff: 3 row(s), filled manager_email, team" in line
    text = (tmp_path / "checker.toml").read_text().replace('"events", "staff"', '"events", "nobody"')
    (tmp_path / "checker.toml").write_text(text)
    result = CliRunner().invoke(main, ["config", "check"], catch_exceptions=False)
    assert result.exit_code != 0
    assert "names the supplement 'nobody', but there is no [supplements.nobody]" in result.stdout


def test_an_events_supplement_is_a_file_or_a_query_not_both() -> None:
    with pytest.raises(ValidationError, match="either cases"):
        Settings(supplements={"e": {"kind": "events", "cases": "a.csv", "url": "sqlite://", "cases_query": "q.sql"}})
    with pytest.raises(ValidationError, match="needs both url and cases_query"):
        Settings(supplements={"e": {"kind": "events", "url": "sqlite://"}})


def test_sources_check_says_what_each_part_gave(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    events = [{"case_ref": "P1", "release_date": "2027-01-10"}, {"case_ref": "P9", "release_date": "2027-01-10"},
              {"case_ref": "P2", "housing_register_joined_on": "2026-07-01", "notes": "x"}]
    settings_file(tmp_path, cli_env, *split(tmp_path, events))
    result = CliRunner().invoke(main, ["sources", "check", "joined"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("source joined: CSV ")
    assert ("  base: 4 case rows, filled adviser_email, case_ref, ceased_looked_after_on, date_of_birth, given_name, "
            "in_custody, leaving_care_category, looked_after_since") in lines
    assert ("  supplement events: matched 2 of the base's cases, filled housing_register_joined_on, release_date; "
            "1 case_ref(s) not in the base (not read)") in lines
    assert "  staff directory staff: 3 row(s), filled manager_email, team; 2 adviser(s) found, 0 not found" in lines
    assert "  not read: the supplement cases have a column 'notes' that checker does not know; it is not read" in lines
    assert any(line.startswith("  no part fills: ") and "pathway_plan_reviewed_on" in line for line in lines)
    for personal in ("Ann", "Bea", "2006-03-01", "pa.one@example.org"):
        assert personal not in result.stdout
    missing = CliRunner().invoke(main, ["sources", "check", "nobody"], catch_exceptions=False)
    assert missing.exit_code == 2
    assert "no source named 'nobody'" in missing.stdout
