"""``checker check`` for people and spreadsheets: the plain table, CSV, filters, plurals and progress.

Every case is someone in custody who was never looked after, so the only obligation is the pre-release
review (000 §14): due 3 months before the release date. As of Monday 23 Nov 2026 (no bank holiday near):
- P1 release 20 Feb 2027: due Fri 20 Nov 2026; overdue by 1 working day (Mon 23).
- P2 release 24 Feb 2027: due Tue 24 Nov 2026; 1 day to go.
- P3 release 25 Feb 2027: due Wed 25 Nov 2026; 2 days to go.
- P4 release 19 Feb 2027: due Thu 19 Nov 2026; overdue by 2 working days (Fri 20, Mon 23).
- P5 is born after the as-of date: a data error, whatever the filters.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.profiles import load_profile

AS_OF = "2026-11-23"
CUSTODY = {"date_of_birth": "2006-03-01", "in_custody": "yes"}
CASES = [
    {"case_ref": "P1", **CUSTODY, "release_date": "2027-02-20", "adviser_email": "pa.a@example.org", "team": "North"},
    {"case_ref": "P2", **CUSTODY, "release_date": "2027-02-24", "adviser_email": "pa.a@example.org", "team": "North"},
    {"case_ref": "P3", **CUSTODY, "release_date": "2027-02-25", "adviser_email": "pa.b@example.org", "team": "South"},
    {"case_ref": "P4", **CUSTODY, "release_date": "2027-02-19", "adviser_email": "pa.b@example.org", "team": "South"},
    {"case_ref": "P5", "date_of_birth": "2031-01-01", "adviser_email": "pa.a@example.org", "team": "North"},
]
REVIEW = "custody-release-review"


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    return write_rows(tmp_path / "cases.csv", CASES)


def check(cases: Path, *extra: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["check", "--as-of", AS_OF, "--cases", str(cases), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def refs_in_json(out: str) -> list[str]:
    return sorted(f["case_ref"] for f in json.loads(out)["findings"])


def test_plurals_read_right(cases: Path) -> None:
    lines = check(cases, "--adviser", "pa.a@example.org")[0].splitlines()
    assert any("P1" in line and "1 working day overdue" in line for line in lines), lines
    assert any("P2" in line and "due in 1 day" in line and "days" not in line for line in lines), lines
    totals = next(line for line in lines if line.startswith(f"As of {AS_OF}:"))
    assert "1 overdue, 1 pending, 0 met across 1 adviser; 1 data error." in totals
    lines = check(cases, "--adviser", "pa.b@example.org")[0].splitlines()
    assert any("P4" in line and "2 working days overdue" in line for line in lines), lines
    assert any("P3" in line and "due in 2 days" in line for line in lines), lines


def test_the_table_is_not_cut_to_the_terminal_width_when_piped(cases: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    citation = next(o.citation for o in load_profile().obligations if o.id == REVIEW)
    out = check(cases)[0]
    row = next(line for line in out.splitlines() if line.startswith("overdue") and "P4" in line)
    assert len(row) > 40
    for cell in ("P4", REVIEW, "2026-11-19", "2 working days overdue", citation):
        assert cell in row
    assert "…" not in out


def test_csv_has_one_row_per_finding_and_the_data_errors_on_stderr(cases: Path) -> None:
    out, err = check(cases, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["case_ref"] for r in rows] == ["P1", "P2", "P3", "P4"]
    p4 = rows[3]
    assert p4["adviser_email"] == "pa.b@example.org"
    assert p4["team"] == "South"
    assert p4["obligation"] == REVIEW
    assert p4["status"] == "overdue"
    assert p4["due_date"] == "2026-11-19"
    assert p4["working_days_overdue"] == "2"
    assert p4["owner"] == "adviser"
    assert rows[1]["status"] == "pending"
    assert rows[1]["due_date"] == "2026-11-24"
    assert "P5" in err
    assert "date_of_birth" in err


@pytest.mark.parametrize("output", ["json", "csv", "table"])
@pytest.mark.parametrize(("args", "expected"), [
    (("--status", "overdue"), ["P1", "P4"]),
    (("--status", "pending", "--status", "overdue"), ["P1", "P2", "P3", "P4"]),
    (("--team", "north"), ["P1", "P2"]),
    (("--adviser", "PA.B@example.org"), ["P3", "P4"]),
    (("--team", "South", "--status", "pending"), ["P3"]),
    (("--team", "East",), []),
])
def test_status_team_and_adviser_filter_every_format(cases: Path, output: str, args: tuple[str, ...],
                                                     expected: list[str]) -> None:
    out, _err = check(cases, "--format", output, *args)
    if output == "json":
        found = refs_in_json(out)
        assert len(json.loads(out)["data_errors"]) == 1  # data errors are not filtered
    elif output == "csv":
        found = sorted(r["case_ref"] for r in csv.DictReader(io.StringIO(out)))
    else:
        found = sorted({ref for line in out.splitlines() if line.startswith(("overdue", "pending"))
                        for ref in ("P1", "P2", "P3", "P4") if f" {ref} " in line})
    assert found == expected


def _check_process(cases: Path, stderr: int, *extra: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    return subprocess.run([sys.executable, "-m", "checker", "check", "--as-of", AS_OF, "--cases", str(cases),
                           *extra], stdout=subprocess.PIPE, stderr=stderr, env=env, check=True, timeout=120)


def test_progress_is_shown_on_stderr_when_it_is_a_terminal(tmp_path: Path) -> None:
    many = write_rows(tmp_path / "many.csv", [
        {**CASES[0], "case_ref": f"M{i}"} for i in range(3000)])
    controller, terminal = pty.openpty()
    try:
        done = _check_process(many, terminal, "--format", "json")
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(controller)
    assert b"cases read" in seen
    assert len(json.loads(done.stdout)["findings"]) == 3000  # stdout holds the document alone


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    many = write_rows(tmp_path / "many.csv", [
        {**CASES[0], "case_ref": f"M{i}"} for i in range(3000)])
    done = _check_process(many, subprocess.PIPE)
    assert b"cases read" not in done.stderr  # (stderr may note the columns the file lacks)
    assert b"\x1b" not in done.stderr


def test_explain_reads_right_for_one_day(cases: Path) -> None:
    # P1 was due Fri 20 Nov: on Mon 23 Nov it is 3 calendar days and 1 working day overdue; P2 has 1 day to go.
    late = CliRunner().invoke(main, ["explain", "P1", "--as-of", AS_OF, "--cases", str(cases)])
    assert "OVERDUE by 3 days (1 working day)" in late.stdout, late.output
    soon = CliRunner().invoke(main, ["explain", "P2", "--as-of", AS_OF, "--cases", str(cases)])
    assert "pending: 1 day to go" in soon.stdout, soon.output
