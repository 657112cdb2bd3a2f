"""The approval gates: B&B approval and intentional homelessness sign-off, date by date.

An approval gate is due on the event date itself (whatever day it is), or N working days after it with a
grace of N; it is met only by an approval dated on or before the due date (an approval before the event
counts); a later approval never completes it. Owner: head of service, in every profile; nobody ranks
above, so it is never escalated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.extended import Expected, Row, check, outcome

from checker.profiles import load_profile

ADULT = {"date_of_birth": "2006-06-15"}
BNB = {**ADULT, "bnb_since": "2026-03-07"}  # a Saturday

BNB_CASES = [
    pytest.param(BNB, "2026-03-07", ("pending", "2026-03-07", None), id="due-the-day-it-starts-a-saturday"),
    pytest.param(BNB, "2026-03-08", ("overdue", "2026-03-07", None), id="overdue-the-next-day"),
    pytest.param({**BNB, "bnb_approved_on": "2026-03-07"}, "2026-03-09",
                 ("met", "2026-03-07", "2026-03-07"), id="approved-that-day"),
    pytest.param({**BNB, "bnb_approved_on": "2026-03-06"}, "2026-03-09",
                 ("met", "2026-03-07", "2026-03-06"), id="approved-before"),
    # Approved on Monday 9 Mar, two days late: never met, overdue for as long as the placement is recorded.
    pytest.param({**BNB, "bnb_approved_on": "2026-03-09"}, "2026-03-09",
                 ("overdue", "2026-03-07", None), id="late-approval-never-completes"),
    pytest.param({**BNB, "bnb_approved_on": "2026-03-09"}, "2026-06-01",
                 ("overdue", "2026-03-07", None), id="late-approval-months-on"),
    pytest.param({**ADULT, "bnb_approved_on": "2026-03-09"}, "2026-03-09", None, id="no-bnb"),
]


@pytest.mark.parametrize("profile", ["lancashire", "bcp"])
@pytest.mark.parametrize(("row", "as_of", "expected"), BNB_CASES)
def test_bnb_approval_without_grace(tmp_path: Path, profile: str, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, profile, row, as_of, "bnb-approval")) == expected


def with_grace(folder: Path, days: int) -> Path:
    shipped = (Path(__file__).resolve().parents[2] / "config" / "profiles" / "lancashire.toml").read_text()
    path = folder / "profiles" / "graced.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(shipped + f"\n[overrides.bnb-approval.parameters]\ngrace_working_days = {days}\n")
    return path


# Placed on Thu 2 Apr 2026 with a grace of 2 working days: Fri 3 Apr (Good Friday) and Mon 6 Apr (Easter
# Monday) are bank holidays, so day 1 is Tue 7 Apr and day 2, the due date, Wed 8 Apr 2026.
EASTER = {**ADULT, "bnb_since": "2026-04-02"}
GRACE_CASES = [
    pytest.param(EASTER, "2026-04-08", ("pending", "2026-04-08", None), id="pending-through-easter"),
    pytest.param(EASTER, "2026-04-09", ("overdue", "2026-04-08", None), id="overdue-after-grace"),
    pytest.param({**EASTER, "bnb_approved_on": "2026-04-08"}, "2026-04-09",
                 ("met", "2026-04-08", "2026-04-08"), id="approved-on-the-last-day-of-grace"),
    pytest.param({**EASTER, "bnb_approved_on": "2026-04-09"}, "2026-04-09",
                 ("overdue", "2026-04-08", None), id="approved-after-the-grace"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), GRACE_CASES)
def test_bnb_approval_with_a_grace(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    profile = load_profile(str(with_grace(tmp_path, 2)))
    assert outcome(check(tmp_path, profile, row, as_of, "bnb-approval")) == expected


DECISION = {**ADULT, "intentionality_decision_on": "2026-02-10"}
SIGNOFF_CASES = [
    pytest.param(DECISION, "2026-02-10", ("pending", "2026-02-10", None), id="due-on-the-decision"),
    pytest.param({**DECISION, "intentionality_signoff_on": "2026-02-10"}, "2026-02-11",
                 ("met", "2026-02-10", "2026-02-10"), id="signed-off-that-day"),
    pytest.param({**DECISION, "intentionality_signoff_on": "2026-02-09"}, "2026-02-11",
                 ("met", "2026-02-10", "2026-02-09"), id="signed-off-before"),
    pytest.param({**DECISION, "intentionality_signoff_on": "2026-02-11"}, "2026-02-11",
                 ("overdue", "2026-02-10", None), id="signed-off-after"),
    pytest.param({**ADULT, "intentionality_signoff_on": "2026-02-11"}, "2026-02-11", None, id="no-decision"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), SIGNOFF_CASES)
def test_intentionality_signoff(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "national", row, as_of, "intentionality-signoff")) == expected


@pytest.mark.parametrize(("profile", "obligation", "row"), [
    ("lancashire", "bnb-approval", BNB),
    ("bcp", "bnb-approval", BNB),
    ("national", "intentionality-signoff", DECISION),
])
def test_approvals_are_owned_by_the_head_of_service_and_never_escalated(tmp_path: Path, profile: str,
                                                                         obligation: str, row: Row) -> None:
    finding = check(tmp_path, profile, row, "2026-12-01", obligation)  # months overdue: over 40 working days
    assert finding is not None
    assert finding.status == "overdue"
    assert finding.working_days_overdue >= 40
    assert finding.owner == "head_of_service"
    assert finding.escalated_to is None
