"""What a tick writes: nothing but its run record on an unchanged caseload, exactly the changed rows otherwise.

Counted two ways, on SQLite and PostgreSQL: every INSERT, UPDATE and DELETE the tick sends is caught by a
cursor listener with the rows it touched (so an UPDATE that rewrites a row with the same values counts
too), and the tables are compared row by row before and after.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, event, select, update
from support.caseload import custody_case, write_csv
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.settings import RoutingSettings, Settings
from checker.sources import CsvSource
from checker.state.database import open_database, upgrade
from checker.state.schema import data_error_log, due_occurrence, instance_event, metadata, obligation_instance, run

MONDAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TRACKED = (obligation_instance, instance_event, due_occurrence, data_error_log)
_TARGET = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> App:
    settings = Settings(state_url=empty_state_url(request, tmp_path),
                        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                                head_of_service="hos@example.org"))
    return App.from_settings(settings)


class Writes:
    """The rows each INSERT, UPDATE or DELETE touched, by table, while counting."""

    def __init__(self, app: App) -> None:
        self.rows: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        event.listen(app.engine, "after_cursor_execute", self._seen)
        self.engine = app.engine

    def _seen(self, _conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any,
              executemany: bool) -> None:
        target = _TARGET.match(statement)
        if target is None:
            return
        table = target.group(1)
        touched = cursor.rowcount
        if touched < 0 or (touched == 0 and " RETURNING " in statement.upper() and isinstance(parameters, tuple)):
            # SQLite counts an INSERT ... RETURNING only once its rows are read: count its rows of values (the
            # parameters of several rows come flattened into one statement)
            columns = statement.split("(", 1)[1].split(")", 1)[0].count(",") + 1
            flattened = bool(parameters) and not isinstance(parameters[0], (tuple, list, dict))
            touched = len(parameters) // columns if flattened else len(parameters)
        self.rows[table] += touched
        self.statements[table] += 1

    def close(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self._seen)


@pytest.fixture
def writes(app: App) -> Iterator[Writes]:
    counter = Writes(app)
    yield counter
    counter.close()


def tick(app: App, tmp_path: Path, rows: list[dict[str, str]], as_of: date = MONDAY,
         now: datetime = NOON, guarded: bool = True) -> Any:
    cases = write_csv(tmp_path / "cases.csv", rows)
    return app.tick(CsvSource(cases, None), guarded=guarded).plan(as_of, now, digests=False)


def snapshot(app: App, tables: Sequence[Table] = TRACKED) -> dict[str, dict[Any, tuple[Any, ...]]]:
    with app.engine.connect() as connection:
        return {table.name: {row[0]: tuple(row) for row in connection.execute(select(table))}
                for table in tables}


def diff(before: dict[str, dict[Any, tuple[Any, ...]]],
         after: dict[str, dict[Any, tuple[Any, ...]]]) -> dict[str, tuple[int, int, int]]:
    """(inserted, updated, deleted) rows by table, where any changed."""
    out = {}
    for name, old in before.items():
        new = after[name]
        counts = (len(new.keys() - old.keys()), sum(1 for k in old.keys() & new.keys() if old[k] != new[k]),
                  len(old.keys() - new.keys()))
        if any(counts):
            out[name] = counts
    return out


def caseload() -> list[dict[str, str]]:
    """Ten cases in custody, each with one open pre-release review (due three months before release).

    C0 to C6: released 16 Feb 2027, the review due Mon 16 Nov 2026: overdue on the 23rd, so reminders exist.
    C7, C8: released 1 Jun 2027, the review due Mon 1 Mar 2027: not yet due, nothing to tell.
    C9: in custody with no release date: a data error (the case is flagged, its review not reported).
    """
    rows = [custody_case(f"C{n}", "2027-02-16") for n in range(7)]
    rows += [custody_case("C7", "2027-06-01"), custody_case("C8", "2027-06-01"), custody_case("C9", "")]
    return rows


def test_an_unchanged_tick_writes_nothing_but_its_run_record(app: App, tmp_path: Path, writes: Writes) -> None:
    first = tick(app, tmp_path, caseload())
    assert first.planned > 0
    assert writes.rows["obligation_instance"] == 9  # C9's review cannot be counted: no instance
    assert writes.rows["data_error_log"] == 1
    writes.rows.clear()
    writes.statements.clear()
    everything = [table for table in metadata.sorted_tables if table is not run]
    before = snapshot(app, everything)
    second = tick(app, tmp_path, caseload(), now=NOON + timedelta(hours=1))
    assert (second.planned, second.closed, second.findings) == (0, 0, 9)
    assert diff(before, snapshot(app, everything)) == {}  # no row of any table but the run log differs
    assert writes.rows["run"] == 2  # started, then finished
    for table in TRACKED:  # and nothing was even sent to these tables to rewrite
        assert writes.statements[table.name] == 0, table.name


def test_a_changed_tick_writes_exactly_the_changes(app: App, tmp_path: Path, writes: Writes) -> None:
    tick(app, tmp_path, caseload())
    with app.engine.connect() as connection:
        kept = connection.execute(select(obligation_instance).where(obligation_instance.c.case_ref == "C6")).one()
    before = snapshot(app)
    writes.rows.clear()
    changed = caseload()
    changed[7] = custody_case("C7", "2027-06-08")  # the review moves from 1 to 8 March (still not due)
    changed[8] = custody_case("C8", "2027-06-01", adviser="pa.two@example.org")  # another adviser
    changed[6] = custody_case("C6", "2027-02-16", date_of_birth="31/02/2006")  # rejected: bad date of birth
    del changed[5]  # C5 is no longer in the source
    report = tick(app, tmp_path, changed, now=NOON + timedelta(hours=1))
    assert report.closed == 1
    # C7 (due date), C8 (adviser) updated and C5 closed; C6 (rejected) and C0-C4 (unchanged) not touched.
    # Events: C7 due_date_changed, C5 closed. Occurrences: C7's 1 March row superseded and an 8 March row
    # added; C8's row takes the new adviser; C5's row closed. Data errors: C6's date of birth is new (C9's
    # missing release date is still open: not rewritten).
    assert diff(before, snapshot(app)) == {"obligation_instance": (0, 3, 0), "instance_event": (2, 0, 0),
                                           "due_occurrence": (1, 3, 0), "data_error_log": (1, 0, 0)}
    assert {t: writes.rows[t.name] for t in TRACKED} == {obligation_instance: 3, instance_event: 2,
                                                         due_occurrence: 4, data_error_log: 1}
    with app.engine.connect() as connection:
        rows = {r.case_ref: r for r in connection.execute(select(obligation_instance))}
        events = sorted((e.instance_id, e.event, e.old_value, e.new_value)
                        for e in connection.execute(select(instance_event).where(instance_event.c.run_id == 2)))
    assert rows["C6"] == kept  # rejected for bad data: open and exactly as it was
    assert rows["C5"].closed_at == NOON + timedelta(hours=1)
    assert rows["C7"].due_date == date(2027, 3, 8)
    assert rows["C8"].adviser_email == "pa.two@example.org"
    assert rows["C1"].last_seen_run == 1  # the run that last changed it
    assert events == sorted([(rows["C7"].id, "due_date_changed", "2027-03-01", "2027-03-08"),
                             (rows["C5"].id, "closed", None, None)])


def test_a_case_gone_from_the_source_closes_and_one_back_reopens(app: App, tmp_path: Path, writes: Writes) -> None:
    ten = caseload()
    tick(app, tmp_path, ten)
    tick(app, tmp_path, [r for r in ten if r["case_ref"] != "C7"], now=NOON + timedelta(hours=1))
    before = snapshot(app)
    writes.rows.clear()
    report = tick(app, tmp_path, ten, now=NOON + timedelta(hours=2))
    assert report.closed == 0
    with app.engine.connect() as connection:
        c7 = connection.execute(select(obligation_instance).where(obligation_instance.c.case_ref == "C7")).one()
        history = [e.event for e in connection.execute(select(instance_event.c.event)
                                                        .where(instance_event.c.instance_id == c7.id)
                                                        .order_by(instance_event.c.id))]
        states = connection.execute(select(due_occurrence.c.state)
                                    .where(due_occurrence.c.instance_id == c7.id)).scalars().all()
    assert c7.closed_at is None
    assert history == ["first_seen", "closed", "reopened"]
    assert states == ["open"]  # the same due date: its row opens again
    assert diff(before, snapshot(app)) == {"obligation_instance": (0, 1, 0), "instance_event": (1, 0, 0),
                                           "due_occurrence": (0, 1, 0)}


def test_a_case_flagged_for_bad_data_keeps_what_it_did_not_report(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, caseload())
    broken = caseload()
    broken[0] = custody_case("C0", "")  # the release date went: a data error, the review not reported
    before = snapshot(app)
    report = tick(app, tmp_path, broken, now=NOON + timedelta(hours=1))
    assert (report.closed, report.data_errors) == (0, 2)
    assert diff(before, snapshot(app)) == {"data_error_log": (1, 0, 0)}


def test_rows_written_before_fingerprints_are_rewritten_once(app: App, tmp_path: Path) -> None:
    """After the upgrade that adds the column, the first tick rewrites each instance once, then none."""
    tick(app, tmp_path, caseload())
    with app.engine.begin() as connection:
        connection.execute(update(obligation_instance).values(fingerprint=None))
    before = snapshot(app)
    tick(app, tmp_path, caseload(), now=NOON + timedelta(hours=1))
    middle = snapshot(app)
    assert diff(before, middle) == {"obligation_instance": (0, 9, 0)}  # no event: nothing it says changed
    tick(app, tmp_path, caseload(), now=NOON + timedelta(hours=2))
    assert diff(middle, snapshot(app)) == {}


def test_a_fixed_data_error_keeps_the_last_tick_that_saw_it(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, caseload())
    tick(app, tmp_path, caseload(), as_of=MONDAY + timedelta(days=1), now=NOON + timedelta(days=1))
    before = snapshot(app)
    fixed = caseload()
    fixed[9] = custody_case("C9", "2027-06-01")
    tick(app, tmp_path, fixed, as_of=MONDAY + timedelta(days=3), now=NOON + timedelta(days=3))
    with app.engine.connect() as connection:
        (row,) = connection.execute(select(data_error_log)).all()
        runs = connection.execute(select(run.c.as_of).order_by(run.c.id)).scalars().all()
    assert runs == [MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=3)]
    assert (row.first_seen_on, row.last_seen_on, row.fixed_on, row.days_unfixed) == (
        MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=3), 3)
    assert diff(before, snapshot(app))["data_error_log"] == (0, 1, 0)


_PRINT = """
from datetime import date
from checker.state.instances import fingerprint, initials, person_code
from rules.records import CaseRecord, Finding, Role, Status
case = CaseRecord("C1", date(2006, 3, 1), given_name="Sam", family_name="Khan", adviser_email="pa@example.org",
                  team="North")
