"""The command line shows data literally: no Rich markup, no terminal escape, no bidi trick.

Values go in at the rule level (``Finding``/``DataError``, the check table's input) and through the
printers, because the sources refuse control characters in a cell before a table could show them;
markup such as ``[link=…]`` is valid data and also goes through ``checker check`` end to end.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.literal import cell, literal, literal_lines
from checker.report_table import write_table
from rules.records import DataError, Finding, Role, Status

REPOSITORY = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 23)

# What each must look like on the terminal.
ESCAPED = [
    ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),  # clear the screen
    ("\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07"),
    ("\x9b31m", "\\x9b31m"),  # C1 CSI: an escape sequence in one byte
    ("paid\rUNPAID", "paid\\rUNPAID"),  # a carriage return overwrites what was shown
    ("a\x00b\x7fc\x08d", "a\\x00b\\x7fc\\x08d"),
    ("line\nbreak\ttab", "line\\nbreak\\ttab"),
    ("C1\u202egpj.exe", "C1\\u202egpj.exe"),  # right-to-left override
    ("\u2066x\u2069\u200e\u200f\u200b\ufeff", "\\u2066x\\u2069\\u200e\\u200f\\u200b\\ufeff"),
    ("a\u2028b\u2029c\x85d", "a\\u2028b\\u2029c\\x85d"),
    ("Zoë Nguyễn 日本 😀 — £5", "Zoë Nguyễn 日本 😀 — £5"),  # printable text is left alone
    ("[link=https://evil.example]x[/link] [bold]y :smile:", "[link=https://evil.example]x[/link] [bold]y :smile:"),
]


@pytest.mark.parametrize(("value", "shown"), ESCAPED)
def test_a_value_is_shown_with_every_control_character_escaped(value: str, shown: str) -> None:
    assert literal(value) == shown


def test_lines_keep_their_line_breaks_and_nothing_else() -> None:
    assert literal_lines("one\r\ntwo\nthree\rfour\x1b[1A") == "one\ntwo\nthree\\rfour\\x1b[1A"


HOSTILE = {
    "case_ref": "C1[link=https://evil.example/pay]pay[/link]\x1b]8;;https://evil.example\x07x\x1b]8;;\x07",
    "obligation": "pathway-plan-review[bold red]FAKE[/]\x1b[2J",
    "ref": "D1:warning:\u202eexe.fdp\x9b2J",
    "citation": "000 §7[/]\r[blink]\x07",
    "adviser": "pa[@click=app.quit]@example.org\x1b[8m",
    "field": "team[reverse]\x00",
    "message": "a value\x1b[1A\x1b[2Kwas fine",
}


def rendered_table() -> str:
    finding = Finding(case_ref=HOSTILE["case_ref"], obligation=HOSTILE["obligation"], ref=HOSTILE["ref"],
                      status=Status.OVERDUE, due_date=date(2026, 11, 6), completed_on=None, owner=Role.ADVISER,
                      escalated_to=Role.MANAGER, citation=HOSTILE["citation"], working_days_overdue=11)
    error = DataError(HOSTILE["case_ref"], HOSTILE["ref"], HOSTILE["field"], HOSTILE["message"])
    out = io.StringIO()
    write_table(out, AS_OF, [(HOSTILE["adviser"], None, [finding])], lambda: [error])
    return out.getvalue()


def test_the_check_table_shows_every_value_literally() -> None:
    output = rendered_table()
    assert "\x1b" not in output  # plain text: no escape sequence at all
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", output)
    for value in HOSTILE.values():
        assert literal(value) in output, literal(value)  # markup and all, as written
    assert "⚠" not in output  # no emoji code was replaced
    assert "FAKE" in output


def test_check_prints_markup_from_the_files_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    cases = write_rows(tmp_path / "cases.csv", [
        {"case_ref": "C1", "date_of_birth": "2010-07-31", "looked_after_since": "2015-01-01",
         "adviser_email": "pa.one@example.org", "team": "[link=https://evil.example]Preston[/link]"}])
    disputes = write_rows(tmp_path / "disputes.csv", [
        {"dispute_ref": "[bold]D1[/bold]:smile:", "case_ref": "C1", "stage": "1", "stage_started_on": "2026-10-01",
         "resolved_on": ""}])
    result = CliRunner().invoke(main, ["check", "--as-of", "2026-11-23", "--cases", str(cases),
                                       "--disputes", str(disputes)])
    assert result.exit_code == 0, result.output
    assert "dispute-escalation [bold]D1[/bold]:smile:" in result.stdout


@pytest.mark.parametrize("folder", ["checker/cli"])
def test_every_command_prints_through_the_literal_printer(folder: str) -> None:
    for path in sorted((REPOSITORY / folder).glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\bclick\.(echo|secho)\(|(?<![.\w])print\(", source), path.name


def test_a_table_cell_is_never_markup() -> None:
    text = cell("[red]x[/red] \x1b[31m")
    assert text.plain == "[red]x[/red] \\x1b[31m"
    assert text.spans == []


def test_a_message_quoting_what_was_typed_shows_it_literally(tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2010-07-31"}])
    result = CliRunner().invoke(main, ["explain", "C9\x1b]8;;https://evil.example\x07here\u202e", "--as-of",
                                       "2026-11-23", "--cases", str(cases)])
    assert result.exit_code != 0
    assert "\x1b" not in result.stderr
    assert "\u202e" not in result.stderr
    assert "C9\\x1b]8;;https://evil.example\\x07here\\u202e" in result.stderr
