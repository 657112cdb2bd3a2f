"""Impossible dates are errors, not evidence (docs/input.md, "Bad input"; issue 9, item 4).

As of Monday 23 November 2026. G1 (born 10 May 2009, in care since 2015) is the good case beside each bad
record: A = 10 May 2025, so the register was due 10 Aug 2025 (overdue) and the review 10 Nov 2025.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.caseload import custody_case, write_csv, write_rows
from support.ticks import StateEnv, state_env
from test_bad_input import DATE_COLUMNS, DISPUTE_HEADER, GOOD, GOOD_DISPUTE, evaluate, rejected

from checker.profiles import Profile, load_profile
from rules.records import Status

PLANNED = {"release_date", "planned_move_on"}
CARE_PERIOD = {"looked_after_since", "ceased_looked_after_on"}
TOMORROW = "2026-11-24"


@pytest.fixture(scope="module")
def lancashire() -> Profile:
    return load_profile("lancashire")


def one(column: str, value: str) -> dict[str, str]:
    row = {"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01"}
    return {**row, column: value}


@pytest.mark.parametrize("column", sorted(set(DATE_COLUMNS) - PLANNED - CARE_PERIOD))
def test_a_done_date_after_the_as_of_date_is_a_data_error_and_reads_as_empty(tmp_path: Path, lancashire: Profile,
                                                                              column: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [one(column, TOMORROW)])
    assert "after the as-of date" in outcome.error("C1", None, column)
    # The case is still evaluated, as if the cell were empty: the register is overdue, not met.
    initial = outcome.of("C1")[("housing-register-initial", None)]
    assert initial.status is Status.OVERDUE
    assert initial.completed_on is None
    outcome.good_is_evaluated()


@pytest.mark.parametrize("column", sorted(CARE_PERIOD))
def test_a_period_in_care_starting_or_ending_after_the_as_of_date_rejects_the_case(
        tmp_path: Path, lancashire: Profile, column: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [one(column, TOMORROW)])
    assert "after the as-of date" in outcome.error("C1", None, column)
    rejected(outcome, "C1")
    outcome.good_is_evaluated()


@pytest.mark.parametrize("column", sorted(PLANNED))
def test_planned_events_may_be_after_the_as_of_date(tmp_path: Path, lancashire: Profile, column: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [one(column, "2027-03-10")])
    assert not [e for e in outcome.errors if e.case_ref == "C1"]
    assert outcome.of("C1")


@pytest.mark.parametrize(("dob", "is_rejected"), [
    pytest.param("1900-01-01", True, id="placeholder"),
    pytest.param("1996-11-22", True, id="30-years-and-a-day"),
    pytest.param("1996-11-23", False, id="exactly-30-years"),  # 25 or over: out of scope, but not an error
])
def test_a_date_of_birth_more_than_30_years_back_rejects_the_case(tmp_path: Path, lancashire: Profile,
                                                                   dob: str, is_rejected: bool) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", "date_of_birth": dob}])
    errors = [e for e in outcome.errors if e.case_ref == "C1"]
    if is_rejected:
        assert "more than 30 years before the as-of date" in outcome.error("C1", None, "date_of_birth")
        assert dob not in errors[0].message  # a date of birth is not quoted
    else:
        assert errors == []
    rejected(outcome, "C1")  # no findings either way
    outcome.good_is_evaluated()


def test_a_review_invitation_after_the_as_of_date_does_not_meet_the_release_review(tmp_path: Path,
                                                                                   lancashire: Profile) -> None:
    # Release 10 Mar 2027: the review was due 10 Dec 2026, pending on 23 Nov 2026 - not met on 1 Dec 2026.
    row = {"case_ref": "C1", "date_of_birth": "2006-03-01", "in_custody": "yes", "custody_started_on": "2026-01-05",
           "release_date": "2027-03-10", "release_review_invited_on": "2026-12-01"}
    outcome = evaluate(tmp_path, lancashire, [row])
    assert "after the as-of date" in outcome.error("C1", None, "release_review_invited_on")
    review = outcome.of("C1")[("custody-release-review", None)]
    assert (review.status, review.due_date.isoformat(), review.completed_on) == (Status.PENDING, "2026-12-10", None)


def test_a_dispute_stage_started_after_the_as_of_date_is_rejected(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [{"dispute_ref": "D1", "case_ref": "G1", "stage": "2",
                                                   "stage_started_on": TOMORROW}])
    assert "after the as-of date" in outcome.error("G1", "D1", "stage_started_on")
    assert ("dispute-escalation", "D1") not in outcome.of("G1")
    outcome.good_is_evaluated()


def test_a_dispute_resolved_after_the_as_of_date_stays_open(tmp_path: Path, lancashire: Profile) -> None:
    # Started Wed 18 Nov 2026: due Fri 20 Nov, overdue on Mon 23 Nov; "resolved" on 1 Dec is read as empty.
    outcome = evaluate(tmp_path, lancashire, [], [{"dispute_ref": "D1", "case_ref": "G1", "stage": "1",
                                                   "stage_started_on": "2026-11-18", "resolved_on": "2026-12-01"}])
    assert "after the as-of date" in outcome.error("G1", "D1", "resolved_on")
    escalation = outcome.of("G1")[("dispute-escalation", "D1")]
    assert (escalation.status, escalation.due_date.isoformat(), escalation.escalate_to_stage) == \
        (Status.OVERDUE, "2026-11-20", 2)


# -- the same rules in a tick, on SQLite and PostgreSQL --------------------------------------------------------

STATES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=STATES)
def env(request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StateEnv]:
    yield from state_env(request, cli_env, tmp_path)


def test_a_future_completion_never_meets_a_duty_in_a_tick(env: StateEnv, tmp_path: Path) -> None:
    # Release 10 Mar 2027, so the pre-release review was due 10 Dec 2026: pending on 23 Nov 2026.
    rows = [custody_case("C1", "2027-03-10"), custody_case("C2", "2027-03-10")]
    cases = write_csv(tmp_path / "cases.csv", rows)
    assert env.run_once(cases).exit_code == 0
    write_csv(cases, [{**rows[0], "release_review_invited_on": "2026-12-01"}, rows[1]])
    again = env.run_once(cases)
    assert again.exit_code == 0, again.output
    assert {(i.case_ref, i.status) for i in env.open_instances()} == {("C1", "pending"), ("C2", "pending")}
    checked = env.check(cases)
    assert "release_review_invited_on 2026-12-01 is after the as-of date" in checked.stdout


def test_a_future_stage_start_in_the_disputes_file_is_a_data_error_of_check(env: StateEnv, tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "cases.csv", [GOOD])
    disputes = write_rows(tmp_path / "disputes.csv", [GOOD_DISPUTE, {"dispute_ref": "D9", "case_ref": "G1",
                                                                      "stage": "1", "stage_started_on": TOMORROW}],
                          DISPUTE_HEADER)
    checked = env.check(cases, disputes=disputes)
    assert checked.exit_code == 0, checked.output
    assert '"dispute_ref": "D9", "field": "stage_started_on"' in checked.stdout
    ran = env.run_once(cases, disputes=disputes)
    assert ran.exit_code == 0, ran.output
    assert "D9" not in {i.ref for i in env.open_instances()}


@pytest.mark.parametrize(("row", "column"), [
    pytest.param({"date_of_birth": "10th May 2009"}, "date_of_birth", id="unparseable"),
    pytest.param({"date_of_birth": "31/02/2009"}, "date_of_birth", id="not-a-calendar-date"),
    pytest.param({"date_of_birth": "2009-05-10", "looked_after_since": "2009-05-01"}, "looked_after_since",
                 id="in-care-before-birth"),
])
def test_a_data_error_does_not_repeat_the_date_of_birth(tmp_path: Path, lancashire: Profile, row: dict[str, str],
                                                        column: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", **row}])
    message = outcome.error("C1", None, column)
    assert row["date_of_birth"] not in message
    assert "2009-05-10" not in message
    rejected(outcome, "C1")
