"""The five core obligations of docs/input.md, dated case by dated case, through the real engine.

Each case is a CSV row written to a temporary folder and evaluated with the ``lancashire`` profile by
``checker.engine.Evaluation``. Every expected date is worked out by hand from the spec and written as
a literal: A is the later of the 16th birthday and ``looked_after_since`` (§3), months are added with
month-end clamping (§1), dispute stages last 2 working days in England and Wales (§1, §4), and owners
and escalation follow docs/profiles.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.caseload import write_rows

from checker.engine import Evaluation
from checker.profiles import Profile, load_profile
from checker.sources import CsvSource
from rules.records import DataError, Finding

Row = Mapping[str, str]
Expected = tuple[str, str, str | None] | None  # (status, due_date, completed_on), or None: not reported

INITIAL = "housing-register-initial"
RENEWAL = "housing-register-renewal"
REVIEW = "pathway-plan-review"
CUSTODY = "custody-release-review"
DISPUTE = "dispute-escalation"
CORE = frozenset({INITIAL, RENEWAL, REVIEW, CUSTODY, DISPUTE})
# The lancashire profile may switch on extended obligations too (tests/test_shipped_profiles.py); the tests
# here compare whole sets of findings over the core obligations only.


@pytest.fixture(scope="module")
def lancashire() -> Profile:
    return load_profile("lancashire")


def evaluate(folder: Path, profile: Profile, as_of: str, cases: Sequence[Row],
             disputes: Sequence[Row] | None = None) -> tuple[dict[tuple[str, str, str | None], Finding],
                                                              list[DataError]]:
    cases_csv = write_rows(folder / "cases.csv", cases)
    disputes_csv = None
    if disputes is not None:
        disputes_csv = write_rows(folder / "disputes.csv", disputes,
                                 ("dispute_ref", "case_ref", "stage", "stage_started_on", "resolved_on"))
    evaluation = Evaluation(CsvSource(cases_csv, disputes_csv), profile, date.fromisoformat(as_of))
    found = {(f.case_ref, f.obligation, f.ref): f for r in evaluation.results() for f in r.findings}
    return found, evaluation.data_errors


def outcome(finding: Finding | None) -> Expected:
    if finding is None:
        return None
    done = finding.completed_on.isoformat() if finding.completed_on else None
    return finding.status.value, finding.due_date.isoformat(), done


def check_one(folder: Path, profile: Profile, row: Row, as_of: str, obligation: str,
              disputes: Sequence[Row] | None = None, ref: str | None = None) -> Finding | None:
    found, errors = evaluate(folder, profile, as_of, [{"case_ref": "C1", **row}], disputes)
    assert errors == [], "the test's own records should be valid"
    return found.get(("C1", obligation, ref))


# --- housing-register-initial: in care at 16 or later, from A, due A + 3 months --------------------------

# Born 10 May 2009, in care since 2015: A is the 16th birthday, 10 May 2025; due 10 Aug 2025.
YOUNG = {"date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01"}
# In care only from 20 Jan 2026, after the 16th birthday: A = 20 Jan 2026; due 20 Apr 2026.
LATE_ENTRY = {"date_of_birth": "2009-05-10", "looked_after_since": "2026-01-20"}

INITIAL_CASES = [
    pytest.param(YOUNG, "2025-05-09", None, id="not-reported-the-day-before-A"),
    pytest.param(YOUNG, "2025-05-10", ("pending", "2025-08-10", None), id="A-is-the-16th-birthday"),
    pytest.param(YOUNG, "2025-08-10", ("pending", "2025-08-10", None), id="pending-on-the-due-date"),
    pytest.param(YOUNG, "2025-08-11", ("overdue", "2025-08-10", None), id="overdue-the-day-after"),
    pytest.param(LATE_ENTRY, "2026-01-20", ("pending", "2026-04-20", None), id="A-is-looked-after-since-when-later"),
    pytest.param(LATE_ENTRY, "2026-04-21", ("overdue", "2026-04-20", None), id="late-entry-overdue"),
    pytest.param({**YOUNG, "ceased_looked_after_on": "2025-05-10"}, "2025-09-01",
                 ("overdue", "2025-08-10", None), id="ceased-on-the-16th-birthday-applies"),
    pytest.param({**YOUNG, "ceased_looked_after_on": "2025-05-09"}, "2025-09-01", None,
                 id="ceased-the-day-before-the-16th-birthday-does-not-apply"),
    pytest.param({**YOUNG, "ceased_looked_after_on": "2026-01-01"}, "2026-02-01",
                 ("overdue", "2025-08-10", None), id="ceased-after-16-still-applies"),
    pytest.param({"date_of_birth": "2009-05-10"}, "2026-01-01", None, id="never-looked-after"),
    pytest.param({**YOUNG, "housing_register_joined_on": "2025-09-01"}, "2025-10-01",
                 ("met", "2025-08-10", "2025-09-01"), id="met-even-when-late"),
    pytest.param({**YOUNG, "housing_register_joined_on": "2025-06-01"}, "2025-06-15",
                 ("met", "2025-08-10", "2025-06-01"), id="met-on-time"),
    pytest.param({**YOUNG, "housing_register_joined_on": "2025-01-10"}, "2025-06-15",
                 ("met", "2025-08-10", "2025-01-10"), id="met-when-joined-before-A"),
    pytest.param({"date_of_birth": "2009-08-31", "looked_after_since": "2010-01-01"}, "2025-12-01",
                 ("overdue", "2025-11-30", None), id="31-aug-plus-3-months-is-30-nov"),
    pytest.param({"date_of_birth": "2007-11-30", "looked_after_since": "2012-01-01"}, "2024-02-29",
                 ("pending", "2024-02-29", None), id="30-nov-plus-3-months-is-29-feb-in-a-leap-year"),
    pytest.param({"date_of_birth": "2008-11-30", "looked_after_since": "2012-01-01"}, "2025-03-01",
                 ("overdue", "2025-02-28", None), id="30-nov-plus-3-months-is-28-feb"),
    pytest.param({"date_of_birth": "2008-02-29", "looked_after_since": "2020-01-01"}, "2024-05-29",
                 ("pending", "2024-05-29", None), id="born-29-feb-16-on-29-feb-2024"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), INITIAL_CASES)
def test_housing_register_initial(tmp_path: Path, lancashire: Profile, row: Row, as_of: str,
                                  expected: Expected) -> None:
    assert outcome(check_one(tmp_path, lancashire, row, as_of, INITIAL)) == expected


# --- housing-register-renewal: from the later of joined and renewed, + 12 months, never met --------------

JOINED = {"date_of_birth": "2007-01-01", "looked_after_since": "2015-01-01", "housing_register_joined_on": "2025-09-01"}

RENEWAL_CASES = [
    pytest.param(JOINED, "2026-09-01", ("pending", "2026-09-01", None), id="joined-plus-12-months-pending-on-due"),
    pytest.param(JOINED, "2026-09-02", ("overdue", "2026-09-01", None), id="overdue-the-day-after"),
    pytest.param({**JOINED, "housing_register_renewed_on": "2026-01-15"}, "2026-11-23",
                 ("pending", "2027-01-15", None), id="renewal-moves-the-due-date-and-is-never-met"),
    pytest.param({**JOINED, "housing_register_renewed_on": "2026-01-15"}, "2027-01-16",
                 ("overdue", "2027-01-15", None), id="renewed-then-overdue"),
    pytest.param({**JOINED, "housing_register_renewed_on": "2024-01-01"}, "2026-01-01",
                 ("pending", "2026-09-01", None), id="renewed-before-joined-counts-from-joined"),
    pytest.param({**JOINED, "housing_register_renewed_on": "2025-09-01"}, "2026-01-01",
                 ("pending", "2026-09-01", None), id="renewed-the-day-it-joined"),
    pytest.param({"date_of_birth": "2007-01-01", "looked_after_since": "2015-01-01",
                  "housing_register_renewed_on": "2026-01-15"}, "2026-02-01", None, id="not-joined-no-renewal"),
    pytest.param({"date_of_birth": "2007-01-01", "housing_register_joined_on": "2024-02-29"}, "2025-03-01",
                 ("overdue", "2025-02-28", None), id="joined-29-feb-due-28-feb-never-looked-after"),
    pytest.param({**JOINED, "housing_register_joined_on": "2025-08-31", "housing_register_renewed_on": "2026-02-28"},
                 "2027-03-01", ("overdue", "2027-02-28", None), id="renewed-28-feb"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), RENEWAL_CASES)
def test_housing_register_renewal(tmp_path: Path, lancashire: Profile, row: Row, as_of: str,
                                  expected: Expected) -> None:
    assert outcome(check_one(tmp_path, lancashire, row, as_of, RENEWAL)) == expected


# --- pathway-plan-review: not qualifying, from A, under 21 or with support to 25, every 6 months ---------

# Born 31 Aug 2005, in care from 1 Sep 2021 (after the 16th birthday): A = 1 Sep 2021; 21 on 31 Aug 2026.
TWENTY = {"date_of_birth": "2005-08-31", "looked_after_since": "2021-09-01", "leaving_care_category": "former_relevant",
          "pathway_plan_reviewed_on": "2026-03-15"}
# Born 23 Nov 2001, asked for support after 21: 25 on 23 Nov 2026.
TWENTY_FOUR = {"date_of_birth": "2001-11-23", "looked_after_since": "2017-12-01",
               "leaving_care_category": "former_relevant", "support_requested_after_21": "yes",
               "pathway_plan_reviewed_on": "2026-05-01"}
# Born 29 Feb 2004: 16 on 29 Feb 2020 (A), 21 on 1 Mar 2025.
LEAPLING = {"date_of_birth": "2004-02-29", "looked_after_since": "2019-06-01", "leaving_care_category": "relevant",
            "pathway_plan_reviewed_on": "2024-12-01"}

REVIEW_CASES = [
    pytest.param(YOUNG, "2025-05-09", None, id="not-reported-before-A"),
    pytest.param(YOUNG, "2025-05-10", ("pending", "2025-11-10", None), id="no-review-yet-A-plus-6-months"),
    pytest.param(YOUNG, "2025-11-11", ("overdue", "2025-11-10", None), id="overdue-the-day-after"),
    pytest.param({**YOUNG, "pathway_plan_reviewed_on": "2025-08-31"}, "2026-03-01",
                 ("overdue", "2026-02-28", None), id="review-31-aug-due-28-feb"),
    pytest.param({**YOUNG, "pathway_plan_reviewed_on": "2025-01-01"}, "2025-06-01",
                 ("pending", "2025-11-10", None), id="review-before-A-counts-from-A"),
    pytest.param({**YOUNG, "pathway_plan_reviewed_on": "2026-06-01"}, "2026-11-23",
                 ("pending", "2026-12-01", None), id="a-review-is-never-met-it-moves-the-due-date"),
    pytest.param({**YOUNG, "leaving_care_category": "qualifying"}, "2025-06-01", None, id="qualifying-excluded"),
    pytest.param({**YOUNG, "leaving_care_category": "Qualifying"}, "2025-06-01", None,
                 id="qualifying-any-case-excluded"),
    pytest.param({**YOUNG, "leaving_care_category": "eligible"}, "2025-06-01",
                 ("pending", "2025-11-10", None), id="eligible"),
    pytest.param({**YOUNG, "leaving_care_category": "relevant"}, "2025-06-01",
                 ("pending", "2025-11-10", None), id="relevant"),
    pytest.param({**YOUNG, "ceased_looked_after_on": "2025-05-09"}, "2025-06-01", None, id="left-care-before-16"),
    pytest.param({**YOUNG, "ceased_looked_after_on": "2025-05-10"}, "2025-06-01",
                 ("pending", "2025-11-10", None), id="left-care-on-the-16th-birthday"),
    pytest.param(TWENTY, "2026-08-30", ("pending", "2026-09-15", None), id="the-day-before-the-21st-birthday"),
    pytest.param(TWENTY, "2026-08-31", None, id="21-without-support-not-reported"),
    pytest.param({**TWENTY, "support_requested_after_21": "yes"}, "2026-08-31",
                 ("pending", "2026-09-15", None), id="21-with-support-reported"),
    pytest.param({**TWENTY, "support_requested_after_21": "TRUE"}, "2026-09-16",
                 ("overdue", "2026-09-15", None), id="21-with-support-overdue"),
    pytest.param({**TWENTY, "support_requested_after_21": "no"}, "2026-09-16", None, id="21-support-no"),
    pytest.param(TWENTY_FOUR, "2026-11-22", ("overdue", "2026-11-01", None), id="24-with-support-the-day-before-25"),
    pytest.param(TWENTY_FOUR, "2026-11-23", None, id="25-out-of-scope"),
    pytest.param({**TWENTY_FOUR, "leaving_care_category": "qualifying"}, "2026-06-01", None,
                 id="support-after-21-but-qualifying"),
    pytest.param(LEAPLING, "2025-02-28", ("pending", "2025-06-01", None), id="born-29-feb-still-20-on-28-feb"),
    pytest.param(LEAPLING, "2025-03-01", None, id="born-29-feb-21-on-1-march"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), REVIEW_CASES)
def test_pathway_plan_review(tmp_path: Path, lancashire: Profile, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check_one(tmp_path, lancashire, row, as_of, REVIEW)) == expected


def test_an_unknown_category_does_not_switch_the_review_off(tmp_path: Path, lancashire: Profile) -> None:
    found, errors = evaluate(tmp_path, lancashire, "2025-06-01",
                             [{"case_ref": "C1", **YOUNG, "leaving_care_category": "care leaver"}])
    assert outcome(found.get(("C1", REVIEW, None))) == ("pending", "2025-11-10", None)
    assert [(e.case_ref, e.field) for e in errors] == [("C1", "leaving_care_category")]


# --- custody-release-review: while in custody and d <= release, due release - 3 months --------------------

# 20 years old, never looked after: only the custody obligation applies.
CUSTODY_ROW = {"date_of_birth": "2006-03-01", "in_custody": "yes", "custody_started_on": "2026-06-01",
               "release_date": "2027-01-31"}

CUSTODY_CASES = [
    pytest.param(CUSTODY_ROW, "2026-10-31", ("pending", "2026-10-31", None), id="31-jan-minus-3-months-31-oct"),
    pytest.param(CUSTODY_ROW, "2026-11-01", ("overdue", "2026-10-31", None), id="overdue-the-day-after"),
    pytest.param(CUSTODY_ROW, "2027-01-31", ("overdue", "2026-10-31", None), id="reported-on-the-release-date"),
    pytest.param(CUSTODY_ROW, "2027-02-01", None, id="not-reported-after-release"),
    pytest.param({**CUSTODY_ROW, "release_date": "2027-05-31"}, "2027-01-01",
                 ("pending", "2027-02-28", None), id="31-may-minus-3-months-28-feb"),
    pytest.param({**CUSTODY_ROW, "release_date": "2028-05-31"}, "2027-01-01",
                 ("pending", "2028-02-29", None), id="31-may-minus-3-months-29-feb-leap"),
    pytest.param({**CUSTODY_ROW, "custody_started_on": "2026-11-01", "release_date": "2026-12-15"}, "2026-11-02",
                 ("overdue", "2026-09-15", None), id="due-date-already-past-overdue-at-once"),
    pytest.param({**CUSTODY_ROW, "in_custody": "no"}, "2026-11-01", None, id="not-in-custody"),
    pytest.param({**CUSTODY_ROW, "in_custody": ""}, "2026-11-01", None, id="in-custody-empty"),
    pytest.param({**CUSTODY_ROW, "release_review_invited_on": "2026-05-31"}, "2026-11-01",
                 ("overdue", "2026-10-31", None), id="invited-before-custody-started-does-not-count"),
    pytest.param({**CUSTODY_ROW, "release_review_invited_on": "2026-06-01"}, "2026-11-01",
                 ("met", "2026-10-31", "2026-06-01"), id="invited-the-day-custody-started"),
    pytest.param({**CUSTODY_ROW, "release_review_invited_on": "2026-11-15"}, "2026-11-20",
                 ("met", "2026-10-31", "2026-11-15"), id="invited-late-is-met"),
    pytest.param({**CUSTODY_ROW, "custody_started_on": "", "release_review_invited_on": "2020-01-01"},
                 "2026-11-01", ("met", "2026-10-31", "2020-01-01"), id="no-custody-start-any-invitation-counts"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), CUSTODY_CASES)
def test_custody_release_review(tmp_path: Path, lancashire: Profile, row: Row, as_of: str,
                                expected: Expected) -> None:
    assert outcome(check_one(tmp_path, lancashire, row, as_of, CUSTODY)) == expected


def test_custody_without_a_release_date_skips_only_that_obligation(tmp_path: Path, lancashire: Profile) -> None:
    row = {"case_ref": "C1", **YOUNG, "in_custody": "yes", "custody_started_on": "2025-06-01"}
    found, errors = evaluate(tmp_path, lancashire, "2025-06-01", [row])
    assert ("C1", CUSTODY, None) not in found
    assert outcome(found.get(("C1", INITIAL, None))) == ("pending", "2025-08-10", None)
    assert outcome(found.get(("C1", REVIEW, None))) == ("pending", "2025-11-10", None)
    assert [(e.case_ref, e.dispute_ref, e.field) for e in errors] == [("C1", None, "release_date")]


# --- dispute-escalation: 2 working days after stage_started_on, then to the next stage ------------------

ANYONE = {"date_of_birth": "2008-01-01", "looked_after_since": "2015-01-01"}


def dispute(started: str, stage: str = "1", resolved: str = "", ref: str = "D1") -> dict[str, str]:
    return {"dispute_ref": ref, "case_ref": "C1", "stage": stage, "stage_started_on": started,
            "resolved_on": resolved}


DISPUTE_CASES = [
    pytest.param(dispute("2026-11-18"), "2026-11-20", ("pending", "2026-11-20", None), None,
                 id="wednesday-due-friday-pending-on-the-due-date"),
    pytest.param(dispute("2026-11-18"), "2026-11-23", ("overdue", "2026-11-20", None), 2,
                 id="overdue-the-next-working-day-goes-to-stage-2"),
    pytest.param(dispute("2026-11-18"), "2026-11-21", ("overdue", "2026-11-20", None), 2,
                 id="overdue-the-day-after-even-a-saturday"),
    pytest.param(dispute("2026-11-21"), "2026-11-24", ("pending", "2026-11-24", None), None,
                 id="raised-saturday-monday-day-1-tuesday-day-2"),
    pytest.param(dispute("2026-11-21"), "2026-11-25", ("overdue", "2026-11-24", None), 2,
                 id="raised-saturday-overdue-wednesday"),
    pytest.param(dispute("2026-11-22"), "2026-11-23", ("pending", "2026-11-24", None), None, id="raised-sunday"),
    pytest.param(dispute("2026-12-24"), "2026-12-30", ("pending", "2026-12-30", None), None,
                 id="christmas-2026-boxing-day-substitute-28-dec"),
    pytest.param(dispute("2027-12-24"), "2027-12-31", ("overdue", "2027-12-30", None), 2,
                 id="christmas-2027-substitutes-27-and-28-dec"),
    pytest.param(dispute("2026-04-02"), "2026-04-08", ("pending", "2026-04-08", None), None, id="over-easter"),
    pytest.param(dispute("2026-05-22"), "2026-05-27", ("pending", "2026-05-27", None), None,
                 id="over-the-spring-bank-holiday"),
    pytest.param(dispute("2026-11-18", resolved="2026-11-19"), "2026-11-23", ("met", "2026-11-20", "2026-11-19"),
                 None, id="resolved-on-time"),
    pytest.param(dispute("2026-11-18", resolved="2026-11-25"), "2026-11-30", ("met", "2026-11-20", "2026-11-25"),
                 None, id="resolved-late-is-met"),
    pytest.param(dispute("2026-11-18", resolved="2026-11-18"), "2026-11-18", ("met", "2026-11-20", "2026-11-18"),
                 None, id="resolved-the-day-it-started"),
    pytest.param(dispute("2026-11-18", stage="2"), "2026-11-23", ("overdue", "2026-11-20", None), 3, id="stage-2-to-3"),
    pytest.param(dispute("2026-11-18", stage="3"), "2026-11-23", ("overdue", "2026-11-20", None), 4, id="stage-3-to-4"),
    pytest.param(dispute("2026-11-18", stage="4"), "2026-11-23", ("overdue", "2026-11-20", None), 4,
                 id="stage-4-stays-4"),
    pytest.param(dispute("2026-11-18", stage="4"), "2026-11-19", ("pending", "2026-11-20", None), None,
                 id="stage-4-pending"),
]


@pytest.mark.parametrize(("row", "as_of", "expected", "escalate_to"), DISPUTE_CASES)
def test_dispute_escalation(tmp_path: Path, lancashire: Profile, row: Row, as_of: str, expected: Expected,
                            escalate_to: int | None) -> None:
    finding = check_one(tmp_path, lancashire, ANYONE, as_of, DISPUTE, [row], ref="D1")
    assert outcome(finding) == expected
    assert finding is not None
    assert finding.stage == int(row["stage"])
    assert finding.escalate_to_stage == escalate_to
    assert finding.escalated_to is None


@pytest.mark.parametrize(("stage", "owner"), [("1", "adviser"), ("2", "manager"), ("3", "senior_manager"),
                                              ("4", "head_of_service")])
def test_a_dispute_is_owned_by_the_role_of_its_stage(tmp_path: Path, lancashire: Profile, stage: str,
                                                     owner: str) -> None:
    # Overdue for weeks: still no escalated_to, only escalate_to_stage.
    finding = check_one(tmp_path, lancashire, ANYONE, "2026-12-31", DISPUTE, [dispute("2026-11-02", stage)],
                        ref="D1")
    assert finding is not None
    assert finding.owner.value == owner
    assert finding.escalated_to is None


def test_one_finding_per_dispute(tmp_path: Path, lancashire: Profile) -> None:
    disputes = [dispute("2026-11-18", ref="D1"), dispute("2026-11-19", "3", ref="D2"),
                dispute("2026-11-02", "2", "2026-11-03", ref="D3")]
    found, errors = evaluate(tmp_path, lancashire, "2026-11-23", [{"case_ref": "C1", **ANYONE}], disputes)
    assert errors == []
    ladder = {ref: (outcome(f), f.escalate_to_stage) for (_, ob, ref), f in found.items() if ob == DISPUTE}
    assert ladder == {
        "D1": (("overdue", "2026-11-20", None), 2),
        "D2": (("pending", "2026-11-23", None), None),  # Thu 19: Fri 20 day 1, Mon 23 day 2
        "D3": (("met", "2026-11-04", "2026-11-03"), None),
    }


def test_local_closures_in_the_profile_delay_a_dispute(tmp_path: Path) -> None:
    path = tmp_path / "profiles" / "closed.toml"
    path.parent.mkdir()
    obligations = ", ".join(f'"{o}"' for o in (INITIAL, RENEWAL, REVIEW, CUSTODY, DISPUTE))
    path.write_text(f'[profile]\nname = "closed"\ntitle = "Closed"\nobligations = [{obligations}]\n'
                    "[calendar]\nclosures = [2026-11-23]\n")
    finding = check_one(tmp_path, load_profile(str(path)), ANYONE, "2026-11-25", DISPUTE, [dispute("2026-11-21")],
                        ref="D1")
    assert outcome(finding) == ("pending", "2026-11-25", None)  # Mon 23 closed: Tue 24 day 1, Wed 25 day 2


# --- Scope: nothing from the 25th birthday ------------------------------------------------------------

# Born 23 Nov 2001: 25 on 23 Nov 2026. In care at 16, on the register, in custody, asked for support after 21.
NEARLY_25 = {"date_of_birth": "2001-11-23", "looked_after_since": "2017-12-01", "support_requested_after_21": "y",
             "housing_register_joined_on": "2025-01-01", "in_custody": "1", "release_date": "2027-01-01"}


def test_everything_is_reported_the_day_before_the_25th_birthday(tmp_path: Path, lancashire: Profile) -> None:
    found, errors = evaluate(tmp_path, lancashire, "2026-11-22", [{"case_ref": "C1", **NEARLY_25}],
                             [dispute("2026-11-18")])
    assert errors == []
    assert {key: outcome(f) for key, f in found.items() if key[1] in CORE} == {
        ("C1", INITIAL, None): ("met", "2018-03-01", "2025-01-01"),  # A = 1 Dec 2017; joined late
        ("C1", RENEWAL, None): ("overdue", "2026-01-01", None),
        ("C1", REVIEW, None): ("overdue", "2018-06-01", None),
        ("C1", CUSTODY, None): ("overdue", "2026-10-01", None),
        ("C1", DISPUTE, "D1"): ("overdue", "2026-11-20", None),
    }


def test_nothing_is_reported_from_the_25th_birthday(tmp_path: Path, lancashire: Profile) -> None:
    found, errors = evaluate(tmp_path, lancashire, "2026-11-23", [{"case_ref": "C1", **NEARLY_25}],
                             [dispute("2026-11-18")])
    assert found == {}
    assert errors == []


@pytest.mark.parametrize(("as_of", "reported"), [("2025-02-28", True), ("2025-03-01", False)])
def test_born_on_29_february_is_25_on_1_march(tmp_path: Path, lancashire: Profile, as_of: str,
                                              reported: bool) -> None:
    row = {"case_ref": "C1", "date_of_birth": "2000-02-29", "housing_register_joined_on": "2024-06-01"}
    found, _ = evaluate(tmp_path, lancashire, as_of, [row])
    assert (("C1", RENEWAL, None) in found) is reported


# --- Owner and escalated_to: working days overdue reach 5, 20, 40 -----------------------------------------

# Born 1 Jun 2009, in care since 2015: A = 1 Jun 2025, register due Mon 1 Sep 2025 (no bank holiday until
# Christmas). Working days after it: Tue 2 Sep is 1, Fri 5 Sep 4, Mon 8 Sep 5, Fri 26 Sep 19, Mon 29 Sep 20,
# Fri 24 Oct 39, Mon 27 Oct 40.
DUE_1_SEPTEMBER = {"date_of_birth": "2009-06-01", "looked_after_since": "2015-01-01"}
# Born 23 Sep 2010: register due Wed 23 Dec 2026. Thu 24 Dec is 1; 25 and 28 Dec are bank holidays; Tue 29 is
# 2, Wed 30 3, Thu 31 4; Fri 1 Jan 2027 a bank holiday; Mon 4 Jan 5.
DUE_23_DECEMBER = {"date_of_birth": "2010-09-23", "looked_after_since": "2015-01-01"}


@pytest.mark.parametrize(("row", "as_of", "status", "late", "escalated_to"), [
    pytest.param(DUE_1_SEPTEMBER, "2025-09-01", "pending", 0, None, id="pending"),
    pytest.param(DUE_1_SEPTEMBER, "2025-09-02", "overdue", 1, None, id="1"),
    pytest.param(DUE_1_SEPTEMBER, "2025-09-05", "overdue", 4, None, id="4"),
    pytest.param(DUE_1_SEPTEMBER, "2025-09-07", "overdue", 4, None, id="4-on-a-sunday"),
    pytest.param(DUE_1_SEPTEMBER, "2025-09-08", "overdue", 5, "manager", id="5"),
    pytest.param(DUE_1_SEPTEMBER, "2025-09-26", "overdue", 19, "manager", id="19"),
    pytest.param(DUE_1_SEPTEMBER, "2025-09-29", "overdue", 20, "senior_manager", id="20"),
    pytest.param(DUE_1_SEPTEMBER, "2025-10-24", "overdue", 39, "senior_manager", id="39"),
    pytest.param(DUE_1_SEPTEMBER, "2025-10-27", "overdue", 40, "head_of_service", id="40"),
    pytest.param(DUE_23_DECEMBER, "2027-01-01", "overdue", 4, None, id="4-over-christmas"),
    pytest.param(DUE_23_DECEMBER, "2027-01-04", "overdue", 5, "manager", id="5-over-christmas"),
])
def test_escalation_by_working_days_overdue(tmp_path: Path, lancashire: Profile, row: Row, as_of: str,
                                            status: str, late: int, escalated_to: str | None) -> None:
    finding = check_one(tmp_path, lancashire, row, as_of, INITIAL)
    assert finding is not None
    assert finding.status.value == status
    assert finding.owner.value == "adviser"
    assert finding.working_days_overdue == late
    assert (finding.escalated_to.value if finding.escalated_to else None) == escalated_to


def test_a_met_obligation_is_not_escalated(tmp_path: Path, lancashire: Profile) -> None:
    finding = check_one(tmp_path, lancashire, {**DUE_1_SEPTEMBER, "housing_register_joined_on": "2025-10-20"},
                        "2025-12-01", INITIAL)
    assert outcome(finding) == ("met", "2025-09-01", "2025-10-20")
    assert finding is not None
    assert finding.escalated_to is None


def test_every_core_obligation_is_owned_by_the_adviser(tmp_path: Path, lancashire: Profile) -> None:
    found, _ = evaluate(tmp_path, lancashire, "2026-11-22", [{"case_ref": "C1", **NEARLY_25}])
    assert {ob: f.owner.value for (_, ob, _), f in found.items() if ob in CORE} == dict.fromkeys(
        (INITIAL, RENEWAL, REVIEW, CUSTODY), "adviser")
    # The review has been overdue since 2018: far past 40 working days.
    escalated = found[("C1", REVIEW, None)].escalated_to
    assert escalated is not None
    assert escalated.value == "head_of_service"


# --- Random caseloads against the spec's rules written out once more ---------------------------------------

def plus_months(day: date, months: int) -> date:
    """Adding months (docs/input.md), written independently of rules.calendar."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    days_in_month = [31, 29 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 28, 31, 30, 31, 30,
                     31, 31, 30, 31, 30, 31][month0]
    return date(year, month0 + 1, min(day.day, days_in_month))


