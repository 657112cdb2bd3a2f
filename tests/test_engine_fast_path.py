"""The engine's inner loop asks the kinds for findings without reasons (``explain=False``).

That path must find exactly what the explaining path finds: the same findings for every case of a
synthetic caseload under every obligation of the catalogue, each kind answering a ``NotApplicable``
exactly where it would explain one; and the reasons ``checker explain`` gives are still put into words.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from checker.demo.caseload import generate
from checker.engine import assess_case, findings_for
from checker.paths import bundled_config_dir
from checker.profiles import Profile, load_profile
from checker.sources.disputes import dispute
from checker.sources.validation import CaseValidator
from rules.obligation import NOT_EXPLAINED
from rules.records import CASE_COLUMNS, CaseRecord, DataError, DisputeRecord, Finding, NotApplicable

AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="module")
def every_obligation(tmp_path_factory: pytest.TempPathFactory) -> Profile:
    catalogue = tomllib.loads((bundled_config_dir() / "obligations.toml").read_text(encoding="utf-8"))
    listed = ", ".join(f'"{entry["id"]}"' for entry in catalogue["obligation"])
    path: Path = tmp_path_factory.mktemp("profiles") / "every.toml"
    path.write_text(f'[profile]\nname = "every"\ntitle = "Every"\nobligations = [{listed}]\n', encoding="utf-8")
    return load_profile(str(path))


@pytest.fixture(scope="module")
def caseload() -> list[tuple[CaseRecord, list[DisputeRecord]]]:
    case_rows, dispute_rows = generate(3000, AS_OF, seed=7)
    errors: list[DataError] = []
    by_case: dict[str, list[DisputeRecord]] = {}
    for row in dispute_rows:
        if (record := dispute(row, frozenset(), errors, AS_OF)) is not None:
            by_case.setdefault(record.case_ref, []).append(record)
    validator = CaseValidator(AS_OF, frozenset(), frozenset(CASE_COLUMNS))
    cases = [case for row in case_rows if (case := validator.case(row, errors)) is not None]
    return [(case, by_case.get(case.case_ref, [])) for case in cases]


def test_findings_for_finds_what_assess_case_finds(every_obligation: Profile,
                                                   caseload: list[tuple[CaseRecord, list[DisputeRecord]]]) -> None:
    kinds: Counter[str] = Counter()
    for case, disputes in caseload:
        found = findings_for(case, disputes, every_obligation, AS_OF, [])
        explained = [a.outcome for a in assess_case(case, disputes, every_obligation, AS_OF)
                     if isinstance(a.outcome, Finding)]
        assert found == explained
        kinds.update(f.obligation for f in found)
    assert len(kinds) >= 15  # the caseload reaches nearly every obligation of the catalogue


def test_each_kind_skips_exactly_where_it_explains(every_obligation: Profile,
                                                   caseload: list[tuple[CaseRecord, list[DisputeRecord]]]) -> None:
    calendar = every_obligation.calendar
    unexplained = 0
    for case, _ in caseload[:1000]:
        for obligation, kind in every_obligation.case_obligations:
            try:
                explained = kind.assess(case, obligation, AS_OF, calendar)
            except (ValueError, OverflowError):
                continue
            quick = kind.assess(case, obligation, AS_OF, calendar, False)
            if isinstance(explained, Finding):
                assert quick == explained
            else:
                assert isinstance(quick, NotApplicable)
                assert explained is not NOT_EXPLAINED
                assert explained.reason
                unexplained += quick is NOT_EXPLAINED
    assert unexplained > 0
