"""``checker check`` and ``checker explain`` through the command line (docs/input.md).

The JSON document is checked field for field against §5 (plus the extra fields docs/decisions.md
names), the table for its grouping, order and counts, and ``explain`` for the reasoning it must show
for every obligation of the profile. Expected dates and counts are worked out by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.profiles import load_profile

Row = Mapping[str, str]
AS_OF = "2026-11-23"  # a Monday
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DISPUTE_HEADER = ("dispute_ref", "case_ref", "stage", "stage_started_on", "resolved_on")
CORE = ("housing-register-initial", "housing-register-renewal", "pathway-plan-review", "custody-release-review",
        "dispute-escalation")


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so the table's columns are not cut (the settings are isolated by conftest.py)."""
    monkeypatch.setenv("COLUMNS", "220")


@pytest.fixture
def core(tmp_path: Path) -> str:
    """A profile of the five core obligations alone, so whole documents and tables can be compared.

    (The shipped lancashire profile may switch on extended obligations too, tests/test_shipped_profiles.py.)
    """
    path = tmp_path / "profiles" / "core.toml"
    path.parent.mkdir()
    listed = ", ".join(f'"{o}"' for o in CORE)
    path.write_text(f'[profile]\nname = "core"\ntitle = "Core"\nobligations = [{listed}]\n')
    return str(path)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- The JSON document ------------------------------------------------------------------------------------

CASES = [
    # Born 31 Jul 2010, in care since 2015: A = 31 Jul 2026, register due 31 Oct 2026 (the §5 example).
    {"case_ref": "C1", "date_of_birth": "2010-07-31", "looked_after_since": "2015-01-01",
     "adviser_email": "pa.one@example.org"},
    # Joined late (a UK date in the file, ISO in the output); renewal due a year after joining.
    {"case_ref": "C2", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01",
     "housing_register_joined_on": "01/09/2025", "pathway_plan_reviewed_on": "2026-09-01",
     "leaving_care_category": "qualifying"},
    # Never looked after, not on the register, not in custody: no obligation applies.
    {"case_ref": "C3", "date_of_birth": "2008-01-01"},
    # Born after the as-of date: rejected (the §5 example's data error).
    {"case_ref": "C9", "date_of_birth": "2031-01-01"},
]
DISPUTES = [
    {"dispute_ref": "D7", "case_ref": "C1", "stage": "2", "stage_started_on": "2026-11-18"},  # Wed: due Fri 20
    {"dispute_ref": "D8", "case_ref": "C2", "stage": "4", "stage_started_on": "2026-11-02",
     "resolved_on": "2026-11-03"},
]

EXPECTED_FINDINGS = [
    {"case_ref": "C1", "obligation": "housing-register-initial", "ref": None, "status": "overdue",
     "due_date": "2026-10-31", "completed_on": None},
    {"case_ref": "C1", "obligation": "pathway-plan-review", "ref": None, "status": "pending",
     "due_date": "2027-01-31", "completed_on": None},
    {"case_ref": "C1", "obligation": "dispute-escalation", "ref": "D7", "status": "overdue",
     "due_date": "2026-11-20", "completed_on": None, "stage": 2, "escalate_to_stage": 3},
    {"case_ref": "C2", "obligation": "housing-register-initial", "ref": None, "status": "met",
     "due_date": "2025-08-10", "completed_on": "2025-09-01"},
    {"case_ref": "C2", "obligation": "housing-register-renewal", "ref": None, "status": "overdue",
     "due_date": "2026-09-01", "completed_on": None},
    {"case_ref": "C2", "obligation": "dispute-escalation", "ref": "D8", "status": "met",
     "due_date": "2026-11-04", "completed_on": "2026-11-03", "stage": 4, "escalate_to_stage": None},
]
COMMON = ("case_ref", "obligation", "ref", "status", "due_date", "completed_on")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return (write_rows(tmp_path / "cases.csv", CASES),
            write_rows(tmp_path / "disputes.csv", DISPUTES, DISPUTE_HEADER))


def check_json(profile: str, cases: Path, disputes: Path | None = None, as_of: str = AS_OF) -> dict[str, Any]:
    args = ["check", "--profile", profile, "--as-of", as_of, "--cases", str(cases), "--format", "json"]
    if disputes is not None:
        args += ["--disputes", str(disputes)]
    code, out, err = run(*args)
    assert code == 0, err
    document: dict[str, Any] = json.loads(out)
    return document