def reaches(dob: date, age: int) -> date:
    """Age (docs/input.md): the anniversary, 29 February -> 1 March in a common year."""
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:
        return date(dob.year + age, 3, 1)


def spec_findings(row: Mapping[str, object], d: date) -> dict[str, Expected]:
    """The four case obligations of docs/input.md for one valid case on ``d``."""
    def get(name: str) -> date | None:
        value = row.get(name)
        return value if isinstance(value, date) else None

    dob = get("date_of_birth")
    assert dob is not None
    if d >= reaches(dob, 25):
        return {}
    out: dict[str, Expected] = {}

    def status(due: date, done: date | None) -> Expected:
        if done is not None:
            return "met", due.isoformat(), done.isoformat()
        return ("pending" if d <= due else "overdue"), due.isoformat(), None

    since, ceased, sixteen = get("looked_after_since"), get("ceased_looked_after_on"), reaches(dob, 16)
    in_care_at_16 = since is not None and (ceased is None or ceased >= sixteen)
    anchor = max(sixteen, since) if since is not None else None
    joined = get("housing_register_joined_on")
    if in_care_at_16 and anchor is not None and d >= anchor:
        out[INITIAL] = status(plus_months(anchor, 3), joined)
        supported = row.get("support_requested_after_21") is True
        if row.get("leaving_care_category") != "qualifying" and (d < reaches(dob, 21) or supported):
            reviewed = get("pathway_plan_reviewed_on")
            out[REVIEW] = status(plus_months(max(anchor, reviewed) if reviewed else anchor, 6), None)
    if joined is not None:
        renewed = get("housing_register_renewed_on")
        out[RENEWAL] = status(plus_months(max(joined, renewed) if renewed else joined, 12), None)
    release = get("release_date")
    if row.get("in_custody") is True and release is not None and d <= release:
        invited, started = get("release_review_invited_on"), get("custody_started_on")
        counts = invited if invited is not None and (started is None or invited >= started) else None
        out[CUSTODY] = status(plus_months(release, -3), counts)
    return out


