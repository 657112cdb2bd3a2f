"""Start-up stays light: ``checker --help`` lists every command without importing any, and ``checker check``
on a CSV file loads none of the libraries only the daemon, the state database or the report need.

These tests look at which modules a fresh interpreter holds when the command ends, not at how long it took:
the times are measured by bench/startup.py (docs/operations.md, "Start-up").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from support.caseload import custody_case, write_csv

from checker.cli import COMMANDS, main

#: Imported by some command, never needed to list the commands or to check a CSV file.
HEAVY = ("sqlalchemy", "alembic", "jinja2", "matplotlib", "msal", "httpx", "openpyxl", "apscheduler",
         "prometheus_client", "psycopg", "tenacity")


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules loaded in a fresh interpreter by ``python -m checker ARGS``, as it exits."""
    out = tmp_path / "modules.json"
    probe = ("import atexit, json, runpy, sys; "
             f"atexit.register(lambda: open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules)))); "
             f"sys.argv = ['checker', *{list(args)!r}]; runpy.run_module('checker', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(out.read_text()))


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_help_imports_no_command_and_no_library_but_click(tmp_path: Path) -> None:
    modules = imported(tmp_path, "--help")
    assert not packages(modules) & {*HEAVY, "rich", "pydantic", "pydantic_settings", "holidays"}
    assert {m for m in modules if m.startswith(("checker", "rules"))} == {"checker", "checker.cli"}


def test_check_on_a_csv_file_imports_no_state_daemon_report_or_holidays_library(tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("P1", "2026-12-20")])
    modules = imported(tmp_path, "check", "--cases", str(cases), "--as-of", "2026-11-23")
    assert not packages(modules) & {*HEAVY, "holidays", "rich"}  # rich: stderr is no terminal here
    assert "checker.cli.check" in modules  # the probe saw the command run
    assert not {"checker.state", "checker.daemon", "checker.delivery", "checker.rendering"} & modules


#: What only the tick, delivery, the messages, the daemon and the board report need.
NOT_FOR_STATE_COMMANDS = {"jinja2", "matplotlib", "msal", "httpx", "apscheduler", "prometheus_client", "tenacity"}


@pytest.mark.parametrize("command", [["outbox"], ["history", "P1"], ["snooze", "list"], ["waiver", "list"],
                                     ["away", "list"], ["forecast", "--weeks", "2"]],
                         ids=" ".join)
def test_a_command_on_the_state_database_imports_no_delivery_or_report_library(tmp_path: Path,
                                                                                command: list[str]) -> None:
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0  # the state database, in the working folder
    modules = imported(tmp_path, *command)
    assert "sqlalchemy" in packages(modules)
    assert not packages(modules) & NOT_FOR_STATE_COMMANDS


def test_help_lists_every_command_with_its_one_line_help() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == list(COMMANDS)
    assert listed[1] == "  check        Evaluate every obligation of the profile for every case."
    # cut as click cuts a short help: 80 columns less 6 less the longest name (healthcheck, 11) = 63
    assert listed[0] == "  demo         Write a synthetic caseload into SQLite, check it, and..."


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_registry_holds_each_commands_own_short_help(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert command.get_short_help_str(limit=10_000) == COMMANDS[name].summary


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(main, ["chekc"])
    assert result.exit_code == 2
    assert "No such command 'chekc'" in result.output
