"""The source guard judges what was read, from the same read (issue 9, items 1 and 2), on SQLite and PostgreSQL.

A tick that would take a broken extract at its word aborts with nothing changed: the operator is told, and
``run --once`` exits 1. What counts is the cases evaluated in the tick (a rejected row or one without a
case_ref is not a case present), held against the last good tick; and every canonical column the last good
tick had must still be there. ``--accept-drop`` says the change is real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from support.caseload import COLUMNS, custody_case, write_csv
from support.ticks import StateEnv, state_env

from checker.app import App
from checker.planning.guard import TickAbortedError
from checker.settings import RoutingSettings, Settings
from checker.sources import CsvSource, SourceError
from checker.state.schema import obligation_instance, outbox, run

SOON = "2027-03-10"  # a release whose pre-release review is due within the lead time of 2026-11-23
MONDAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
STATES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STATES)
def env(request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StateEnv]:
    yield from state_env(request, cli_env, tmp_path)


def ten() -> list[dict[str, str]]:
    return [custody_case(f"C{n}", SOON, f"pa.{n}@example.org") for n in range(10)]


def first_good_tick(env: StateEnv, tmp_path: Path) -> Path:
    cases = write_csv(tmp_path / "cases.csv", ten())
    result = env.run_once(cases)
    assert result.exit_code == 0, result.output
    assert len(env.open_instances()) == 10
    return cases


def assert_nothing_changed(env: StateEnv, result: Any, reason: str) -> None:
    assert result.exit_code == 1, result.output
    assert reason in result.stderr
    assert "Traceback" not in result.output
    assert len(env.open_instances()) == 10  # no obligation closed
    assert [r.outcome for r in env.runs()][-1] == "aborted"
    assert "stopped before it changed anything" in env.mail()


def test_a_file_whose_case_refs_are_all_blank_aborts_the_tick(env: StateEnv, tmp_path: Path) -> None:
    """Before: "10 cases read (10 rejected) ... 10 obligations closed", exit 0."""
    cases = first_good_tick(env, tmp_path)
    write_csv(cases, [{**row, "case_ref": ""} for row in ten()])
    assert_nothing_changed(env, env.run_once(cases), "no case could be evaluated (10 rows read")


def test_half_the_rows_replaced_by_lines_of_commas_aborts_the_tick(env: StateEnv, tmp_path: Path) -> None:
    """Before: the first pass counted the comma lines as rows, so 10 of 10 "were there" and 5 closed."""
    cases = first_good_tick(env, tmp_path)
    lines = cases.read_text().splitlines()
    commas = "," * (len(COLUMNS) - 1)
    cases.write_text("\n".join([lines[0], *(commas if i % 2 else line for i, line in enumerate(lines[1:]))]) + "\n")
    assert_nothing_changed(env, env.run_once(cases), "5 cases were evaluated")


def test_rows_rejected_for_bad_data_do_not_count_as_present(env: StateEnv, tmp_path: Path) -> None:
    cases = first_good_tick(env, tmp_path)
    write_csv(cases, [{**row, "date_of_birth": "not a date"} if n < 3 else row for n, row in enumerate(ten())])
    assert_nothing_changed(env, env.run_once(cases), "7 cases were evaluated (10 rows read), 30% fewer")
    accepted = env.run_once(cases, "--accept-drop")
    assert accepted.exit_code == 0, accepted.output
    assert len(env.open_instances()) == 10  # the rejected cases' obligations are kept, not closed


def test_a_column_of_the_last_good_tick_missing_now_aborts_the_tick(env: StateEnv, tmp_path: Path) -> None:
    """A renamed export field read as empty in every row and closed the obligations it completes, silently."""
    cases = first_good_tick(env, tmp_path)
    renamed = [c if c != "release_date" else "Release Date" for c in COLUMNS]
    write_csv(cases, [{("Release Date" if k == "release_date" else k): v for k, v in row.items()} for row in ten()],
              renamed)
    result = env.run_once(cases)
    assert_nothing_changed(env, result, "the source has no cases.release_date column")
    accepted = env.run_once(cases, "--accept-drop")
    assert accepted.exit_code == 0, accepted.output
    assert "'release date' that checker does not know (did you mean release_date?)" in accepted.stdout
    assert json.loads(env.runs()[-1].columns)["cases"] == sorted(set(COLUMNS) - {"release_date"})


def test_an_unknown_column_close_to_a_known_one_is_reported_by_check_run_and_config_check(
        env: StateEnv, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    columns = [*COLUMNS, "pathway_plan_review_on", "notes"]
    cases = write_csv(tmp_path / "cases.csv", ten(), columns)
    hint = "'pathway_plan_review_on' that checker does not know (did you mean pathway_plan_reviewed_on?)"
    checked = env.check(cases)
    assert checked.exit_code == 0, checked.output
    assert hint in checked.stderr
    assert "'notes' that checker does not know; it is not read" in checked.stderr
    json.loads(checked.stdout)  # stdout is still the JSON document alone
    ran = env.run_once(cases)
    assert ran.exit_code == 0, ran.output
    assert hint in ran.stdout
    cli_env.setenv("CHECKER_SOURCES__EXPORT__KIND", "csv")
    cli_env.setenv("CHECKER_SOURCES__EXPORT__CASES", str(cases))
    configured = env.invoke("config", "check")
    assert "source export: FAILED" in configured.stdout
    assert "did you mean pathway_plan_reviewed_on?" in configured.stdout


# -- one read: the guard counts what was evaluated, not a pass of its own -----------------------------------


@pytest.fixture(params=STATES)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[App]:
    url = (request.getfixturevalue("fresh_postgres_url") if request.param == "postgres"
           else f"sqlite:///{tmp_path / 'state.sqlite'}")
    made = App.from_settings(Settings(state_url=url, routing=RoutingSettings(operator_email="ops@example.org")))
    yield made
    made.engine.dispose()


class RewrittenBetweenPasses(CsvSource):
    """A file rewritten after its case refs were read: the refs come from ``whole``, the rows from the file."""

    def __init__(self, cases: Path, whole: Path) -> None:
        super().__init__(cases)
        self.whole = whole

    def case_refs(self) -> Iterator[object]:
        return CsvSource(self.whole).case_refs()


def test_a_file_rewritten_between_passes_is_judged_on_what_was_evaluated(app: App, tmp_path: Path) -> None:
    """Before: the first pass counted the whole file, the second evaluated half, and half was closed."""
    whole = write_csv(tmp_path / "whole.csv", ten())
    assert app.tick(CsvSource(whole)).plan(MONDAY, NOON, digests=False).cases_read == 10
    half = write_csv(tmp_path / "half.csv", ten()[:5])
    with pytest.raises(TickAbortedError, match="5 cases were evaluated"):
        app.tick(RewrittenBetweenPasses(half, whole)).plan(MONDAY, NOON, digests=False)
    with app.engine.connect() as connection:
        still_open = connection.execute(obligation_instance.select().where(obligation_instance.c.closed_at.is_(None)))
        assert len(still_open.all()) == 10
        assert [r.outcome for r in connection.execute(run.select().order_by(run.c.id))] == ["ok", "aborted"]
        assert connection.execute(outbox.select().where(outbox.c.kind == "operator")).all()


def test_a_repeat_the_first_pass_did_not_see_stops_the_tick(app: App, tmp_path: Path) -> None:
    whole = write_csv(tmp_path / "whole.csv", ten())
    app.tick(CsvSource(whole)).plan(MONDAY, NOON, digests=False)
    repeated = write_csv(tmp_path / "repeated.csv", [*ten(), ten()[0]])
    with pytest.raises(SourceError, match="changed while they were read"):
        app.tick(RewrittenBetweenPasses(repeated, whole)).plan(MONDAY, NOON, digests=False)
    with app.engine.connect() as connection:
        assert [r.outcome for r in connection.execute(run.select().order_by(run.c.id))] == ["ok", "failed"]


# -- the run.columns migration ----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", STATES)
def test_a_state_database_from_before_run_columns_upgrades_and_its_next_tick_sets_the_baseline(
        request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    from test_leader import migrate  # noqa: PLC0415 - the alembic helper the lease migration's tests use

    from checker.state.database import open_database  # noqa: PLC0415 - as above

    url = (request.getfixturevalue("fresh_postgres_url") if backend == "postgres"
           else f"sqlite:///{tmp_path / 'state.sqlite'}")
    engine = open_database(url)
    migrate(engine, "0004")
    with engine.begin() as connection:  # a good tick of the old schema: no column set to compare with
        connection.exec_driver_sql("INSERT INTO run (kind, started_at, as_of, profile, source, outcome, cases_read, "
                                   "cases_rejected, findings, overdue, data_errors, planned, sent, failed, parked) "
                                   "VALUES ('tick', '2026-11-20 07:00:00', '2026-11-20', 'lancashire', 'csv', 'ok', "
                                   "10, 0, 0, 0, 0, 0, 0, 0, 0)")
    engine.dispose()
    app = App.from_settings(Settings(state_url=url, routing=RoutingSettings(operator_email="ops@example.org")))
    try:
        cases = write_csv(tmp_path / "cases.csv", ten())
        report = app.tick(CsvSource(cases)).plan(MONDAY, NOON, digests=False)
        assert report.cases_read == 10
        with app.engine.connect() as connection:
            last = connection.execute(run.select().order_by(run.c.id.desc())).first()
        assert last is not None
        assert json.loads(last.columns)["cases"] == sorted(COLUMNS)
        migrate(app.engine, "0004", down=True)  # and back down: the column goes, the runs stay
        with app.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM run").scalar() == 2
    finally:
        app.engine.dispose()