class RowsSource:
    """An in-memory source of typed rows (as a SQL source with DATE and BOOLEAN columns hands them over)."""

    description = "rows in memory"

    def __init__(self, rows: Sequence[Mapping[str, object]]) -> None:
        self.rows = rows

    def case_columns(self) -> frozenset[str]:
        return frozenset(CASE_FIELDS)

    def dispute_columns(self) -> frozenset[str]:
        return frozenset()

    def case_rows(self) -> Iterator[Mapping[str, object]]:
        return iter(self.rows)

    def dispute_rows(self) -> Iterator[Mapping[str, object]]:
        return iter(())

    def case_refs(self) -> Iterator[object]:
        return (row["case_ref"] for row in self.rows)


CASE_FIELDS = ("case_ref", "date_of_birth", "looked_after_since", "ceased_looked_after_on", "leaving_care_category",
               "support_requested_after_21", "housing_register_joined_on", "housing_register_renewed_on",
               "pathway_plan_reviewed_on", "in_custody", "custody_started_on", "release_date",
               "release_review_invited_on")


def maybe_after(start: date, years: int) -> st.SearchStrategy[date | None]:
    return st.none() | st.dates(min_value=start, max_value=date(min(start.year + years, 2035), 12, 31))


@st.composite
def case_rows(draw: st.DrawFn, ref: str) -> dict[str, object]:
    dob = draw(st.dates(min_value=date(1997, 1, 1), max_value=date(2013, 12, 31)))
    since = draw(maybe_after(dob, 22))
    ceased = draw(maybe_after(since, 10)) if since is not None else None
    joined = draw(maybe_after(dob + timedelta(days=5000), 15))
    custody_started = draw(maybe_after(dob + timedelta(days=5000), 15))
    return {
        "case_ref": ref, "date_of_birth": dob, "looked_after_since": since, "ceased_looked_after_on": ceased,
        "leaving_care_category": draw(st.sampled_from([None, "eligible", "relevant", "former_relevant",
                                                       "qualifying"])),
        "support_requested_after_21": draw(st.booleans()),
        "housing_register_joined_on": joined,
        "housing_register_renewed_on": draw(maybe_after(joined, 5)) if joined and draw(st.booleans()) else None,
        "pathway_plan_reviewed_on": draw(maybe_after(dob + timedelta(days=5000), 15)),
        "in_custody": draw(st.booleans()),
        "custody_started_on": custody_started,
        "release_date": draw(maybe_after(custody_started or date(2020, 1, 1), 4)),
        "release_review_invited_on": draw(maybe_after(dob + timedelta(days=5000), 15)),
    }