def key(finding: Mapping[str, Any]) -> tuple[str, str, str]:
    return finding["case_ref"], finding["obligation"], finding["ref"] or ""


def test_the_json_document_is_the_one_of_section_5(core: str, files: tuple[Path, Path]) -> None:
    document = check_json(core, *files)
    # §5's three, then the obligations the input cannot check in full (docs/input.md)
    assert list(document) == ["as_of", "findings", "data_errors", "not_checked"]
    assert document["as_of"] == AS_OF
    projected = [{name: f[name] for name in f if name in (*COMMON, "stage", "escalate_to_stage")}
                 for f in document["findings"]]
    assert sorted(projected, key=key) == sorted(EXPECTED_FINDINGS, key=key)
    assert document["data_errors"] == [
        {"case_ref": "C9", "dispute_ref": None, "field": "date_of_birth",
         "message": "date of birth 2031-01-01 is after the as-of date"},
    ]


def test_every_finding_has_the_section_5_fields_and_iso_dates(core: str, files: tuple[Path, Path]) -> None:
    for finding in check_json(core, *files)["findings"]:
        assert set(COMMON) <= set(finding)
        assert finding["status"] in {"met", "pending", "overdue"}
        assert ISO.match(finding["due_date"])
        if finding["status"] == "met":
            assert ISO.match(finding["completed_on"])
        else:
            assert finding["completed_on"] is None
        if finding["obligation"] == "dispute-escalation":
            assert isinstance(finding["stage"], int)
            assert finding["ref"] is not None
        else:
            assert finding["ref"] is None
            assert "stage" not in finding
            assert "escalate_to_stage" not in finding


def test_the_extra_fields_owner_escalated_to_days_overdue_and_citation(core: str, files: tuple[Path, Path]) -> None:
    by_key = {key(f): f for f in check_json(core, *files)["findings"]}
    initial = by_key[("C1", "housing-register-initial", "")]
    # Due Sat 31 Oct 2026: Mon 2 Nov is the first working day overdue, Mon 23 Nov the 16th.
    assert (initial["owner"], initial["escalated_to"], initial["working_days_overdue"]) == ("adviser", "manager", 16)
    assert initial["citation"] == "000 §7"
    review = by_key[("C1", "pathway-plan-review", "")]
    assert (review["owner"], review["escalated_to"], review["working_days_overdue"]) == ("adviser", None, 0)
    # Due Tue 1 Sep 2026: 21 working days in September, 22 in October, 16 to Mon 23 Nov = 59.
    renewal = by_key[("C2", "housing-register-renewal", "")]
    assert (renewal["escalated_to"], renewal["working_days_overdue"]) == ("head_of_service", 59)
    dispute = by_key[("C1", "dispute-escalation", "D7")]
    assert dispute["owner"] == "manager"  # stage 2
    assert "escalated_to" not in dispute  # disputes use escalate_to_stage only (extended §4)
    assert dispute["citation"].startswith("000 §18")
    assert by_key[("C2", "dispute-escalation", "D8")]["owner"] == "head_of_service"


def test_an_obligation_that_does_not_apply_is_absent(core: str, files: tuple[Path, Path]) -> None:
    document = check_json(core, *files)
    assert not [f for f in document["findings"] if f["case_ref"] in {"C3", "C9"}]
    assert ("C2", "pathway-plan-review", "") not in {key(f) for f in document["findings"]}  # qualifying


def test_without_disputes_the_document_has_no_dispute_findings(core: str, files: tuple[Path, Path]) -> None:
    document = check_json(core, files[0])
    assert {f["obligation"] for f in document["findings"]} == {
        "housing-register-initial", "pathway-plan-review", "housing-register-renewal"}


