"""The age milestones and the housing panel of the extended catalogue, date by date.

Every expectation is worked out by hand in the comment beside it. Ages: a person reaches age N on the Nth
anniversary of the date of birth, 1 March when born on 29 February in a year without one; "Y years M
months" is that day plus M months, clamped to the month's last day. "In care at X": looked after on or
before X and not ceased before it; for an X after the as-of date the record is taken as it stands.
Each obligation is run in a shipped profile that switches it on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.extended import Expected, Row, check, outcome

CARED = {"looked_after_since": "2015-01-01"}

# --- pa-allocated (bcp): in care at 15y 9m, due DOB + 15y 9m --------------------------------------------------

PA_CASES = [
    # DOB 31 May 2010: 15y = 31 May 2025; + 9 months = 31 Feb 2026 -> clamped to 28 Feb 2026.
    pytest.param({"date_of_birth": "2010-05-31", **CARED}, "2026-02-28",
                 ("pending", "2026-02-28", None), id="month-end-clamped-due-day"),
    pytest.param({"date_of_birth": "2010-05-31", **CARED}, "2026-03-01",
                 ("overdue", "2026-02-28", None), id="month-end-clamped-day-after"),
    # DOB 29 Feb 2008: 15y = 1 Mar 2023 (no 29 Feb 2023); + 9 months = 1 Dec 2023 (the spec's own example).
    pytest.param({"date_of_birth": "2008-02-29", **CARED}, "2023-12-02",
                 ("overdue", "2023-12-01", None), id="29-february"),
    # Allocated after the due day: met all the same, on the day it was done.
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "adviser_allocated_on": "2024-01-10"}, "2024-02-01",
                 ("met", "2023-12-01", "2024-01-10"), id="met-late"),
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "adviser_allocated_on": "2023-06-01"}, "2024-02-01",
                 ("met", "2023-12-01", "2023-06-01"), id="met-early"),
    # A milestone not reached yet is pending: DOB 15 Jan 2012, 15y 9m = 15 Oct 2027, in care as it stands.
    pytest.param({"date_of_birth": "2012-01-15", **CARED}, "2026-01-01",
                 ("pending", "2027-10-15", None), id="not-yet-reached-is-pending"),
    # Came into care on 2 Dec 2023, the day after 15y 9m: not in care at 15y 9m.
    pytest.param({"date_of_birth": "2008-02-29", "looked_after_since": "2023-12-02"}, "2024-01-01",
                 None, id="in-care-only-after"),
    # Ceased on 30 Nov 2023, the day before: not in care at 15y 9m. Ceased on the day itself: still in care.
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "ceased_looked_after_on": "2023-11-30"}, "2024-01-01",
                 None, id="ceased-the-day-before"),
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "ceased_looked_after_on": "2023-12-01"}, "2024-01-01",
                 ("overdue", "2023-12-01", None), id="ceased-on-the-day"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), PA_CASES)
def test_pa_allocated(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "bcp", row, as_of, "pa-allocated")) == expected


# --- joint-housing-assessment (bcp): in care at 17, due DOB + 17y ------------------------------------------------

JHA_CASES = [
    # DOB 29 Feb 2008: 17 on 1 Mar 2025 (no 29 Feb 2025). No month of grace.
    pytest.param({"date_of_birth": "2008-02-29", **CARED}, "2025-03-01",
                 ("pending", "2025-03-01", None), id="29-february-due-day"),
    pytest.param({"date_of_birth": "2008-02-29", **CARED}, "2025-03-02",
                 ("overdue", "2025-03-01", None), id="29-february-day-after"),
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "joint_housing_assessment_on": "2024-12-01"},
                 "2025-04-01", ("met", "2025-03-01", "2024-12-01"), id="met-before"),
    # Ceased care at 16 (1 Mar 2024): not in care at 17.
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "ceased_looked_after_on": "2024-03-01"}, "2025-04-01",
                 None, id="not-in-care-at-17"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), JHA_CASES)
def test_joint_housing_assessment(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "bcp", row, as_of, "joint-housing-assessment")) == expected


# --- pre18-panel (luton): in care at 17y 6m, due DOB + 17y 6m ---------------------------------------------------

PRE18_CASES = [
    # DOB 31 Aug 2007: 17y = 31 Aug 2024; + 6 months = 31 Feb 2025 -> 28 Feb 2025.
    pytest.param({"date_of_birth": "2007-08-31", **CARED}, "2025-02-28",
                 ("pending", "2025-02-28", None), id="month-end"),
    # DOB 31 Aug 2006: 17y = 31 Aug 2023; + 6 months -> 29 Feb 2024 (a leap year).
    pytest.param({"date_of_birth": "2006-08-31", **CARED}, "2024-03-01",
                 ("overdue", "2024-02-29", None), id="month-end-leap-year"),
    pytest.param({"date_of_birth": "2006-08-31", **CARED, "pre18_panel_on": "2024-03-15"}, "2024-04-01",
                 ("met", "2024-02-29", "2024-03-15"), id="met-late"),
    # Ceased at 17y 3m (30 Nov 2023), before 17y 6m (29 Feb 2024): not reported.
    pytest.param({"date_of_birth": "2006-08-31", **CARED, "ceased_looked_after_on": "2023-11-30"}, "2024-04-01",
                 None, id="ceased-before-17y6m"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), PRE18_CASES)
def test_pre18_panel(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "luton", row, as_of, "pre18-panel")) == expected


# --- housing-options-meeting (lancashire): in care at 17, due 17y 6m, or 17y when placed out of area -------------

HOM_CASES = [
    # DOB 31 Aug 2008: 17y = 31 Aug 2025; 17y 6m = 31 Feb 2026 -> 28 Feb 2026.
    pytest.param({"date_of_birth": "2008-08-31", **CARED}, "2026-02-28",
                 ("pending", "2026-02-28", None), id="17y6m-month-end"),
    pytest.param({"date_of_birth": "2008-08-31", **CARED, "placed_out_of_area": "yes"}, "2026-02-28",
                 ("overdue", "2025-08-31", None), id="out-of-area-due-at-17"),
    pytest.param({"date_of_birth": "2008-08-31", **CARED, "placed_out_of_area": "no"}, "2025-09-01",
                 ("pending", "2026-02-28", None), id="not-out-of-area"),
    # DOB 29 Feb 2008: 17 on 1 Mar 2025; 17y 6m = 1 Sep 2025.
    pytest.param({"date_of_birth": "2008-02-29", **CARED}, "2025-09-02",
                 ("overdue", "2025-09-01", None), id="29-february"),
    pytest.param({"date_of_birth": "2008-02-29", **CARED, "placed_out_of_area": "TRUE"}, "2025-03-01",
                 ("pending", "2025-03-01", None), id="29-february-out-of-area"),
    pytest.param({"date_of_birth": "2008-08-31", **CARED, "housing_options_meeting_on": "2026-03-10"}, "2026-04-01",
                 ("met", "2026-02-28", "2026-03-10"), id="met-late"),
    # Ceased care on 30 Aug 2025, the day before turning 17: not reported.
    pytest.param({"date_of_birth": "2008-08-31", **CARED, "ceased_looked_after_on": "2025-08-30"}, "2026-04-01",
                 None, id="not-in-care-at-17"),
    # Came into care on 1 Sep 2025, after turning 17: not reported.
    pytest.param({"date_of_birth": "2008-08-31", "looked_after_since": "2025-09-01"}, "2026-04-01",
                 None, id="in-care-only-after-17"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), HOM_CASES)
def test_housing_options_meeting(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "lancashire", row, as_of, "housing-options-meeting")) == expected


# --- housing-panel (lancashire): in care at 16 or later, from A, due A + 3 months --------------------------------

PANEL_CASES = [
    # DOB 30 Nov 2009, in care since 2015: A = 30 Nov 2025; + 3 months = 30 Feb 2026 -> 28 Feb 2026.
    pytest.param({"date_of_birth": "2009-11-30", **CARED}, "2025-11-29", None, id="not-before-A"),
    pytest.param({"date_of_birth": "2009-11-30", **CARED}, "2025-11-30",
                 ("pending", "2026-02-28", None), id="from-A"),
    pytest.param({"date_of_birth": "2009-11-30", **CARED}, "2026-03-02",
                 ("overdue", "2026-02-28", None), id="overdue"),
    # In care from 31 Aug 2025, after the 16th birthday (1 Jan 2025): A = 31 Aug 2025; + 3 months = 30 Nov 2025.
    pytest.param({"date_of_birth": "2009-01-01", "looked_after_since": "2025-08-31"}, "2025-12-01",
                 ("overdue", "2025-11-30", None), id="late-entry-month-end"),
    # Presented before A (at 15) or after the due date: met on that day either way.
    pytest.param({"date_of_birth": "2009-11-30", **CARED, "housing_panel_on": "2025-10-01"}, "2025-12-01",
                 ("met", "2026-02-28", "2025-10-01"), id="completed-before-anchor"),
    pytest.param({"date_of_birth": "2009-11-30", **CARED, "housing_panel_on": "2026-03-05"}, "2026-03-10",
                 ("met", "2026-02-28", "2026-03-05"), id="completed-after-due"),
    # Ceased care the day before the 16th birthday: not in care at 16 or later.
    pytest.param({"date_of_birth": "2009-11-30", **CARED, "ceased_looked_after_on": "2025-11-29"}, "2025-12-01",
                 None, id="left-care-before-16"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), PANEL_CASES)
def test_housing_panel(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "lancashire", row, as_of, "housing-panel")) == expected
