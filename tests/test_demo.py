"""``checker demo``: the synthetic caseload, its case-management database and queries, and the command.

The generator must be deterministic, stream, and keep everyone 14 to 25 on the as-of date; the demo
queries must give back exactly one row per young_person row (the canonical rows that went in); and the
same caseload checked through the SQLite demo database, through PostgreSQL and from CSV files must give
the same findings and data errors.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import closing
from datetime import date
from email import message_from_bytes, policy
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine

from checker.cli import main
from checker.demo import database
from checker.demo.bad_input import KINDS, BadInput
from checker.demo.caseload import AGES, CORE_CASE_FIELDS, generate
from checker.demo.files import write_caseload
from checker.engine import Evaluation
from checker.paths import bundled_config_dir
from checker.profiles import load_profile
from checker.report import error_document, finding_document
from checker.sources import CsvSource, Source, SqlSource, read_query
from rules.calendar import age_on
from rules.records import CASE_COLUMNS

AS_OF = date(2026, 11, 23)
SEED = 3
N = 300
QUERIES = bundled_config_dir() / "sql"


def demo_source(url: str) -> SqlSource:
    return SqlSource(url, read_query(QUERIES / "demo_cases.sql"), read_query(QUERIES / "demo_disputes.sql"))


def canonical(document: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Findings and data errors of a §5 document, order-free."""
    def dump(items: Iterable[Any]) -> list[str]:
        return sorted(json.dumps(item, sort_keys=True) for item in items)

    return dump(document["findings"]), dump(document["data_errors"])


def evaluate(source: Source) -> tuple[list[str], list[str]]:
    evaluation = Evaluation(source, load_profile("lancashire"), AS_OF)
    findings = [finding_document(f) for r in evaluation.results() for f in r.findings]
    return canonical({"findings": findings, "data_errors": [error_document(e) for e in evaluation.data_errors]})


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- The generator --------------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_caseload() -> None:
    first = [list(rows) for rows in generate(500, AS_OF, SEED)]
    again = [list(rows) for rows in generate(500, AS_OF, SEED)]
    other = [list(rows) for rows in generate(500, AS_OF, SEED + 1)]
    assert first == again
    assert first[0] != other[0]
    assert len(first[0]) == 500
    assert first[1], "some young people have disputes"


def test_rows_are_made_lazily() -> None:
    cases, disputes = generate(10**9, AS_OF, SEED)
    assert len(list(islice(cases, 5))) == 5
    assert len(list(islice(disputes, 5))) == 5


@pytest.mark.parametrize("as_of", [AS_OF, date(2028, 2, 29), date(2027, 3, 1), date(2025, 12, 31)])
def test_everyone_is_14_to_25_on_the_as_of_date(as_of: date) -> None:
    cases, _ = generate(3000, as_of, SEED, bad_rows=False)
    births = [date.fromisoformat(str(row["date_of_birth"])) for row in cases]
    ages = Counter(age_on(born, as_of) for born in births)
    assert set(ages) == set(AGES)
    assert any((born.month, born.day) == (2, 29) for born in births), "29 February birthdays are exercised"


def test_core_only_rows_have_the_core_columns() -> None:
    cases, _ = generate(20, AS_OF, SEED, extended=False)
    assert all(tuple(row) == CORE_CASE_FIELDS for row in cases)


def test_broken_rows_are_a_small_share_and_cover_every_kind() -> None:
    small = BadInput(N, AS_OF)
    assert {small.kind_at(i) for i in range(N)} - {None} == set(KINDS)
    large = BadInput(100_000, AS_OF)
    assert 0.01 <= sum(1 for i in range(100_000) if large.kind_at(i)) / 100_000 <= 0.02
    assert not any(BadInput(0, AS_OF).kind_at(i) for i in range(N))


# --- The database and its queries -----------------------------------------------------------------

def test_the_queries_give_back_one_row_per_young_person(tmp_path: Path) -> None:
    cases, disputes = (list(rows) for rows in generate(N, AS_OF, SEED))
    url, people, logged = database.write_sqlite(tmp_path / "demo.sqlite", iter(cases), iter(disputes))
    assert (people, logged) == (len(cases), len(disputes))
    source = demo_source(url)
    assert source.case_columns() == frozenset(CASE_COLUMNS)
    rows = list(source.case_rows())
    assert len(rows) == N

    def key(row: Mapping[str, Any]) -> str:
        return json.dumps({k: None if v is None else str(v) for k, v in row.items()}, sort_keys=True)

    assert sorted(map(key, rows)) == sorted(map(key, cases)), "every value comes back as it went in"
    assert sorted(map(key, source.dispute_rows())) == sorted(map(key, disputes))
    repeated = [ref for ref, count in Counter(row["case_ref"] for row in rows).items() if count > 1]
    assert repeated, "the duplicated case_ref comes from two young_person rows"
    with closing(sqlite3.connect(tmp_path / "demo.sqlite")) as db:
        assert db.execute("SELECT COUNT(*) FROM young_person WHERE person_ref = ?", repeated[:1]).fetchone() == (2,)