def test_no_cases_is_an_empty_document(core: str, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("case_ref,date_of_birth\n")
    document = check_json(core, cases)
    assert (document["as_of"], document["findings"], document["data_errors"]) == (AS_OF, [], [])


def test_the_run_completes_with_data_errors_exit_0(tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "", "date_of_birth": "2008-01-01"},
                                                {"case_ref": "C1", "date_of_birth": "01/13/2008"}])
    code, out, err = run("check", "--as-of", AS_OF, "--cases", str(cases), "--format", "json")
    assert code == 0, err
    errors = json.loads(out)["data_errors"]
    assert [(e["case_ref"], e["field"]) for e in errors] == [(None, "case_ref"), ("C1", "date_of_birth")]
    assert all(list(e) == ["case_ref", "dispute_ref", "field", "message"] for e in errors)


@pytest.mark.parametrize("problem", ["missing-cases", "missing-disputes", "not-utf8", "empty", "a-folder"])
def test_an_unreadable_file_stops_the_run_with_the_reason_on_stderr(tmp_path: Path, problem: str) -> None:
    cases = write_rows(tmp_path / "cases.csv", CASES)
    disputes = None
    if problem == "missing-cases":
        cases = tmp_path / "no-such-cases.csv"
    elif problem == "missing-disputes":
        disputes = tmp_path / "no-such-disputes.csv"
    elif problem == "not-utf8":
        cases.write_bytes("case_ref,date_of_birth,given_name\nC1,2009-01-01,Zoë\n".encode("latin-1"))
    elif problem == "empty":
        cases.write_text("")
    else:
        cases = tmp_path
    args = ["check", "--as-of", AS_OF, "--cases", str(cases), "--format", "json"]
    if disputes is not None:
        args += ["--disputes", str(disputes)]
    code, out, err = run(*args)
    assert code != 0
    assert out == ""
    assert err.strip()
    assert "Traceback" not in err


# --- The table ---------------------------------------------------------------------------------------------

TABLE_CASES = [
    # pa.a: register overdue (due 31 Oct 2026), plan review pending (due 31 Jan 2027).
    {"case_ref": "A1", "date_of_birth": "2010-07-31", "looked_after_since": "2015-01-01",
     "adviser_email": "pa.a@example.org"},
    # pa.a: register met, renewal overdue (due 1 Sep 2026), review pending (due 1 Mar 2027).
    {"case_ref": "A2", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01",
     "housing_register_joined_on": "2025-09-01", "pathway_plan_reviewed_on": "2026-09-01",
     "adviser_email": "pa.a@example.org"},
    # pa.b: in custody, never looked after: the pre-release review was due 31 Oct 2026.
    {"case_ref": "B1", "date_of_birth": "2006-03-01", "in_custody": "yes", "release_date": "2027-01-31",
     "adviser_email": "pa.b@example.org"},
    # No adviser: A = 15 Oct 2026, register due 15 Jan 2027, review due 15 Apr 2027.
    {"case_ref": "N1", "date_of_birth": "2010-10-15", "looked_after_since": "2015-01-01"},
    # A bad adviser address is treated as no adviser (docs/decisions.md), and is a data error.
    {"case_ref": "N2", "date_of_birth": "2006-03-01", "in_custody": "yes", "release_date": "2027-06-30",
     "adviser_email": "pa.c-at-example.org"},
]


def table(tmp_path: Path, profile: str, *extra: str) -> list[str]:
    cases = write_rows(tmp_path / "table.csv", TABLE_CASES)
    code, out, err = run("check", "--profile", profile, "--as-of", AS_OF, "--cases", str(cases), *extra)
    assert code == 0, err
    return out.splitlines()


def line_of(lines: list[str], *parts: str) -> int:
    found = [i for i, line in enumerate(lines) if all(p in line for p in parts)]
    assert len(found) == 1, (parts, lines)
    return found[0]


def test_the_table_is_grouped_by_adviser_with_counts(core: str, tmp_path: Path) -> None:
    lines = table(tmp_path, core)
    a = line_of(lines, "pa.a@example.org: 2 overdue, 2 pending, 1 met")
    b = line_of(lines, "pa.b@example.org: 1 overdue, 0 pending, 0 met")
    # N2 is pending: release 30 Jun 2027 - 3 months = 30 Mar 2027.
    nobody = line_of(lines, "(no adviser allocated): 0 overdue, 3 pending, 0 met")
    assert a < b < nobody
    rows_a = [line_of(lines, "A2", "housing-register-renewal"), line_of(lines, "A1", "housing-register-initial"),
              line_of(lines, "A1", "pathway-plan-review"), line_of(lines, "A2", "pathway-plan-review")]
    assert a < rows_a[0] < rows_a[1] < rows_a[2] < rows_a[3] < b  # overdue first, then by due date
    assert b < line_of(lines, "B1", "custody-release-review") < nobody
    assert nobody < line_of(lines, "N1", "housing-register-initial")
    totals = line_of(lines, "As of 2026-11-23:")
    assert "3 overdue, 5 pending, 1 met" in lines[totals]
    assert "3 advisers" in lines[totals]


