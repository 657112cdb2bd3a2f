"""Moves, the Duty to Refer and custody in the extended catalogue, date by date.

Expectations are worked out by hand in the comments. Subtracting months clamps to the month's end
(31 May - 3 months = 28 or 29 Feb); "N working days after X" is the Nth working day strictly after X,
skipping weekends and the bank holidays of England and Wales (25 and 26 Dec 2025 Thu/Fri, 1 Jan 2026
Thu, Good Friday 3 Apr and Easter Monday 6 Apr 2026). A before-event obligation is reported while
the as-of date is on or before the event.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.extended import Expected, Row, check, evaluate_row, outcome, shipped

ADULT = {"date_of_birth": "2006-06-15"}  # 18 on 15 Jun 2024; no care history needed by these obligations

# --- pre-move-housing-contact (kent): planned_move_on - 3 months ------------------------------------------------

MOVE_MAY = {**ADULT, "planned_move_on": "2026-05-31"}  # 31 May 2026 - 3 months = 31 Feb -> 28 Feb 2026
CONTACT_CASES = [
    pytest.param(MOVE_MAY, "2026-02-28", ("pending", "2026-02-28", None), id="month-end-due-day"),
    pytest.param(MOVE_MAY, "2026-03-01", ("overdue", "2026-02-28", None), id="month-end-day-after"),
    pytest.param(MOVE_MAY, "2026-05-31", ("overdue", "2026-02-28", None), id="reported-on-the-move-day"),
    pytest.param(MOVE_MAY, "2026-06-01", None, id="not-after-the-move"),
    # 31 May 2028 - 3 months = 29 Feb 2028 (a leap year).
    pytest.param({**ADULT, "planned_move_on": "2028-05-31"}, "2028-01-01",
                 ("pending", "2028-02-29", None), id="29-february"),
    pytest.param({**MOVE_MAY, "housing_contact_on": "2026-04-20"}, "2026-05-01",
                 ("met", "2026-02-28", "2026-04-20"), id="met-late"),
    pytest.param({**ADULT, "housing_contact_on": "2026-04-20"}, "2026-05-01", None, id="no-planned-move"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), CONTACT_CASES)
def test_pre_move_housing_contact(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "kent", row, as_of, "pre-move-housing-contact")) == expected


# --- planned-move (every profile): planned_move_on - 28 days ----------------------------------------------------

PLANNED_CASES = [
    # 1 Mar 2026 - 28 days: February 2026 has 28 days, so 1 Feb 2026.
    pytest.param({**ADULT, "planned_move_on": "2026-03-01"}, "2026-02-01",
                 ("pending", "2026-02-01", None), id="across-february"),
    # 28 Mar 2024 - 28 days = 29 Feb 2024 (28 Mar -> 28 Feb is 29 days back in a leap year, so one day later).
    pytest.param({**ADULT, "planned_move_on": "2024-03-28"}, "2024-03-01",
                 ("overdue", "2024-02-29", None), id="29-february"),
    pytest.param({**ADULT, "planned_move_on": "2026-03-01", "move_plan_agreed_on": "2026-01-10"}, "2026-02-20",
                 ("met", "2026-02-01", "2026-01-10"), id="met-early"),
    pytest.param({**ADULT, "planned_move_on": "2026-03-01"}, "2026-03-02", None, id="not-after-the-move"),
]


@pytest.mark.parametrize("profile", ["lancashire", "kent", "bcp", "luton", "national"])
@pytest.mark.parametrize(("row", "as_of", "expected"), PLANNED_CASES)
def test_planned_move(tmp_path: Path, profile: str, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, profile, row, as_of, "planned-move")) == expected


# --- duty-to-refer (lancashire): 18 or over on the day, due 1 working day after ----------------------------------

# Threatened on Wed 24 Dec 2025: Thu 25 and Fri 26 are bank holidays, 27-28 a weekend: due Mon 29 Dec 2025.
XMAS = {"date_of_birth": "2007-12-24", "threatened_with_homelessness_on": "2025-12-24"}  # 18 that very day
REFER_CASES = [
    pytest.param(XMAS, "2025-12-29", ("pending", "2025-12-29", None), id="across-christmas"),
    pytest.param(XMAS, "2025-12-30", ("overdue", "2025-12-29", None), id="across-christmas-overdue"),
    # Threatened on Saturday 7 Mar 2026: Monday 9 Mar is working day 1.
    pytest.param({**ADULT, "threatened_with_homelessness_on": "2026-03-07"}, "2026-03-09",
                 ("pending", "2026-03-09", None), id="saturday"),
    # Threatened on Thu 2 Apr 2026: Fri 3 Apr Good Friday, Mon 6 Apr Easter Monday: due Tue 7 Apr.
    pytest.param({**ADULT, "threatened_with_homelessness_on": "2026-04-02"}, "2026-04-08",
                 ("overdue", "2026-04-07", None), id="easter"),
    # Born 25 Dec 2007: 17 on 24 Dec 2025, so under the minimum age of 18: not reported.
    pytest.param({"date_of_birth": "2007-12-25", "threatened_with_homelessness_on": "2025-12-24"}, "2025-12-29",
                 None, id="under-18-on-the-day"),
    # Born 29 Feb 2008: 18 on 1 Mar 2026. Threatened 28 Feb 2026: still 17.
    pytest.param({"date_of_birth": "2008-02-29", "threatened_with_homelessness_on": "2026-02-28"}, "2026-03-02",
                 None, id="29-february-still-17"),
    # Threatened Sun 1 Mar 2026, the 18th birthday: due Mon 2 Mar.
    pytest.param({"date_of_birth": "2008-02-29", "threatened_with_homelessness_on": "2026-03-01"}, "2026-03-02",
                 ("pending", "2026-03-02", None), id="29-february-18-on-1-march"),
    # A referral dated before the threat does not count; on the day or later (even late) it does.
    pytest.param({**XMAS, "duty_to_refer_on": "2025-12-23"}, "2026-01-05",
                 ("overdue", "2025-12-29", None), id="referral-before-the-threat"),
    pytest.param({**XMAS, "duty_to_refer_on": "2025-12-24"}, "2026-01-05",
                 ("met", "2025-12-29", "2025-12-24"), id="referral-same-day"),
    pytest.param({**XMAS, "duty_to_refer_on": "2026-01-02"}, "2026-01-05",
                 ("met", "2025-12-29", "2026-01-02"), id="referral-late"),
    pytest.param(ADULT, "2026-01-05", None, id="no-threat"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), REFER_CASES)
def test_duty_to_refer(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "lancashire", row, as_of, "duty-to-refer")) == expected


@pytest.mark.parametrize(("as_of", "overdue_days", "escalated"), [
    # Due Mon 29 Dec 2025. Working days after it: Tue 30 (1), Wed 31 (2), Thu 1 Jan is a bank holiday,
    # Fri 2 (3), Mon 5 (4), Tue 6 (5): the manager is told from 5 working days overdue.
    ("2026-01-05", 4, None),
    ("2026-01-06", 5, "manager"),
])
def test_an_overdue_referral_climbs_the_ladder_by_working_days(tmp_path: Path, as_of: str, overdue_days: int,
                                                                escalated: str | None) -> None:
    finding = check(tmp_path, "lancashire", XMAS, as_of, "duty-to-refer")
    assert finding is not None
    assert finding.owner == "adviser"
    assert finding.working_days_overdue == overdue_days
    assert finding.escalated_to == escalated


# --- custody-duty-to-refer (bcp): in custody, no accommodation confirmed, due release - 56 days --------------------

# Release Tue 30 Jun 2026: 30 days back is 31 May, 26 more is 5 May 2026.
CUSTODY = {**ADULT, "in_custody": "yes", "custody_started_on": "2026-01-05", "release_date": "2026-06-30"}
CUSTODY_CASES = [
    pytest.param(CUSTODY, "2026-05-05", ("pending", "2026-05-05", None), id="due-day"),
    pytest.param(CUSTODY, "2026-05-06", ("overdue", "2026-05-05", None), id="day-after"),
    pytest.param(CUSTODY, "2026-06-30", ("overdue", "2026-05-05", None), id="release-day"),
    pytest.param(CUSTODY, "2026-07-01", None, id="released"),
    pytest.param({**CUSTODY, "release_accommodation_confirmed": "yes"}, "2026-05-06", None,
                 id="accommodation-confirmed"),
    pytest.param({**CUSTODY, "release_accommodation_confirmed": "no"}, "2026-05-06",
                 ("overdue", "2026-05-05", None), id="accommodation-not-confirmed"),
    # A referral before this custody began does not count; one after it does.
    pytest.param({**CUSTODY, "duty_to_refer_on": "2025-12-01"}, "2026-05-06",
                 ("overdue", "2026-05-05", None), id="referral-before-custody"),
    pytest.param({**CUSTODY, "duty_to_refer_on": "2026-05-20"}, "2026-05-25",
                 ("met", "2026-05-05", "2026-05-20"), id="referral-late"),
    pytest.param({**CUSTODY, "custody_started_on": "", "duty_to_refer_on": "2025-12-01"}, "2026-05-06",
                 ("met", "2026-05-05", "2025-12-01"), id="no-custody-start"),
    pytest.param({**CUSTODY, "in_custody": "no"}, "2026-05-06", None, id="not-in-custody"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), CUSTODY_CASES)
def test_custody_duty_to_refer(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "bcp", row, as_of, "custody-duty-to-refer")) == expected


@pytest.mark.parametrize("profile", ["bcp", "national"])
def test_custody_without_a_release_date_skips_both_custody_obligations_with_one_error(tmp_path: Path,
                                                                                        profile: str) -> None:
    row = {**CUSTODY, "release_date": "", "threatened_with_homelessness_on": "2026-04-02"}
    found, errors = evaluate_row(tmp_path, shipped(profile), row, "2026-05-06")
    assert "custody-duty-to-refer" not in found
    assert "custody-release-review" not in found
    assert [(e.case_ref, e.field) for e in errors] == [("C1", "release_date")]
    # The rest of the case is still checked: the Duty to Refer of 2 Apr 2026 was due Tue 7 Apr (Easter).
    assert outcome(found.get("duty-to-refer")) == ("overdue", "2026-04-07", None)
