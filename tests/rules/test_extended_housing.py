"""Host-area registration, information-sharing consent and the shared pathway plan, date by date.

Expectations are worked out by hand in the comments; months are added with month-end clamping.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.extended import Expected, Row, check, outcome

# --- host-area-registration (lancashire): settled out of the local-connection district since 16 or later --------

# Born 15 Mar 2009 (16 on 15 Mar 2025), in care since 2020, settled in Preston since 31 Aug 2025 with a local
# connection to Burnley: due 31 Aug 2025 + 6 months = 31 Feb 2026 -> 28 Feb 2026.
HOST = {"date_of_birth": "2009-03-15", "looked_after_since": "2020-01-01", "placement_area": "Preston",
        "local_connection_area": "Burnley", "placement_settled": "yes", "placement_area_since": "2025-08-31"}
HOST_CASES = [
    pytest.param(HOST, "2026-02-28", ("pending", "2026-02-28", None), id="month-end-due-day"),
    pytest.param(HOST, "2026-03-02", ("overdue", "2026-02-28", None), id="overdue"),
    pytest.param({**HOST, "host_register_joined_on": "2025-12-01"}, "2026-03-02",
                 ("met", "2026-02-28", "2025-12-01"), id="met"),
    # The same district, written in another case: not out of area.
    pytest.param({**HOST, "local_connection_area": "PRESTON"}, "2026-03-02", None, id="same-district-any-case"),
    pytest.param({**HOST, "local_connection_area": ""}, "2026-03-02", None, id="no-local-connection"),
    pytest.param({**HOST, "placement_settled": "no"}, "2026-03-02", None, id="not-settled"),
    # There since 14 Mar 2025, the day before the 16th birthday: not reported; since the birthday itself:
    # due 15 Mar 2025 + 6 months = 15 Sep 2025.
    pytest.param({**HOST, "placement_area_since": "2025-03-14"}, "2025-10-01", None, id="since-before-16"),
    pytest.param({**HOST, "placement_area_since": "2025-03-15"}, "2025-10-01",
                 ("overdue", "2025-09-15", None), id="since-the-16th-birthday"),
    # Left care on 30 Aug 2025, the day before the move there: not in care at placement_area_since.
    pytest.param({**HOST, "ceased_looked_after_on": "2025-08-30"}, "2026-03-02", None, id="not-in-care-then"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), HOST_CASES)
def test_host_area_registration(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "lancashire", row, as_of, "host-area-registration")) == expected


# --- information-sharing-consent (lancashire, kent): due on the day of registration ------------------------------

JOINED = {"date_of_birth": "2008-04-01", "housing_register_joined_on": "2026-01-10"}
CONSENT_CASES = [
    pytest.param(JOINED, "2026-01-10", ("pending", "2026-01-10", None), id="due-on-registration"),
    pytest.param(JOINED, "2026-01-11", ("overdue", "2026-01-10", None), id="day-after"),
    pytest.param({**JOINED, "consent_to_share_on": "2025-12-01"}, "2026-02-01",
                 ("met", "2026-01-10", "2025-12-01"), id="signed-before"),
    pytest.param({**JOINED, "consent_to_share_on": "2026-02-01"}, "2026-02-02",
                 ("met", "2026-01-10", "2026-02-01"), id="signed-late"),
    pytest.param({"date_of_birth": "2008-04-01"}, "2026-02-02", None, id="not-registered"),
]


@pytest.mark.parametrize("profile", ["lancashire", "kent"])
@pytest.mark.parametrize(("row", "as_of", "expected"), CONSENT_CASES)
def test_information_sharing_consent(tmp_path: Path, profile: str, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, profile, row, as_of, "information-sharing-consent")) == expected


# --- pathway-plan-shared (lancashire): recurring, first due at registration, then every 6 months ----------------

SHARING = {"date_of_birth": "2008-04-01", "housing_register_joined_on": "2025-08-31",
           "consent_to_share_on": "2025-08-31"}
SHARED_CASES = [
    # Never shared: due on registration day itself, 31 Aug 2025.
    pytest.param(SHARING, "2025-08-31", ("pending", "2025-08-31", None), id="first-due-at-registration"),
    pytest.param(SHARING, "2025-09-01", ("overdue", "2025-08-31", None), id="not-shared"),
    # Shared on registration day: next due 31 Aug 2025 + 6 months = 31 Feb -> 28 Feb 2026. Recurring: never met.
    pytest.param({**SHARING, "pathway_plan_shared_on": "2025-08-31"}, "2026-02-28",
                 ("pending", "2026-02-28", None), id="shared-on-registration"),
    # Shared the day before registering: not part of the registration, still due on registration day.
    pytest.param({**SHARING, "pathway_plan_shared_on": "2025-08-30"}, "2025-09-01",
                 ("overdue", "2025-08-31", None), id="shared-before-registration"),
    # Shared 31 Aug 2023: next due 31 Aug 2023 + 6 months = 31 Feb 2024 -> 29 Feb 2024 (a leap year).
    pytest.param({"date_of_birth": "2006-04-01", "housing_register_joined_on": "2023-08-01",
                  "consent_to_share_on": "2023-08-01", "pathway_plan_shared_on": "2023-08-31"}, "2024-03-01",
                 ("overdue", "2024-02-29", None), id="leap-year"),
    pytest.param({**SHARING, "consent_to_share_on": ""}, "2025-09-01", None, id="no-consent"),
]


@pytest.mark.parametrize(("row", "as_of", "expected"), SHARED_CASES)
def test_pathway_plan_shared(tmp_path: Path, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, "lancashire", row, as_of, "pathway-plan-shared")) == expected