def test_the_table_shows_what_is_late_and_to_whom_it_goes(core: str, tmp_path: Path) -> None:
    lines = table(tmp_path, core)
    # 59 working days overdue (1 Sep to 23 Nov 2026): head of service; 16 (31 Oct to 23 Nov): manager.
    renewal = lines[line_of(lines, "A2", "housing-register-renewal")]
    assert "2026-09-01" in renewal
    assert "59 working days overdue" in renewal
    assert "head_of_service" in renewal
    initial = lines[line_of(lines, "A1", "housing-register-initial")]
    assert "16 working days overdue" in initial
    assert "manager" in initial
    # 31 Jan 2027 is 69 days after 23 Nov 2026.
    assert "due in 69 days" in lines[line_of(lines, "A1", "pathway-plan-review")]


def test_met_obligations_are_listed_only_when_asked(core: str, tmp_path: Path) -> None:
    assert not [line for line in table(tmp_path, core) if "A2" in line and "housing-register-initial" in line]
    lines = table(tmp_path, core, "--show-met")
    met = line_of(lines, "A2", "housing-register-initial")
    assert "met" in lines[met]
    assert met > line_of(lines, "A2", "pathway-plan-review")  # after the overdue and pending ones


def test_the_table_lists_the_data_errors(core: str, tmp_path: Path) -> None:
    lines = table(tmp_path, core)
    assert re.search(r"\b1 data errors?\b", lines[line_of(lines, "As of 2026-11-23:")])
    assert "is not an email address" in lines[line_of(lines, "N2", "adviser_email")]
    assert not [line for line in lines if "pa.c-at-example.org" in line]  # the address itself is not repeated


# --- explain ----------------------------------------------------------------------------------------------

