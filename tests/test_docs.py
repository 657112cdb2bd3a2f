"""The documents describe what the product does, in its own words, and their examples run.

- Every example profile of docs/profiles.md loads and checks a caseload; its error example is the error.
- docs/input.md lists every column with the obligations that read it, and its JSON example is what
  ``checker check`` prints for that input.
- No document, shipped configuration file or ``--help`` sends a user to a file outside the repository.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.profiles import load_profile
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
PROFILES_MD = (ROOT / "docs" / "profiles.md").read_text(encoding="utf-8")
INPUT_MD = (ROOT / "docs" / "input.md").read_text(encoding="utf-8")
OUTSIDE = ("../shared", "shared/spec", "shared/seeds", "shared/design", "obligations.md", "obligations-extended.md")


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- docs/profiles.md ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(blocks(PROFILES_MD, "toml"))))
def test_every_example_profile_loads_and_checks_a_caseload(tmp_path: Path, index: int) -> None:
    path = tmp_path / "profiles" / f"example{index}.toml"
    path.parent.mkdir()
    path.write_text(blocks(PROFILES_MD, "toml")[index], encoding="utf-8")
    profile = load_profile(str(path))
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2008-01-01",
                                                 "looked_after_since": "2015-01-01",
                                                 "host_register_joined_on": "2026-01-10"}])
    code, out, err = invoke("check", "--profile", str(path), "--cases", str(cases), "--as-of", "2026-03-02",
                            "--format", "json")
    assert code == 0, err
    found = {f["obligation"] for f in json.loads(out)["findings"]}
    assert found <= {o.id for o in profile.obligations}
    assert "housing-register-initial" in found


def test_the_own_obligation_example_is_due_a_month_after_joining_the_host_register(tmp_path: Path) -> None:
    example = next(b for b in blocks(PROFILES_MD, "toml") if "[[obligation]]" in b)
    path = tmp_path / "mine.toml"
    path.write_text(example, encoding="utf-8")
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2008-01-01",
                                                 "host_register_joined_on": "2026-01-31"}])
    code, out, _ = invoke("check", "--profile", str(path), "--cases", str(cases), "--as-of", "2026-03-02",
                          "--format", "json")
    assert code == 0
    own = next(f for f in json.loads(out)["findings"] if f["obligation"] == "host-plan-shared")
    assert (own["status"], own["due_date"]) == ("overdue", "2026-02-28")  # 31 Jan + 1 month = 28 Feb 2026


def test_the_error_example_is_the_error_a_typo_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown = " ".join(line.strip() for line in blocks(PROFILES_MD, "")[0].splitlines() if line.strip())
    monkeypatch.chdir(tmp_path)
    Path("my.toml").write_text('[profile]\nname = "my"\ntitle = "Mine"\nobligations = ["housing-register-initial"]\n'
                               "[overrides.housing-register-initial.parameters]\nperod = { months = 3 }\n")
    cases = write_rows(tmp_path / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2008-01-01"}])
    code, _, err = invoke("check", "--profile", "my.toml", "--cases", str(cases))
    assert code != 0
    assert " ".join(err.split()) == shown


# --- docs/input.md -------------------------------------------------------------------------------------------


def all_obligations(tmp_path: Path) -> dict[str, frozenset[str]]:
    ids = [e["id"] for e in tomllib.loads((ROOT / "config" / "obligations.toml").read_text())["obligation"]]
    path = tmp_path / "profiles" / "all.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f'[profile]\nname = "all"\ntitle = "All"\nobligations = [{", ".join(map(repr, ids))}]\n'
                    .replace("'", '"'))
    return {o.id: o.columns for o in load_profile(str(path)).obligations}


def table_rows(text: str, heading: str) -> dict[str, list[str]]:
    section = text.split(f"## {heading}\n")[1].split("\n## ", maxsplit=1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and cells:
            rows[cells[0].strip("`")] = cells
    return rows


def test_input_lists_every_case_column_with_type_and_the_obligations_that_read_it(tmp_path: Path) -> None:
    rows = table_rows(INPUT_MD, "Case columns")
    assert set(rows) == set(CASE_COLUMNS)
    reads = all_obligations(tmp_path)
    for name, column in CASE_COLUMNS.items():
        cells = rows[name]
        assert cells[1] == column.type, name
        assert cells[2] == ("yes" if column.required else "no"), name
        listed = set(re.findall(r"`([a-z0-9-]+)`", cells[4]))
        assert listed == {o for o, columns in reads.items() if name in columns}, name


def test_input_lists_every_dispute_column_and_every_obligation(tmp_path: Path) -> None:
    assert set(table_rows(INPUT_MD, "Dispute columns")) == set(DISPUTE_COLUMNS)
    assert set(table_rows(INPUT_MD, "The obligations")) == set(all_obligations(tmp_path))


def test_the_json_example_of_input_is_what_check_prints(tmp_path: Path) -> None:
    example = json.loads(blocks(INPUT_MD, "json")[0])
    # The input behind the example: born 1 Feb 2008, threatened with homelessness on Fri 20 Feb 2026, a
    # dispute at stage 2 from that day; C9 born after the as-of date.
    cases = write_rows(tmp_path / "cases.csv", [
        {"case_ref": "C1", "date_of_birth": "2008-02-01", "threatened_with_homelessness_on": "2026-02-20"},
        {"case_ref": "C9", "date_of_birth": "2031-01-01"},
    ])
    disputes = write_rows(tmp_path / "disputes.csv", [{"dispute_ref": "D1", "case_ref": "C1", "stage": "2",
                                                       "stage_started_on": "2026-02-20", "resolved_on": ""}])
    code, out, _ = invoke("check", "--as-of", example["as_of"], "--cases", str(cases), "--disputes", str(disputes),
                          "--format", "json")
    assert code == 0
    printed = json.loads(out)
    for finding in example["findings"]:
        assert finding in printed["findings"]
    assert printed["data_errors"] == example["data_errors"]
    for each in example["not_checked"]:
        assert each in printed["not_checked"]


# --- nothing points outside the repository ----------------------------------------------------------------------


def shipped_texts() -> Iterator[tuple[str, str]]:
    yield "README.md", (ROOT / "README.md").read_text(encoding="utf-8")
    for folder, pattern in (("docs", "*.md"), ("config", "*"), ("checker", "*.py"), ("rules", "*.py"),
                            ("notifiers", "*.py"), ("bench", "*.py"), ("tests", "*.py"), (".ci", "*")):
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.is_file() and path.suffix not in {".png", ".pyc"} and path.name != "test_docs.py":
                yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    yield "Dockerfile", (ROOT / "Dockerfile").read_text(encoding="utf-8")


def help_texts(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    ctx = click.Context(command, info_name=" ".join(path))
    yield " ".join(path), command.get_help(ctx)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from help_texts(sub, (*path, name))


@pytest.mark.parametrize(("where", "text"), [*shipped_texts(), *help_texts(main, ("checker",))],
                         ids=lambda value: value if "\n" not in value else "")
def test_nothing_sends_a_user_outside_the_repository(where: str, text: str) -> None:
    for needle in OUTSIDE:
        assert needle not in text, f"{where} mentions {needle}"


@pytest.mark.parametrize("profile", ["lancashire", "kent", "bcp", "luton", "national"])
def test_no_message_of_check_or_explain_sends_a_user_outside(tmp_path: Path, profile: str) -> None:
    cases = write_rows(tmp_path / "cases.csv", [
        {"case_ref": "OLD", "date_of_birth": "2000-01-01"},  # 26: out of scope
        {"case_ref": "C1", "date_of_birth": "2008-01-01", "looked_after_since": "2015-01-01", "in_custody": "maybe",
         "placed_out_of_area": "2", "adviser_email": "not an address", "release_date": ""},
        {"case_ref": "BAD", "date_of_birth": "20080101"},
    ])
    outputs = [invoke("check", "--profile", profile, "--cases", str(cases), "--as-of", "2026-03-02", *fmt)
               for fmt in ((), ("--format", "json"))]
    outputs += [invoke("explain", ref, "--profile", profile, "--cases", str(cases), "--as-of", "2026-03-02")
                for ref in ("OLD", "C1", "BAD")]
    for _code, out, err in outputs:
        for needle in OUTSIDE:
            assert needle not in out + err