def test_the_most_recently_recorded_care_episode_counts(tmp_path: Path) -> None:
    url, _, _ = database.write_sqlite(tmp_path / "demo.sqlite", *generate(20, AS_OF, SEED, bad_rows=False))
    with closing(sqlite3.connect(tmp_path / "demo.sqlite")) as db, db:
        person_ref = db.execute("SELECT person_ref FROM young_person WHERE id = 1").fetchone()[0]
        db.execute("INSERT INTO care_episode (young_person_id, started_on) VALUES (1, '2026-10-01')")
    rows = list(demo_source(url).case_rows())
    assert len(rows) == 20
    mine = next(row for row in rows if row["case_ref"] == person_ref)
    assert (mine["looked_after_since"], mine["ceased_looked_after_on"]) == ("2026-10-01", None)


def test_postgresql_gives_the_same_findings_as_csv(fresh_postgres_url: str, tmp_path: Path) -> None:
    engine = create_engine(fresh_postgres_url)
    try:
        database.load(engine, *generate(N, AS_OF, SEED))
    finally:
        engine.dispose()
    cases, disputes = write_caseload(tmp_path, N, AS_OF, SEED)
    assert evaluate(demo_source(fresh_postgres_url)) == evaluate(CsvSource(cases, disputes))


def test_a_row_the_schema_cannot_hold_is_refused(tmp_path: Path) -> None:
    cases, _ = generate(2, AS_OF, SEED, bad_rows=False)
    first, second = list(cases)
    second["team"], second["manager_email"] = first["team"], "tm.someone.else@example.org"
    with pytest.raises(ValueError, match="is managed by"):
        database.write_sqlite(tmp_path / "demo.sqlite", [first, second], [])


# --- The command ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as env:  # per-item messages (the demo's go-live: tests/test_go_live.py)
        env.setenv("CHECKER_GO_LIVE__SUMMARY", "false")
        result = invoke("demo", "--dir", str(folder), "--cases", str(N), "--as-of", AS_OF.isoformat(),
                        "--seed", str(SEED), "--format", "json")
    return result, folder


def test_demo_reports_findings_and_the_deliberate_data_errors(demo_run: tuple[Result, Path]) -> None:
    result, folder = demo_run
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["as_of"] == AS_OF.isoformat()
    findings = document["findings"]
    assert {f["status"] for f in findings} == {"met", "pending", "overdue"}
    assert {f["obligation"] for f in findings} >= {"housing-register-initial", "housing-register-renewal",
                                                    "pathway-plan-review", "dispute-escalation"}
    messages = [(e["field"], e["message"]) for e in document["data_errors"]]
    expected = {
        "date_of_birth": "is after the as-of date", "pathway_plan_reviewed_on": "'2025/13/45' is not a date",
        "case_ref": "appears on more than one row", "adviser_email": "is not an email address",
        "support_requested_after_21": "'maybe' is not true/false", "looked_after_since": "is before the date of birth",
        "ceased_looked_after_on": "is before looked_after_since",
    }
    for field, text in expected.items():
        assert any(f == field and text in m for f, m in messages), (field, text)
    assert any(re.search(r"'\d{8}' is not a date", m) for _, m in messages), "a date written 20250115"
    assert any(e["dispute_ref"] and "is not in the cases input" in e["message"] for e in document["data_errors"])
    assert (folder / "demo.sqlite").is_file()
    assert str((folder / "demo.sqlite").resolve()) in result.stderr
    assert "CHECKER_SOURCES__DEMO__URL=" in result.stderr


def test_demo_through_sqlite_equals_the_same_caseload_from_csv(demo_run: tuple[Result, Path],
                                                               tmp_path: Path) -> None:
    result, _ = demo_run
    cases, disputes = write_caseload(tmp_path, N, AS_OF, SEED)
    from_csv = invoke("check", "--format", "json", "--cases", str(cases), "--disputes", str(disputes),
                      "--as-of", AS_OF.isoformat())
    assert from_csv.exit_code == 0, from_csv.output
    assert canonical(json.loads(result.stdout)) == canonical(json.loads(from_csv.stdout))