def explain(tmp_path: Path, case_ref: str, with_disputes: bool = True, as_of: str = AS_OF) -> tuple[int, str]:
    cases = write_rows(tmp_path / "explain.csv", [*CASES, *TABLE_CASES,
                                                {"case_ref": "R1", "date_of_birth": "2009-01-01"},
                                                {"case_ref": "R1", "date_of_birth": "2009-02-01"}])
    args = ["explain", case_ref, "--as-of", as_of, "--cases", str(cases)]
    if with_disputes:
        args += ["--disputes", str(write_rows(tmp_path / "explain-disputes.csv", DISPUTES, DISPUTE_HEADER))]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def block(text: str, obligation: str) -> str:
    """The part of the explanation about one obligation: from its id to the next blank line."""
    start = text.index(f"\n{obligation}")
    end = text.find("\n\n", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_explain_shows_every_obligation_of_the_profile(tmp_path: Path) -> None:
    code, text = explain(tmp_path, "C1")
    assert code == 0
    assert "C1" in text
    assert AS_OF in text
    assert "lancashire" in text  # the default profile
    shown = {o.id for o in load_profile("lancashire").obligations}
    assert set(CORE) <= shown
    for obligation in shown:
        assert f"\n{obligation}" in text


def test_explain_an_overdue_obligation(tmp_path: Path) -> None:
    _, text = explain(tmp_path, "C1")
    initial = block(text, "housing-register-initial")
    assert "000 §7" in initial  # the citation
    assert "applies" in initial
    assert "does not apply" not in initial
    assert "2026-07-31" in initial  # the anchor A: the 16th birthday
    assert "2026-10-31" in initial  # the due date
    assert "housing_register_joined_on" in initial  # the evidence looked for
    assert "empty" in initial
    assert re.search(r"(?i)overdue", initial)
    assert "23 days" in initial  # 31 Oct to 23 Nov
    assert "16 working days" in initial


def test_explain_a_pending_obligation(tmp_path: Path) -> None:
    _, text = explain(tmp_path, "C1")
    review = block(text, "pathway-plan-review")
    assert "000 §7, 001 §1.2" in review  # Lancashire's own section and the national guidance, not Kent's
    assert "2026-07-31" in review
    assert "2027-01-31" in review
    assert "pathway_plan_reviewed_on" in review
    assert "pending" in review
    assert "69 days to go" in review


def test_explain_gives_the_reason_an_obligation_does_not_apply(tmp_path: Path) -> None:
    _, text = explain(tmp_path, "C1", with_disputes=False)
    assert "does not apply" in block(text, "housing-register-renewal")
    assert "housing_register_joined_on" in block(text, "housing-register-renewal")
    assert "does not apply" in block(text, "custody-release-review")
    assert "in_custody" in block(text, "custody-release-review")
    assert "000 §14" in block(text, "custody-release-review")
    assert "does not apply" in block(text, "dispute-escalation")
    assert "dispute" in block(text, "dispute-escalation").split("does not apply")[1]
    _, text = explain(tmp_path, "C2")
    assert "qualifying" in block(text, "pathway-plan-review").split("does not apply")[1]


def test_explain_a_dispute_and_a_met_obligation(tmp_path: Path) -> None:
    _, text = explain(tmp_path, "C1")
    ladder = block(text, "dispute-escalation")
    assert "D7" in ladder
    assert "2026-11-18" in ladder  # stage_started_on, the anchor
    assert "2026-11-20" in ladder
    assert "resolved_on" in ladder
    assert "stage 3" in ladder  # where it must go now
    assert "000 §18" in ladder
    _, text = explain(tmp_path, "C2")
    initial = block(text, "housing-register-initial")
    assert "met" in initial
    assert "2025-09-01" in initial
    assert "2025-08-10" in initial


def test_explain_out_of_scope(tmp_path: Path) -> None:
    code, text = explain(tmp_path, "B1", as_of="2031-03-01")  # born 1 Mar 2006: 25 that day
    assert code == 0
    for obligation in CORE:
        assert "does not apply" in block(text, obligation)
    assert "25" in block(text, "housing-register-initial")


def test_explain_a_rejected_case_shows_why(tmp_path: Path) -> None:
    code, text = explain(tmp_path, "C9")
    assert code == 0
    assert "date of birth 2031-01-01 is after the as-of date" in text
    assert "rejected" in text
    code, text = explain(tmp_path, "R1")
    assert "more than one row" in text


def test_explain_an_unknown_case_is_a_clear_error_on_stderr(tmp_path: Path) -> None:
    code, text = explain(tmp_path, "ZZ404")
    assert code != 0
    assert "No case ZZ404" in text
    assert "Traceback" not in text
    cases = write_rows(tmp_path / "one.csv", CASES)
    result = CliRunner().invoke(main, ["explain", "ZZ404", "--as-of", AS_OF, "--cases", str(cases)])
    assert "No case ZZ404" in result.stderr
    assert result.stdout == ""


def test_explain_a_done_date_after_the_as_of_date_reads_as_empty(tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "late.csv", [{"case_ref": "L1", "date_of_birth": "2009-05-10",
                                               "looked_after_since": "2015-03-01",
                                               "housing_register_joined_on": "2025-09-01",
                                               "housing_register_renewed_on": "9999-12-31"}])
    result = CliRunner().invoke(main, ["explain", "L1", "--as-of", AS_OF, "--cases", str(cases)])
    assert result.exit_code == 0, result.output
    # v1.2: a renewal dated after the as-of date is read as empty (a data error), so the renewal counts from
    # joining: 1 Sep 2025 + 12 months = 1 Sep 2026, overdue on 23 Nov 2026.
    assert "housing_register_renewed_on 9999-12-31 is after the as-of date" in result.output
    renewal = block(result.output, "housing-register-renewal")
    assert "2026-09-01" in renewal
    assert "OVERDUE" in renewal
    assert "met" in block(result.output, "housing-register-initial")  # the rest is explained as usual
    code, out, err = run("check", "--as-of", AS_OF, "--cases", str(cases), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert {(e["case_ref"], e["field"]) for e in document["data_errors"]} == {("L1", "housing_register_renewed_on")}
    assert "housing-register-renewal" in {f["obligation"] for f in document["findings"]}
