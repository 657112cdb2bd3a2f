"""``checker columns`` prints a profile's input contract; ``check`` and ``config check`` say what is missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.columns import missing_columns
from checker.profiles import load_profile
from checker.state.database import open_database, upgrade
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def column_lines(output: str) -> dict[str, str]:
    """Each printed column row by name (the first section, cases)."""
    rows: dict[str, str] = {}
    for line in output.split("\nDisputes", maxsplit=1)[0].splitlines():
        parts = line.split()
        if line.startswith("  ") and parts and parts[0] in CASE_COLUMNS:
            rows[parts[0]] = line
    return rows


def test_columns_lists_required_optional_and_the_obligations_reading_each() -> None:
    code, out, _ = invoke("columns", "--profile", "kent")
    assert code == 0
    rows = column_lines(out)
    assert "required" in rows["case_ref"]
    assert "required" in rows["date_of_birth"]
    assert rows["housing_contact_on"].split()[1:3] == ["date", "optional"]
    assert "pre-move-housing-contact" in rows["housing_contact_on"]
    assert "pre-move-housing-contact" in rows["planned_move_on"]
    assert "planned-move" in rows["planned_move_on"]
    # Kent does not read Lancashire's or BCP's columns: they are listed apart, not as rows.
    assert "bnb_since" not in rows
    assert "placement_area" not in rows
    assert "bnb_since" in out.split("Not read by this profile")[1]
    for name in DISPUTE_COLUMNS:
        assert name in out.split("\nDisputes")[1]


def test_columns_of_lancashire_name_its_extended_obligations() -> None:
    code, out, _ = invoke("columns")  # the default profile
    assert code == 0
    rows = column_lines(out)
    assert "host-area-registration" in rows["placement_settled"]
    assert "bnb-approval" in rows["bnb_approved_on"]
    assert "pa-allocated" not in out


def test_columns_all_lists_every_column() -> None:
    code, out, _ = invoke("columns", "--profile", "luton", "--all")
    assert code == 0
    assert set(column_lines(out)) == set(CASE_COLUMNS)
    assert "(not read)" in column_lines(out)["bnb_since"]


def test_an_unknown_profile_is_refused() -> None:
    code, _out, err = invoke("columns", "--profile", "lancs")
    assert code != 0
    assert "no profile named 'lancs'" in err


def test_missing_columns_are_those_the_profiles_obligations_read() -> None:
    kent = load_profile("kent")
    missing = missing_columns(kent, {"case_ref", "date_of_birth", "planned_move_on", "move_plan_agreed_on"})
    assert missing["housing_contact_on"] == ("pre-move-housing-contact",)
    assert "planned_move_on" not in missing
    assert "move_plan_agreed_on" not in missing
    assert "bnb_since" not in missing  # Kent does not read it


def test_check_names_each_obligation_that_reads_a_column_the_input_lacks(tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2008-01-01",
                                                 "planned_move_on": "2026-04-01", "move_plan_agreed_on": ""}])
    code, out, err = invoke("check", "--profile", "kent", "--cases", str(cases), "--as-of", "2026-03-02",
                            "--format", "json")
    assert code == 0
    json.loads(out)  # the notes go to stderr, the document stays whole
    assert ("checker: not checked: pre-move-housing-contact needs housing_contact_on, which the cases file does "
            "not hold, so it reads as empty in every case") in err
    assert "not checked: planned-move" not in err  # the input has both its columns


def every_kent_column(tmp_path: Path) -> tuple[Path, Path]:
    """A cases file with every column the kent profile reads (one case) and an empty disputes file."""
    kent = load_profile("kent")
    wanted = {c for o in kent.obligations for c in o.columns} | {"case_ref", "date_of_birth"}
    cases = write_rows(tmp_path / "cases.csv", [dict.fromkeys(sorted(wanted), "") |
                                                {"case_ref": "C1", "date_of_birth": "2008-01-01"}])
    disputes = tmp_path / "disputes.csv"
    disputes.write_text("dispute_ref,case_ref,stage,stage_started_on,resolved_on\n", encoding="utf-8")
    return cases, disputes


def test_check_says_nothing_when_every_column_is_there(tmp_path: Path) -> None:
    cases, disputes = every_kent_column(tmp_path)
    code, _out, err = invoke("check", "--profile", "kent", "--cases", str(cases), "--disputes", str(disputes),
                             "--as-of", "2026-03-02", "--format", "json")
    assert code == 0
    assert "not checked" not in err
    _code, _out, err = invoke("check", "--profile", "kent", "--cases", str(cases), "--as-of", "2026-03-02")
    assert err == ("checker: not checked: dispute-escalation needs the disputes, which the cases file does not "
                   "hold, so no dispute is checked; give them in a disputes file (--disputes, or an events "
                   "supplement's disputes: docs/inputs.md)\n")


def test_config_check_names_the_missing_columns_per_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2008-01-01",
                                                 "bnb_since": "2026-01-01"}])
    state = f"sqlite:///{tmp_path / 'state.sqlite'}"
    engine = open_database(state)
    upgrade(engine)
    engine.dispose()
    for name, value in {"STATE_URL": state, "PROFILE": "bcp", "SOURCES__EXPORT__KIND": "csv",
                        "SOURCES__EXPORT__CASES": str(cases)}.items():
        monkeypatch.setenv(f"CHECKER_{name}", value)
    result = CliRunner().invoke(main, ["config", "check"])
    line = next(x for x in result.output.splitlines() if x.startswith("columns of source export: ok"))
    assert "profile bcp reads" in line
    assert "bnb_approved_on (bnb-approval)" in line
    assert "adviser_allocated_on (pa-allocated)" in line
    assert "bnb_since (" not in line  # the export has it


def test_check_lists_the_obligations_not_checked_in_the_json_document_too(tmp_path: Path) -> None:
    """The JSON document carries what stderr says, so a consumer of stdout alone knows what was not checked."""
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2008-01-01",
                                                 "planned_move_on": "2026-04-01", "move_plan_agreed_on": ""}])
    code, out, err = invoke("check", "--profile", "kent", "--cases", str(cases), "--as-of", "2026-03-02",
                            "--format", "json")
    assert code == 0
    listed = json.loads(out)["not_checked"]
    said = [line.removeprefix("checker: ") for line in err.splitlines() if line.startswith("checker: not checked: ")]
    assert [each["message"] for each in listed] == said
    by_id = {each["obligation"]: each for each in listed}
    assert by_id["pre-move-housing-contact"]["needs"] == ["housing_contact_on"]
    assert by_id["dispute-escalation"]["needs"] == ["disputes"]  # no disputes file given
    assert "planned-move" not in by_id  # the input has both its columns


def test_the_json_document_lists_none_not_checked_when_every_column_is_there(tmp_path: Path) -> None:
    cases, disputes = every_kent_column(tmp_path)
    code, out, _err = invoke("check", "--profile", "kent", "--cases", str(cases), "--disputes", str(disputes),
                             "--as-of", "2026-03-02", "--format", "json")
    assert code == 0
    assert json.loads(out)["not_checked"] == []
