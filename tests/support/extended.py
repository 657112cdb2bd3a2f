"""One case row through the real engine with a shipped profile, for the date-by-date obligation tests.

The row is written as a CSV file and read by ``CsvSource``, validated and evaluated by
``checker.engine.Evaluation``, exactly as ``checker check`` does; the tests compare the finding of one
obligation with a (status, due date, completed on) worked out by hand from the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path

from checker.engine import Evaluation
from checker.profiles import Profile, load_profile
from checker.sources import CsvSource
from rules.records import DataError, Finding
from support.caseload import write_rows

Row = Mapping[str, str]
Expected = tuple[str, str, str | None] | None  # (status, due_date, completed_on), or None: not reported


@cache
def shipped(name: str) -> Profile:
    return load_profile(name)


def evaluate_row(folder: Path, profile: Profile, row: Row, as_of: str) -> tuple[dict[str, Finding], list[DataError]]:
    """Every finding of case C1 by obligation id, and the data errors."""
    cases = write_rows(folder / "cases.csv", [{"case_ref": "C1", **row}])
    evaluation = Evaluation(CsvSource(cases, None), profile, date.fromisoformat(as_of))
    found = {f.obligation: f for r in evaluation.results() for f in r.findings}
    return found, evaluation.data_errors


def outcome(finding: Finding | None) -> Expected:
    if finding is None:
        return None
    done = finding.completed_on.isoformat() if finding.completed_on else None
    return finding.status.value, finding.due_date.isoformat(), done


def check(folder: Path, profile: str | Profile, row: Row, as_of: str, obligation: str) -> Finding | None:
    """The finding of ``obligation`` for a row that must be valid (no data errors)."""
    loaded = shipped(profile) if isinstance(profile, str) else profile
    found, errors = evaluate_row(folder, loaded, row, as_of)
    assert errors == [], f"the test's own row should be valid: {errors}"
    assert obligation in {o.id for o in loaded.obligations}, f"{obligation} is not in {loaded.name}"
    return found.get(obligation)
