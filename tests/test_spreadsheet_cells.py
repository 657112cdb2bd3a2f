"""Every CSV the product writes opens in a spreadsheet as text: a value from the case records that begins like a
formula (``=HYPERLINK(…)``, ``+``, ``-``, ``@``) is written with a leading ``'`` (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.caseload import custody_case, write_csv
from support.history import history_settings

from checker.app import App
from checker.cli import main
from checker.sources import CsvSource
from checker.spreadsheet import safe_cell, writer

FORMULA = '=HYPERLINK("https://evil.example/x","Open")'


@pytest.mark.parametrize(("value", "written"), [
    (FORMULA, "'" + FORMULA),
    ("+44 1772 000000", "'+44 1772 000000"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1,2)", "'@SUM(1,2)"),
    ("\t=1", "'\t=1"),
    ("-3", "-3"),            # a plain number stays a number
    ("+1.5", "+1.5"),
    ("P0000001", "P0000001"),
    ("", ""),
    ("a=b", "a=b"),          # only the first character starts a formula
])
def test_a_cell_that_would_start_a_formula_is_text(value: str, written: str) -> None:
    assert safe_cell(value) == written
    buffer = io.StringIO()
    writer(buffer).writerow([value, 7, -2])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [written, "7", "-2"]


def cases(tmp_path: Path) -> Path:
    # due Wed 2 Dec 2026 (three months before release, 000 §14): pending on Mon 23 Nov
    return write_csv(tmp_path / "cases.csv", [custody_case(FORMULA, "2027-03-02", team="+North")])


def test_check_csv_writes_a_formula_like_case_ref_and_team_as_text(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--cases", str(cases(tmp_path)), "--as-of", "2026-11-23",
                                       "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows, result.output
    assert {row["case_ref"] for row in rows} == {"'" + FORMULA}
    assert {row["team"] for row in rows} == {"'+North"}


def test_the_audit_export_and_the_forecast_write_them_as_text(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    app = App.from_settings(history_settings(tmp_path))
    app.tick(CsvSource(cases(tmp_path))).plan(date(2026, 11, 23), datetime(2026, 11, 23, 7, tzinfo=UTC),
                                             digests=False)
    app.engine.dispose()
    monkeypatch.setenv("CHECKER_STATE_URL", f"sqlite:///{tmp_path / 'state.sqlite'}")
    audit = CliRunner().invoke(main, ["audit", "export", "--from", "2026-11-01", "--to", "2026-12-31"])
    assert audit.exit_code == 0, audit.output
    events = list(csv.DictReader(io.StringIO(audit.stdout)))
    assert events
    assert {e["case_ref"] for e in events} == {"'" + FORMULA}
    forecast = CliRunner().invoke(main, ["forecast", "--weeks", "3", "--as-of", "2026-11-23", "--format", "csv"])
    assert forecast.exit_code == 0, forecast.output
    assert [row["team"] for row in csv.DictReader(io.StringIO(forecast.stdout))] == ["'+North"]


def test_every_csv_the_product_writes_goes_through_the_safe_writer() -> None:
    # The demo writes input files for the sources (read back by checker, never opened as a report): exempt.
    root = Path(__file__).resolve().parents[1]
    offenders = [str(path.relative_to(root)) for package in ("checker", "rules", "notifiers")
                 for path in (root / package).rglob("*.py")
                 if "demo" not in path.parts and path.name != "spreadsheet.py"
                 and ("csv.writer(" in (text := path.read_text(encoding="utf-8")) or "csv.DictWriter(" in text)]
    assert offenders == []