finding = Finding("C1", "custody-release-review", None, Status.OVERDUE, date(2026, 11, 16), None, Role.ADVISER,
                  Role.MANAGER, "000 s14", 5, anchor=date(2027, 2, 16))
print(fingerprint(person_code(case, initials(case)), finding))
"""


def test_a_fingerprint_is_the_same_in_every_process() -> None:
    """It is stored and compared by later ticks: Python's per-process hash seed must not change it."""
    prints = {subprocess.run([sys.executable, "-c", _PRINT], env={**os.environ, "PYTHONHASHSEED": seed},
                             capture_output=True, text=True, check=True).stdout for seed in ("1", "2", "random")}
    assert len(prints) == 1
    assert -(2**63) <= int(prints.pop()) < 2**63


@pytest.mark.postgres
def test_postgresql_statements_are_never_prepared_on_the_server(fresh_postgres_url: str) -> None:
    """A plan prepared while the tables were empty would be kept as they grew (a whole-table scan per look-up)."""
    engine = open_database(fresh_postgres_url)
    upgrade(engine)
    with engine.connect() as connection:
        for _ in range(10):  # psycopg would prepare after 5 runs of the same statement
            connection.execute(select(run.c.id).where(run.c.id == 1))
        driver = connection.connection.driver_connection
        assert driver is not None
        assert driver.prepare_threshold is None
        prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements").scalar()
    assert prepared == 0
