"""Bad input (docs/input.md, "Values" and "Bad input"), one rule a test.

A bad record never stops the run and never silently disappears: it is listed with its case_ref (and
dispute_ref), the field and a plain-English message, and every other record is still evaluated. Each
test therefore puts a good case (G1, with a good dispute G-D) next to the bad record and checks both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.engine import Evaluation
from checker.profiles import Profile, load_profile
from checker.sources import CsvSource
from rules.records import DataError, Finding

Row = Mapping[str, str]
AS_OF = "2026-11-23"
# Born 10 May 2009, in care since 2015: A = 10 May 2025, the register was due 10 Aug 2025.
GOOD = {"case_ref": "G1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01"}
GOOD_DISPUTE = {"dispute_ref": "G-D", "case_ref": "G1", "stage": "1", "stage_started_on": "2026-11-18"}
DISPUTE_HEADER = ("dispute_ref", "case_ref", "stage", "stage_started_on", "resolved_on")
# The lancashire profile may switch on extended obligations too; sets of findings are compared over these.
CORE = frozenset({"housing-register-initial", "housing-register-renewal", "pathway-plan-review",
                  "custody-release-review", "dispute-escalation"})

# Every date column of the input contract, core and extended (docs/input.md): all of them count.
DATE_COLUMNS = (
    "looked_after_since", "ceased_looked_after_on", "housing_register_joined_on", "housing_register_renewed_on",
    "pathway_plan_reviewed_on", "custody_started_on", "release_date", "release_review_invited_on",
    "adviser_allocated_on", "housing_panel_on", "housing_options_meeting_on", "joint_housing_assessment_on",
    "pre18_panel_on", "planned_move_on", "housing_contact_on", "move_plan_agreed_on",
    "threatened_with_homelessness_on", "duty_to_refer_on", "placement_area_since", "host_register_joined_on",
    "consent_to_share_on", "pathway_plan_shared_on", "bnb_since", "bnb_approved_on", "intentionality_decision_on",
    "intentionality_signoff_on",
)
UNPARSEABLE_DATES = (
    "20090510", "2009-05-10 00:00", "2009-05-10T00:00:00", "10/05/09", "13/25/2020", "05/25/2009", "5/10/2009",
    "10/5/2009", "2009/05/10", "10-05-2009", "10.05.2009", "2009-5-10", "10 May 2009", "May 10, 2009",
    "31/02/2009", "2009-02-30", "yesterday", "0",
)


@pytest.fixture(scope="module")
def lancashire() -> Profile:
    return load_profile("lancashire")


@dataclass
class Outcome:
    findings: list[Finding]
    errors: list[DataError]

    def of(self, case_ref: str) -> dict[tuple[str, str | None], Finding]:
        return {(f.obligation, f.ref): f for f in self.findings if f.case_ref == case_ref}

    def error(self, case_ref: str | None, dispute_ref: str | None, field: str) -> str:
        """The one error for this record and field; its message must be a plain-English sentence."""
        matching = [e for e in self.errors if (e.case_ref, e.dispute_ref, e.field) == (case_ref, dispute_ref, field)]
        assert len(matching) == 1, self.errors
        message = matching[0].message
        assert len(message.split()) >= 4, message
        assert "Error" not in message, message
        assert "Traceback" not in message, message
        return message

    def good_is_evaluated(self) -> None:
        found = self.of("G1")
        assert found[("housing-register-initial", None)].due_date == date(2025, 8, 10)
        assert found[("pathway-plan-review", None)].due_date == date(2025, 11, 10)
        assert found[("dispute-escalation", "G-D")].due_date == date(2026, 11, 20)
        assert not [e for e in self.errors if e.case_ref == "G1" and e.dispute_ref in {None, "G-D"}]


def evaluate(folder: Path, profile: Profile, cases: Sequence[Row], disputes: Sequence[Row] = (),
             as_of: str = AS_OF) -> Outcome:
    cases_csv = write_rows(folder / "cases.csv", [GOOD, *cases])
    disputes_csv = write_rows(folder / "disputes.csv", [GOOD_DISPUTE, *disputes], DISPUTE_HEADER)
    evaluation = Evaluation(CsvSource(cases_csv, disputes_csv), profile, date.fromisoformat(as_of))
    findings = [f for result in evaluation.results() for f in result.findings]
    return Outcome(findings, evaluation.data_errors)


def rejected(outcome: Outcome, case_ref: str) -> None:
    assert outcome.of(case_ref) == {}


# --- The whole case is rejected -----------------------------------------------------------------------

@pytest.mark.parametrize("ref", ["", "   "])
def test_an_empty_case_ref_rejects_the_row(tmp_path: Path, lancashire: Profile, ref: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": ref, "date_of_birth": "2009-01-01",
                                               "looked_after_since": "2015-01-01"}])
    assert "case_ref" in outcome.error(None, None, "case_ref")
    assert {f.case_ref for f in outcome.findings} == {"G1"}
    outcome.good_is_evaluated()


def test_a_repeated_case_ref_rejects_every_such_row(tmp_path: Path, lancashire: Profile) -> None:
    rows = [{"case_ref": "C1", "date_of_birth": "2009-01-01", "looked_after_since": "2015-01-01"},
            {"case_ref": "C1", "date_of_birth": "2008-01-01"},
            {"case_ref": " C1 ", "date_of_birth": "2007-01-01"}]
    outcome = evaluate(tmp_path, lancashire, rows, [{"dispute_ref": "D1", "case_ref": "C1", "stage": "1",
                                                     "stage_started_on": "2026-11-18"}])
    errors = [e for e in outcome.errors if (e.case_ref, e.dispute_ref, e.field) == ("C1", None, "case_ref")]
    assert len(errors) == 3
    assert all("more than one row" in e.message for e in errors)
    rejected(outcome, "C1")
    outcome.error("C1", "D1", "case_ref")  # its dispute cannot be checked either
    outcome.good_is_evaluated()


@pytest.mark.parametrize(("dob", "words"), [
    pytest.param("", "empty", id="missing"),
    pytest.param("10th May 2009", "not a date", id="unparseable"),
    pytest.param("2026-11-24", "after the as-of date", id="after-the-as-of-date"),
])
def test_a_bad_date_of_birth_rejects_the_case(tmp_path: Path, lancashire: Profile, dob: str, words: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", "date_of_birth": dob,
                                               "looked_after_since": "2015-01-01"}])
    assert words in outcome.error("C1", None, "date_of_birth")
    rejected(outcome, "C1")
    outcome.good_is_evaluated()


def test_the_spec_message_for_a_date_of_birth_after_the_as_of_date(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C9", "date_of_birth": "2031-01-01"}])
    assert outcome.error("C9", None, "date_of_birth") == "date of birth 2031-01-01 is after the as-of date"


def test_born_on_the_as_of_date_is_not_an_error(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", "date_of_birth": AS_OF}])
    assert [e for e in outcome.errors if e.case_ref == "C1"] == []


@pytest.mark.parametrize("column", DATE_COLUMNS)
def test_any_unparseable_date_column_rejects_the_case(tmp_path: Path, lancashire: Profile, column: str) -> None:
    row = {"case_ref": "C1", "date_of_birth": "2009-01-01", "looked_after_since": "2015-01-01", column: "20250115"}
    outcome = evaluate(tmp_path, lancashire, [row])
    assert "20250115" in outcome.error("C1", None, column)
    rejected(outcome, "C1")
    outcome.good_is_evaluated()


@pytest.mark.parametrize("value", UNPARSEABLE_DATES)
def test_only_iso_and_uk_dates_are_read(tmp_path: Path, lancashire: Profile, value: str) -> None:
    rows = [{"case_ref": "C1", "date_of_birth": value},
            {"case_ref": "C2", "date_of_birth": "2009-01-01", "looked_after_since": value}]
    outcome = evaluate(tmp_path, lancashire, rows)
    outcome.error("C1", None, "date_of_birth")
    outcome.error("C2", None, "looked_after_since")
    rejected(outcome, "C1")
    rejected(outcome, "C2")
    outcome.good_is_evaluated()


@pytest.mark.parametrize(("dob", "since"), [
    pytest.param("2009-05-10", "2015-03-01", id="iso"),
    pytest.param("10/05/2009", "01/03/2015", id="uk"),
    pytest.param("10/05/2009", "2015-03-01", id="mixed"),
])
def test_iso_and_uk_dates_mean_the_same_day(tmp_path: Path, lancashire: Profile, dob: str, since: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", "date_of_birth": dob, "looked_after_since": since,
                                               "housing_register_joined_on": "01/09/2025"}])
    assert [e for e in outcome.errors if e.case_ref == "C1"] == []
    initial = outcome.of("C1")[("housing-register-initial", None)]
    assert (initial.due_date, initial.completed_on) == (date(2025, 8, 10), date(2025, 9, 1))


def test_looked_after_since_before_the_date_of_birth_rejects_the_case(tmp_path: Path, lancashire: Profile) -> None:
    rows = [{"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2009-05-09"},
            {"case_ref": "C2", "date_of_birth": "2009-05-10", "looked_after_since": "2009-05-10"}]  # from birth: fine
    outcome = evaluate(tmp_path, lancashire, rows)
    assert "before the date of birth" in outcome.error("C1", None, "looked_after_since")
    rejected(outcome, "C1")
    assert [e for e in outcome.errors if e.case_ref == "C2"] == []
    assert ("housing-register-initial", None) in outcome.of("C2")
    outcome.good_is_evaluated()


def test_ceased_before_looked_after_since_rejects_the_case(tmp_path: Path, lancashire: Profile) -> None:
    rows = [{"case_ref": "C1", "date_of_birth": "2008-05-10", "looked_after_since": "2025-03-01",
             "ceased_looked_after_on": "2025-02-28"},
            {"case_ref": "C2", "date_of_birth": "2008-05-10", "looked_after_since": "2025-03-01",
             "ceased_looked_after_on": "2025-03-01"}]  # a single day in care: fine
    outcome = evaluate(tmp_path, lancashire, rows)
    assert "before looked_after_since" in outcome.error("C1", None, "ceased_looked_after_on")
    rejected(outcome, "C1")
    assert [e for e in outcome.errors if e.case_ref == "C2"] == []
    assert outcome.of("C2")[("housing-register-initial", None)].due_date == date(2025, 6, 1)
    outcome.good_is_evaluated()


def test_ceased_without_looked_after_since_is_never_looked_after(tmp_path: Path, lancashire: Profile) -> None:
    """docs/decisions.md: not a rejection; the case is evaluated as never looked after."""
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", "date_of_birth": "2008-05-10",
                                               "ceased_looked_after_on": "2025-02-28",
                                               "housing_register_joined_on": "2026-01-10"}])
    assert [e for e in outcome.errors if e.case_ref == "C1"] == []
    assert {k for k in outcome.of("C1") if k[0] in CORE} == {("housing-register-renewal", None)}


# --- Only part of the case is affected --------------------------------------------------------------------

def test_in_custody_without_a_release_date_skips_only_the_custody_obligation(tmp_path: Path,
                                                                             lancashire: Profile) -> None:
    rows = [{"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01", "in_custody": "yes",
             "custody_started_on": "2026-10-01"},
            {"case_ref": "C2", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01", "in_custody": "no"}]
    outcome = evaluate(tmp_path, lancashire, rows, [{"dispute_ref": "D1", "case_ref": "C1", "stage": "2",
                                                     "stage_started_on": "2026-11-18"}])
    assert "release_date" in outcome.error("C1", None, "release_date")
    found = outcome.of("C1")
    assert {k for k in found if k[0] in CORE} == {
        ("housing-register-initial", None), ("pathway-plan-review", None), ("dispute-escalation", "D1")}
    assert [e for e in outcome.errors if e.case_ref == "C2"] == []  # not in custody: nothing is missing
    outcome.good_is_evaluated()


@pytest.mark.parametrize("column", ["adviser_email", "manager_email"])
@pytest.mark.parametrize("value", ["not-an-email", "pa.one@", "@example.org", "pa one@example.org",
                                   "pa.one@@example.org", "pa.one.example.org"])
def test_a_bad_email_is_a_data_error_but_the_case_is_evaluated(tmp_path: Path, lancashire: Profile, column: str,
                                                               value: str) -> None:
    row = {"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01", column: value}
    outcome = evaluate(tmp_path, lancashire, [row])
    message = outcome.error("C1", None, column)
    assert "is not an email address" in message
    assert value not in message  # an address is personal data: the error names the field, not the value
    assert outcome.of("C1")[("housing-register-initial", None)].due_date == date(2025, 8, 10)
    outcome.good_is_evaluated()


def test_good_emails_are_not_errors(tmp_path: Path, lancashire: Profile) -> None:
    row = {"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01",
           "adviser_email": "pa.one@example.org", "manager_email": "First.Last+north@team.example.gov.uk"}
    outcome = evaluate(tmp_path, lancashire, [row])
    assert [e for e in outcome.errors if e.case_ref == "C1"] == []


TRUE_SPELLINGS = ("true", "TRUE", "True", "yes", "YES", "Yes", "y", "Y", "1")
FALSE_SPELLINGS = ("false", "FALSE", "False", "no", "NO", "No", "n", "N", "0", "")


@pytest.mark.parametrize(("spelling", "meaning"), [(s, True) for s in TRUE_SPELLINGS]
                         + [(s, False) for s in FALSE_SPELLINGS])
def test_boolean_spellings(tmp_path: Path, lancashire: Profile, spelling: str, meaning: bool) -> None:
    row = {"case_ref": "C1", "date_of_birth": "2006-03-01", "in_custody": spelling, "release_date": "2027-01-31"}
    outcome = evaluate(tmp_path, lancashire, [row])
    assert [e for e in outcome.errors if e.case_ref == "C1"] == []
    assert (("custody-release-review", None) in outcome.of("C1")) is meaning


@pytest.mark.parametrize("spelling", ["maybe", "2", "unknown", "t", "f", "on", "off", "yes please", "-1"])
def test_any_other_boolean_is_a_data_error_read_as_false(tmp_path: Path, lancashire: Profile, spelling: str) -> None:
    rows = [{"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01",
             "in_custody": spelling, "release_date": "2027-01-31"},
            # 21 on 31 Aug 2026: the review goes on after 21 only if support was asked for.
            {"case_ref": "C2", "date_of_birth": "2005-08-31", "looked_after_since": "2021-09-01",
             "support_requested_after_21": spelling}]
    outcome = evaluate(tmp_path, lancashire, rows)
    assert spelling in outcome.error("C1", None, "in_custody")
    assert spelling in outcome.error("C2", None, "support_requested_after_21")
    c1 = outcome.of("C1")
    assert ("custody-release-review", None) not in c1  # read as false
    assert ("housing-register-initial", None) in c1  # still evaluated
    c2 = outcome.of("C2")
    assert ("pathway-plan-review", None) not in c2
    assert ("housing-register-initial", None) in c2
    outcome.good_is_evaluated()


# --- Columns ------------------------------------------------------------------------------------------------

def test_a_column_the_header_lacks_reads_as_empty(tmp_path: Path, lancashire: Profile) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("date_of_birth,case_ref,housing_register_joined_on\n2009-05-10,C1,2025-09-01\n")
    disputes = tmp_path / "disputes.csv"
    disputes.write_text("stage_started_on,stage,case_ref,dispute_ref\n2026-11-18,3,C1,D1\n")  # no resolved_on
    evaluation = Evaluation(CsvSource(cases, disputes), lancashire, date(2026, 11, 23))
    found = {(f.obligation, f.ref): f for r in evaluation.results() for f in r.findings}
    assert evaluation.data_errors == []
    # No looked_after_since column: never looked after, so only the renewal and the dispute apply.
    assert {k for k in found if k[0] in CORE} == {("housing-register-renewal", None), ("dispute-escalation", "D1")}
    assert found[("housing-register-renewal", None)].due_date == date(2026, 9, 1)
    assert found[("dispute-escalation", "D1")].escalate_to_stage == 4


def run_check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--as-of", AS_OF, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("missing", ["case_ref", "date_of_birth"])
def test_a_missing_required_cases_column_stops_the_run(tmp_path: Path, missing: str) -> None:
    columns = [c for c in ("case_ref", "date_of_birth", "looked_after_since") if c != missing]
    values = {"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01"}
    cases = tmp_path / "cases.csv"
    cases.write_text(",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n")
    code, out, err = run_check("--cases", str(cases))
    assert code != 0
    assert out == ""
    assert f"no {missing} column" in err


@pytest.mark.parametrize("missing", ["dispute_ref", "case_ref", "stage", "stage_started_on"])
def test_a_missing_required_disputes_column_stops_the_run(tmp_path: Path, missing: str) -> None:
    cases = write_rows(tmp_path / "cases.csv", [GOOD])
    columns = [c for c in DISPUTE_HEADER if c != missing]
    disputes = tmp_path / "disputes.csv"
    disputes.write_text(",".join(columns) + "\n" + ",".join(GOOD_DISPUTE.get(c, "") for c in columns) + "\n")
    code, out, err = run_check("--cases", str(cases), "--disputes", str(disputes))
    assert code != 0
    assert out == ""
    assert f"no {missing} column" in err


def test_data_errors_do_not_stop_the_run(tmp_path: Path) -> None:
    cases = write_rows(tmp_path / "cases.csv", [GOOD, {"case_ref": "C9", "date_of_birth": "2031-01-01"}])
    code, out, err = run_check("--cases", str(cases))
    assert code == 0, err
    assert '"date of birth 2031-01-01 is after the as-of date"' in out


# --- Disputes ----------------------------------------------------------------------------------------------

def dispute(ref: str = "D1", case_ref: str = "G1", stage: str = "1", started: str = "2026-11-18",
            resolved: str = "") -> dict[str, str]:
    return {"dispute_ref": ref, "case_ref": case_ref, "stage": stage, "stage_started_on": started,
            "resolved_on": resolved}


def test_a_dispute_of_an_unknown_case_is_rejected(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(case_ref="C99")])
    assert "C99" in outcome.error("C99", "D1", "case_ref")
    assert not [f for f in outcome.findings if f.ref == "D1"]
    outcome.good_is_evaluated()


def test_a_dispute_of_a_rejected_case_is_rejected(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C1", "date_of_birth": "2031-01-01"}],
                       [dispute(case_ref="C1")])
    outcome.error("C1", None, "date_of_birth")
    assert "rejected" in outcome.error("C1", "D1", "case_ref")
    outcome.good_is_evaluated()


def test_a_dispute_without_a_case_ref_is_rejected(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(case_ref="")])
    outcome.error(None, "D1", "case_ref")
    outcome.good_is_evaluated()


@pytest.mark.parametrize("stage", ["0", "5", "two", "1.5", "-1", "", "IV"])
def test_a_dispute_stage_must_be_1_to_4(tmp_path: Path, lancashire: Profile, stage: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(stage=stage)])
    assert "stage" in outcome.error("G1", "D1", "stage")
    assert not [f for f in outcome.findings if f.ref == "D1"]
    outcome.good_is_evaluated()


@pytest.mark.parametrize("started", ["", "2 Nov 2026", "20261102", "2026-11-02 09:00", "11/30/2026"])
def test_a_dispute_start_date_must_be_given_and_readable(tmp_path: Path, lancashire: Profile, started: str) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(started=started)])
    assert "stage_started_on" in outcome.error("G1", "D1", "stage_started_on")
    assert not [f for f in outcome.findings if f.ref == "D1"]
    outcome.good_is_evaluated()


def test_an_unreadable_resolved_on_rejects_the_dispute(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(resolved="19th November")])
    outcome.error("G1", "D1", "resolved_on")
    assert not [f for f in outcome.findings if f.ref == "D1"]
    outcome.good_is_evaluated()


def test_resolved_before_started_rejects_the_dispute(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(ref="D1", resolved="2026-11-17"),
                                                  dispute(ref="D2", resolved="2026-11-18")])  # same day: fine
    assert "before stage_started_on" in outcome.error("G1", "D1", "resolved_on")
    found = outcome.of("G1")
    assert ("dispute-escalation", "D1") not in found
    assert found[("dispute-escalation", "D2")].completed_on == date(2026, 11, 18)
    outcome.good_is_evaluated()


def test_a_repeated_dispute_ref_rejects_every_such_row(tmp_path: Path, lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [{"case_ref": "C2", "date_of_birth": "2009-01-01"}],
                       [dispute(ref="D1"), dispute(ref="D1", case_ref="C2", stage="2"), dispute(ref="D2")])
    assert "more than one row" in outcome.error("G1", "D1", "dispute_ref")
    assert "more than one row" in outcome.error("C2", "D1", "dispute_ref")
    assert not [f for f in outcome.findings if f.ref == "D1"]
    assert ("dispute-escalation", "D2") in outcome.of("G1")
    outcome.good_is_evaluated()


def test_a_dispute_started_after_the_as_of_date_is_rejected(tmp_path: Path, lancashire: Profile) -> None:
    """v1.2: a stage cannot have begun on a day that has not come (it was accepted, as pending, before)."""
    outcome = evaluate(tmp_path, lancashire, [], [dispute(started="2026-12-01")])
    assert "after the as-of date" in outcome.error("G1", "D1", "stage_started_on")
    assert ("dispute-escalation", "D1") not in outcome.of("G1")
    outcome.good_is_evaluated()


# --- Dates no deadline can be counted from ------------------------------------------------------------------

@pytest.mark.parametrize("column", ["housing_register_joined_on", "housing_register_renewed_on",
                                    "pathway_plan_reviewed_on"])
def test_a_date_too_late_to_count_from_does_not_stop_the_run(tmp_path: Path, lancashire: Profile,
                                                             column: str) -> None:
    """A date in year 9999 is after the as-of date (v1.2): a data error, read as empty, not a crash."""
    row = {"case_ref": "C1", "date_of_birth": "2009-05-10", "looked_after_since": "2015-03-01",
           "housing_register_joined_on": "2025-09-01", column: "9999-12-31"}
    outcome = evaluate(tmp_path, lancashire, [row, {"case_ref": "C2", "date_of_birth": "2009-05-10",
                                                    "looked_after_since": "2015-03-01"}])
    assert "9999-12-31" in outcome.error("C1", None, column)
    assert ("housing-register-initial", None) in outcome.of("C1")  # the rest of the case is evaluated
    assert ("housing-register-initial", None) in outcome.of("C2")
    outcome.good_is_evaluated()


def test_a_dispute_started_too_late_to_count_from_does_not_stop_the_run(tmp_path: Path,
                                                                        lancashire: Profile) -> None:
    outcome = evaluate(tmp_path, lancashire, [], [dispute(started="9999-12-31"), dispute(ref="D2")])
    assert "9999-12-31" in outcome.error("G1", "D1", "stage_started_on")
    assert ("dispute-escalation", "D2") in outcome.of("G1")
    outcome.good_is_evaluated()
