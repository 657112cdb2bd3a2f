"""The same synthetic caseload written four ways (issue 11's "done when"): the canonical CSV; SSD tables on
PostgreSQL (and on SQLite); SSDA903 files plus a supplementary events file and a staff directory; an Annex A
workbook plus the same supplements; each with the settings docs/inputs.md gives a newcomer, files written
where those settings say. ``checker check --format json`` (the command itself) gives the same findings as
the canonical CSV for every obligation whose columns the way can carry, names on stderr each obligation it
cannot ("not checked: ..."), as ``checker sources check`` does, never reports one of those as met, and
reports no data error. A few due dates are worked out by hand below.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from support.four_ways import (
    AS_OF,
    caseload,
    write_annex_a,
    write_canonical,
    write_disputes,
    write_events,
    write_ssd,
    write_ssda903,
    write_staff,
)
from test_source_ssd import create_ssd

from checker.cli import main
from checker.profiles import load_profile

INPUTS_MD = (Path(__file__).resolve().parents[1] / "docs" / "inputs.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```toml\n(.*?)```", INPUTS_MD, re.DOTALL)
NOT_CHECKED = re.compile(r"^(?:checker: |  )not checked: (\S+) needs ", re.MULTILINE)
CASE_OBLIGATIONS = frozenset(o.id for o, _ in load_profile("lancashire").case_obligations)
#: Worked out from the formats' columns (docs/inputs.md): the lancashire obligations each cannot carry.
#: SSDA903 holds no pathway plan review date; List 9 no period of care (looked_after_since,
#: ceased_looked_after_on) and no custody (in_custody, custody_started_on); the SSD alone none of the
#: housing, release, consent, duty to refer or extended columns, nor disputes.
UNCARRIED = {
    "csv": frozenset(),
    "ssd_postgres": frozenset(),
    "ssd_sqlite": frozenset(),
    "ssda903": frozenset({"pathway-plan-review"}),
    "annex_a": frozenset({"housing-register-initial", "pathway-plan-review", "custody-release-review",
                          "housing-panel", "housing-options-meeting", "host-area-registration"}),
    "ssd_alone": CASE_OBLIGATIONS | {"dispute-escalation"},
}
Finding = Mapping[str, Any]
People = list[dict[str, str]]


def run(*args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def check() -> tuple[list[Finding], list[Finding], frozenset[str]]:
    """``checker check --format json`` on the default source: findings, data errors, obligations not checked."""
    out, err = run("check", "--as-of", AS_OF.isoformat(), "--format", "json")
    document = json.loads(out)
    return document["findings"], document["data_errors"], frozenset(NOT_CHECKED.findall(err))


def key(finding: Finding) -> tuple[str, str, str]:
    return finding["case_ref"], finding["obligation"], finding["ref"] or ""


def snippet(kind: str) -> str:
    """docs/inputs.md's settings for a base of ``kind``, with its supplements' when it names them."""
    found = [s for s in SNIPPETS if f'kind = "{kind}"' in s and "[sources." in s]
    assert len(found) == 1, kind
    if "supplements = " in found[0]:
        return found[0] + next(s for s in SNIPPETS if "[supplements.events]" in s)
    return found[0]


def written(way: str, folder: Path, people: People, request: pytest.FixtureRequest) -> None:
    """The caseload written ``way`` where docs/inputs.md's settings for it say, and those settings."""
    kind = "ssd" if way.startswith("ssd_") else way
    text = snippet(kind)
    if kind == "ssd":
        url = (request.getfixturevalue("fresh_postgres_url") if way == "ssd_postgres"
               else f"sqlite:///{folder / 'ssd.sqlite'}")
        text = re.sub(r'^url = "[^"]*"', f'url = "{url}"', text, flags=re.MULTILINE)
    if way == "ssd_alone":
        text = re.sub(r"^supplements = .*$", "", text, flags=re.MULTILINE).split("[supplements.")[0]
    (folder / "checker.toml").write_text(text, encoding="utf-8")
    settings = tomllib.loads(text)
    entry = settings["sources"][settings["default_source"]]
    if kind == "csv":
        write_canonical(folder / entry["cases"], people)
        write_disputes(folder / entry["disputes"])
    elif kind == "ssd":
        engine = create_engine(entry["url"])
        try:
            write_ssd(engine, create_ssd(engine), people)
        finally:
            engine.dispose()
    elif kind == "ssda903":
        write_ssda903(folder / entry["folder"], people)
    else:
        write_annex_a(folder / entry["workbook"], people)
    for part in entry.get("supplements", ()):
        supplement = settings["supplements"][part]
        if supplement["kind"] == "events":
            write_events(folder / supplement["cases"], people)
            write_disputes(folder / supplement["disputes"])
        else:
            write_staff(folder / supplement["path"])