def thirty_years_before(day: date) -> date:
    """The same day 30 years earlier (29 February falls back to the 28th)."""
    return date(day.year - 30, day.month, min(day.day, 28 if day.month == 2 else day.day))


def as_read_on(row: dict[str, object], as_of: date) -> dict[str, object] | None:
    """The row as docs/input.md "Bad input" reads it on ``as_of``: ``None`` when the case is rejected."""
    dob = row["date_of_birth"]
    assert isinstance(dob, date)
    if dob > as_of or dob < thirty_years_before(as_of):
        return None  # born after the as-of date, or a placeholder more than 30 years before it
    if any(isinstance(row[c], date) and row[c] > as_of for c in ("looked_after_since", "ceased_looked_after_on")):
        return None  # a period in care cannot start or end on a day that has not come
    done = ("housing_register_joined_on", "housing_register_renewed_on", "pathway_plan_reviewed_on",
            "custody_started_on", "release_review_invited_on")
    return {k: (None if k in done and isinstance(v, date) and v > as_of else v) for k, v in row.items()}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=9999), min_size=1, max_size=12, unique=True).flatmap(
    lambda ids: st.tuples(*(case_rows(f"R{i}") for i in ids))),
       st.dates(min_value=date(2018, 1, 1), max_value=date(2034, 12, 31)))
def test_the_engine_agrees_with_the_spec_on_random_cases(lancashire: Profile, rows: tuple[dict[str, object], ...],
                                                          as_of: date) -> None:
    evaluation = Evaluation(RowsSource(rows), lancashire, as_of)
    found = {(f.case_ref, f.obligation): outcome(f) for r in evaluation.results() for f in r.findings
             if f.obligation in CORE}
    expected: dict[tuple[str, str], Expected] = {}
    valid = [read for row in rows if (read := as_read_on(row, as_of)) is not None]
    for row in valid:
        for obligation, result in spec_findings(row, as_of).items():
            expected[(str(row["case_ref"]), obligation)] = result
    assert found == expected
    custody_without_release = {str(r["case_ref"]) for r in valid if r["in_custody"] is True
                               and r["release_date"] is None}
    assert {e.case_ref for e in evaluation.data_errors if e.field == "release_date"} == custody_without_release