def test_the_printed_settings_let_explain_read_the_demo_database(demo_run: tuple[Result, Path],
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    result, _ = demo_run
    monkeypatch.chdir(tmp_path)  # no checker.toml or .env of the developer's
    for name, value in re.findall(r"export (CHECKER_\w+)=(\S+)", result.stderr):
        monkeypatch.setenv(name, value)
    command = re.search(r"checker (explain \S+ --source demo --as-of \S+)", result.stderr)
    assert command is not None
    explained = invoke(*command.group(1).split())
    assert explained.exit_code == 0, explained.output
    assert "housing-register-initial" in explained.stdout


def test_demo_table_replaces_the_old_database(tmp_path: Path) -> None:
    for count in (40, 25):
        result = invoke("demo", "--dir", str(tmp_path), "--cases", str(count), "--as-of", AS_OF.isoformat())
        assert result.exit_code == 0, result.output
        assert f"As of {AS_OF}:" in result.stdout
        assert "checker explain" in result.stdout
        with closing(sqlite3.connect(tmp_path / "demo.sqlite")) as db:
            assert db.execute("SELECT COUNT(*) FROM young_person").fetchone() == (count,)


def test_demo_cannot_write_into_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = invoke("demo", "--dir", str(blocker / "inside"), "--cases", "10", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 2
    assert "cannot write the demo database" in result.stderr


# --- What the demo delivers to the local sink -----------------------------------------------------

def demo_names(folder: Path) -> set[str]:
    with closing(sqlite3.connect(folder / "demo.sqlite")) as db:
        return {f"{g} {f}" for g, f in db.execute("SELECT given_name, family_name FROM young_person")
                if g and f}


def test_demo_delivers_reminders_digests_and_team_cards_to_the_sink(demo_run: tuple[Result, Path]) -> None:
    result, folder = demo_run
    sink = folder / "outbox"
    assert f"{sink.resolve()}/" in result.stderr
    delivered = re.search(r"Delivered (\d+);", result.stderr)
    assert delivered is not None
    emails, cards = sorted(sink.glob("*.eml")), sorted(sink.glob("*.json"))
    assert len(emails) + len(cards) == int(delivered.group(1)) > 0
    parsed = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in emails]
    subjects = [(str(m["To"]), str(m["Subject"])) for m in parsed]
    assert any(to.startswith("pa.") for to, _ in subjects), "reminders to personal advisers"
    assert any(to.startswith("tm.") and "Weekly overdue digest" in s for to, s in subjects), "digests"
    assert any("could not be checked" in s for _, s in subjects), "the operator's data-error alert"
    assert cards, "Teams channel cards"
    names = demo_names(folder)
    for card in cards:  # channel cards carry initials and case references, never names
        text = card.read_text(encoding="utf-8")
        assert json.loads(text)["type"] == "message"
        assert not [n for n in names if n in text], card.name
    for message in parsed:  # subjects never carry names, and only the adviser's own email may
        assert not [n for n in names if n in str(message["Subject"])]
        if not str(message["To"]).startswith("pa."):
            body = message.get_body(("plain",)).get_content()
            assert not [n for n in names if n in body], message["To"]


def test_running_the_demo_again_starts_the_state_and_the_sink_afresh(tmp_path: Path) -> None:
    for _ in range(2):
        result = invoke("demo", "--dir", str(tmp_path), "--cases", "40", "--as-of", AS_OF.isoformat())
        assert result.exit_code == 0, result.output
        assert "Tick 1 " in result.stdout  # a fresh state database each time
    delivered = re.search(r"Delivered (\d+);", result.stdout)
    assert delivered is not None
    assert len(list((tmp_path / "outbox").iterdir())) == int(delivered.group(1))


# --- every shipped profile: its whole list of obligations shows in the demo ----------------------------------------


@pytest.mark.parametrize("profile", ["lancashire", "kent", "bcp", "luton", "national"])
def test_the_demo_exercises_every_obligation_of_each_shipped_profile(tmp_path: Path, profile: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke("demo", "--dir", str(tmp_path / "demo"), "--cases", "400", "--as-of", "2026-03-02",
                    "--profile", profile, "--format", "json")
    assert result.exit_code == 0, result.output
    found = {f["obligation"] for f in json.loads(result.stdout)["findings"]}
    assert found == {o.id for o in load_profile(profile).obligations}
    # The printed commands check the same profile again.
    command = re.search(r"checker (explain \S+ --source demo --as-of \S+.*?)   \(or", result.stderr)
    assert command is not None
    assert (f"--profile {profile}" in command.group(1)) is (profile != "lancashire")
    monkeypatch.chdir(tmp_path)
    for name, value in re.findall(r"export (CHECKER_\w+)=(\S+)", result.stderr):
        monkeypatch.setenv(name, value)
    explained = invoke(*command.group(1).split())
    assert explained.exit_code == 0, explained.output


def test_the_demo_runs_an_authoritys_own_profile_file(tmp_path: Path) -> None:
    # The tick loads the profile again from the settings: by its path, not by the name inside the file.
    own = tmp_path / "profiles" / "mine.toml"
    own.parent.mkdir()
    own.write_text((bundled_config_dir() / "profiles" / "kent.toml").read_text().replace('name = "kent"',
                                                                                          'name = "mine"'))
    result = invoke("demo", "--dir", str(tmp_path / "demo"), "--cases", "40", "--as-of", "2026-03-02",
                    "--profile", str(own), "--format", "json")
    assert result.exit_code == 0, result.output
    found = {f["obligation"] for f in json.loads(result.stdout)["findings"]}
    assert found <= {o.id for o in load_profile("kent").obligations}
    assert f"--profile {own}" in result.stderr