def way_checked(way: str, people: People, tmp_path: Path, env: pytest.MonkeyPatch,
                request: pytest.FixtureRequest) -> tuple[list[Finding], list[Finding], frozenset[str]]:
    """``checker check`` of the caseload written ``way``, after ``checker sources check`` named the same
    obligations not checked."""
    folder = tmp_path / way
    folder.mkdir()
    written(way, folder, people, request)
    env.setenv("CHECKER_SETTINGS_FILE", str(folder / "checker.toml"))
    findings, errors, named = check()
    out, _ = run("sources", "check")
    assert frozenset(NOT_CHECKED.findall(out)) == named
    return findings, errors, named


@pytest.fixture
def canonical(tmp_path: Path, cli_env: pytest.MonkeyPatch,
              request: pytest.FixtureRequest) -> tuple[list[Finding], People]:
    people = caseload()
    findings, errors, named = way_checked("csv", people, tmp_path, cli_env, request)
    assert (errors, named) == ([], UNCARRIED["csv"])
    return findings, people


def test_the_canonical_csv_gives_the_due_dates_worked_out_by_hand(
        canonical: tuple[list[Finding], People]) -> None:
    findings, people = canonical
    assert len(people) == 40
    by_key = {key(f): f for f in findings}

    def due(case_ref: str, obligation: str, ref: str = "") -> tuple[str, str, int]:
        found = by_key[(case_ref, obligation, ref)]
        return found["status"], found["due_date"], found["working_days_overdue"]

    # 1001: born 31 Jul 2010, in care since 2015: at 16 (31 Jul 2026) in care, so A = 31 Jul 2026. The
    # register is due 3 months on, Sat 31 Oct 2026: overdue from Mon 2 Nov, 16 working days to Mon 23 Nov.
    assert due("1001", "housing-register-initial") == ("overdue", "2026-10-31", 16)
    # The housing panel is due on the same day (A + 3 months); the pathway plan 6 months after A, 31 Jan 2027.
    assert due("1001", "housing-panel") == ("overdue", "2026-10-31", 16)
    assert due("1001", "pathway-plan-review") == ("pending", "2027-01-31", 0)
    # Dispute D1 reached stage 2 on Wed 18 Nov: 2 working days, due Fri 20 Nov; Mon 23 Nov is 1 day over.
    assert due("1001", "dispute-escalation", "D1") == ("overdue", "2026-11-20", 1)
    # 1002 joined the register on 1 Sep 2025: the renewal was due a year on, Tue 1 Sep 2026; 59 working days
    # to Mon 23 Nov (21 in September, 22 in October, 16 in November).
    assert due("1002", "housing-register-renewal") == ("overdue", "2026-09-01", 59)
    # 1003, in custody since 5 Jan 2026, is released on 10 Jan 2027: partners are invited 3 months before,
    # by Sat 10 Oct 2026; overdue from Mon 12 Oct: 15 working days in October, 16 in November to Mon 23.
    assert due("1003", "custody-release-review") == ("overdue", "2026-10-10", 31)
    # 1004, 20, threatened with homelessness on Wed 18 Nov: the Duty to Refer is due a working day later,
    # Thu 19 Nov; Fri 20 and Mon 23 Nov are 2 working days over. The move of Mon 21 Dec is planned 28 days
    # before, by Mon 23 Nov, the as-of date itself: pending.
    assert due("1004", "duty-to-refer") == ("overdue", "2026-11-19", 2)
    assert due("1004", "planned-move") == ("pending", "2026-11-23", 0)
    # The drawn caseload reaches every obligation of the profile, with each status at least once.
    assert {f["obligation"] for f in findings} == CASE_OBLIGATIONS | {"dispute-escalation"}
    assert {f["status"] for f in findings} == {"met", "pending", "overdue"}


@pytest.mark.parametrize("way", ["ssd_postgres", "ssd_sqlite", "ssda903", "annex_a", "ssd_alone"])
def test_each_way_gives_the_csv_findings_for_what_it_carries_and_names_the_rest(
        way: str, canonical: tuple[list[Finding], People], tmp_path: Path,
        cli_env: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    expected, people = canonical
    assert len({p["case_ref"] for p in people if p.get("in_custody")}) >= 2
    findings, errors, named = way_checked(way, people, tmp_path, cli_env, request)
    # Alone, the SSD has custody but no release date: a data error for each young person in custody.
    in_custody = {p["case_ref"] for p in people if p.get("in_custody")} if way == "ssd_alone" else set()
    assert sorted((e["case_ref"], e["field"]) for e in errors) == sorted((c, "release_date") for c in in_custody)
    assert named == UNCARRIED[way]
    carried = sorted((f for f in expected if f["obligation"] not in named), key=key)
    assert carried or way == "ssd_alone"  # something to compare in every way that carries any obligation
    assert sorted((f for f in findings if f["obligation"] not in named), key=key) == carried
    # What it cannot carry is never reported met: its completing column reads as empty.
    assert not [f for f in findings if f["obligation"] in named and f["status"] == "met"]
