"""The imports that never happen (docs/architecture.md) are import-linter contracts in pyproject.toml.

``lint-imports`` keeps every one of them on the code as it is; each contract breaks when a copy of the code
is given the import it forbids; and the architecture page lists every contract by its id.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def lint(where: Path) -> tuple[int, str]:
    """Run lint-imports on the packages in ``where`` (found there first); its exit code and words."""
    env = {**os.environ, "PYTHONPATH": str(where), "COLUMNS": "1000", "NO_COLOR": "1"}
    done = subprocess.run([str(LINT), "--no-cache"], cwd=where, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def test_the_code_keeps_every_contract() -> None:
    code, said = lint(ROOT)
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in said, said
    assert code == 0


# One import each contract forbids, added to a copy of the code: (module file, import, the contract it breaks).
BREAKS = [
    ("rules/calendar.py", "import checker.settings", "one-way"),
    ("notifiers/base.py", "import rules.records", "one-way"),
    ("rules/periods.py", "import pathlib", "rules-pure"),
    ("checker/explain.py", "from checker.sources import validation", "validated-records"),
    ("checker/engine.py", "from checker.sources import disputes", "validated-records"),
    ("checker/engine.py", "import checker.state.runs", "engine-only-evaluates"),
    ("checker/sources/csv_source.py", "import checker.state.runs", "sources-only-read"),
    ("checker/sources/ssda903.py", "import notifiers.base", "sources-only-read"),
    ("checker/facts.py", "import checker.state.outbox", "facts-alone"),
    ("checker/rendering/formatting.py", "import checker.planning.window", "rendering-not-planning"),
    ("checker/planning/digest.py", "from checker.state.schema import outbox", "state-schema"),
    ("checker/tick.py", "import click", "cli-prints"),
]


def test_every_contract_is_broken_by_some_case_below() -> None:
    assert {c["id"] for c in CONTRACTS} == {contract for _, _, contract in BREAKS}


@pytest.mark.parametrize(("module", "line", "contract"), BREAKS, ids=[f"{c}:{m}" for m, _, c in BREAKS])
def test_a_forbidden_import_breaks_its_contract(module: str, line: str, contract: str, tmp_path: Path) -> None:
    for package in ("checker", "rules", "notifiers"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as handle:
        handle.write(f"\n{line}  # noqa\n")
    code, said = lint(tmp_path)
    (name,) = [c["name"] for c in CONTRACTS if c["id"] == contract]
    assert f"{' '.join(name.split())} BROKEN" in said, said
    assert code == 1


def test_the_architecture_page_lists_every_contract() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page[page.index("## Imports that never happen"):]
    for contract in CONTRACTS:
        assert f"`{contract['id']}`" in section, contract["id"]
