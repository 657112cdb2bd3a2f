"""Each rule kind with the parameters no shipped profile uses, through an authority's own profile.

The obligations below are an authority's own ([[obligation]] entries), so the kinds are tested as a
profile author would use them: working-day periods and local closures, a grace on an age milestone, a
recurring obligation's first due date, a before-event period in months, and the dispute ladder with its
own stage length. Expected dates are worked out by hand in the comments (bank holidays of England and
Wales: 25, 26 Dec 2025, 1 Jan 2026).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from support.caseload import write_rows
from support.extended import Expected, Row, check, outcome

from checker.engine import Evaluation
from checker.profiles import Profile, load_profile
from checker.sources import CsvSource
from rules.kinds import KINDS

OWN = {
    "refer-3wd": ('after_anchor', '{ anchor = "threatened_with_homelessness_on", period = { working_days = 3 }, '
                  'completed_by = "duty_to_refer_on" }'),
    "consent-10d": ('after_anchor', '{ anchor = "housing_register_joined_on", period = { days = 10 }, '
                    'completed_by = "consent_to_share_on" }'),
    "move-1m": ('before_event', '{ event = "planned_move_on", period = { months = 1 }, '
                'completed_by = "housing_contact_on" }'),
    "share-yearly": ('recurring', '{ since = "housing_register_joined_on", last_done = "pathway_plan_shared_on", '
                     'every = { months = 12 }, first_due_after = { months = 1 } }'),
    "jha-grace-month": ('age_milestone', '{ due_at = { years = 17 }, grace = { months = 1 }, '
                        'completed_by = "joint_housing_assessment_on" }'),
    "jha-grace-2wd": ('age_milestone', '{ due_at = { years = 17 }, grace = { working_days = 2 }, '
                      'completed_by = "joint_housing_assessment_on" }'),
    "panel-in-care-at-16": ('age_milestone', '{ in_care_at = { years = 16 }, due_at = { years = 17 }, '
                            'completed_by = "pre18_panel_on" }'),
    "bnb-3wd": ('approval_gate', '{ event = "bnb_since", approval = "bnb_approved_on", grace_working_days = 3 }'),
}


def own_profile(folder: Path, extra: str = "") -> Profile:
    entries = "".join(
        f'\n[[obligation]]\nid = "{ident}"\nkind = "{kind}"\ntitle = "{ident}"\ncitation = "000 §1"\n'
        f'owner = "adviser"\nparameters = {params}\n'
        for ident, (kind, params) in OWN.items()
    )
    listed = ", ".join(f'"{i}"' for i in (*OWN, "dispute-escalation"))
    path = folder / "profiles" / "own.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[profile]\nname = "own"\ntitle = "Own"\nobligations = [{listed}]\n{extra}{entries}')
    return load_profile(str(path))


CASES = [
    # Threatened Wed 24 Dec 2025: Mon 29 (1), Tue 30 (2), Wed 31 Dec (3).
    pytest.param("refer-3wd", {"date_of_birth": "2006-01-01", "threatened_with_homelessness_on": "2025-12-24"},
                 "2025-12-31", ("pending", "2025-12-31", None), id="after-anchor-working-days"),
    # 25 Jan 2026 + 10 days = 4 Feb 2026.
    pytest.param("consent-10d", {"date_of_birth": "2006-01-01", "housing_register_joined_on": "2026-01-25"},
                 "2026-02-05", ("overdue", "2026-02-04", None), id="after-anchor-days"),
    # 31 Mar 2026 - 1 month = 31 Feb -> 28 Feb 2026.
    pytest.param("move-1m", {"date_of_birth": "2006-01-01", "planned_move_on": "2026-03-31"},
                 "2026-03-01", ("overdue", "2026-02-28", None), id="before-event-months"),
    # Registered 31 Jan 2026, never shared: first due 31 Jan + 1 month = 28 Feb 2026.
    pytest.param("share-yearly", {"date_of_birth": "2006-01-01", "housing_register_joined_on": "2026-01-31"},
                 "2026-02-01", ("pending", "2026-02-28", None), id="recurring-first-due"),
    # Shared 10 Feb 2026: next due 10 Feb 2027; a recurring obligation is never met.
    pytest.param("share-yearly", {"date_of_birth": "2006-01-01", "housing_register_joined_on": "2026-01-31",
                                  "pathway_plan_shared_on": "2026-02-10"},
                 "2026-03-01", ("pending", "2027-02-10", None), id="recurring-every"),
    # DOB 31 Jan 2008: 17 on 31 Jan 2025, + 1 month = 31 Feb -> 28 Feb 2025.
    pytest.param("jha-grace-month", {"date_of_birth": "2008-01-31", "looked_after_since": "2015-01-01"},
                 "2025-03-01", ("overdue", "2025-02-28", None), id="age-grace-month-end"),
    # DOB 29 Feb 2008: 17 on 1 Mar 2025, + 1 month = 1 Apr 2025.
    pytest.param("jha-grace-month", {"date_of_birth": "2008-02-29", "looked_after_since": "2015-01-01"},
                 "2025-04-01", ("pending", "2025-04-01", None), id="age-grace-29-february"),
    # DOB 24 Dec 2008: 17 on Wed 24 Dec 2025; 2 working days later: Mon 29 (1), Tue 30 Dec (2).
    pytest.param("jha-grace-2wd", {"date_of_birth": "2008-12-24", "looked_after_since": "2015-01-01"},
                 "2025-12-31", ("overdue", "2025-12-30", None), id="age-grace-working-days"),
    # In care at 16 (1 Jan 2024) but left at 16y 6m: reported all the same (in_care_at 16), due at 17.
    pytest.param("panel-in-care-at-16", {"date_of_birth": "2008-01-01", "looked_after_since": "2015-01-01",
                                         "ceased_looked_after_on": "2024-07-01"},
                 "2025-01-02", ("overdue", "2025-01-01", None), id="age-in-care-at-another-age"),
    # B&B from Wed 24 Dec 2025, 3 working days' grace: Mon 29, Tue 30, Wed 31 Dec 2025.
    pytest.param("bnb-3wd", {"date_of_birth": "2006-01-01", "bnb_since": "2025-12-24",
                             "bnb_approved_on": "2025-12-31"},
                 "2026-01-02", ("met", "2025-12-31", "2025-12-31"), id="approval-gate-grace"),
]


@pytest.mark.parametrize(("obligation", "row", "as_of", "expected"), CASES)
def test_each_kind(tmp_path: Path, obligation: str, row: Row, as_of: str, expected: Expected) -> None:
    assert outcome(check(tmp_path, own_profile(tmp_path), row, as_of, obligation)) == expected


def test_a_local_closure_moves_a_working_day_period(tmp_path: Path) -> None:
    # Closed on Tue 30 Dec 2025: Mon 29 (1), Wed 31 (2), Thu 1 Jan is a bank holiday, Fri 2 Jan 2026 (3).
    profile = own_profile(tmp_path, '[calendar]\nclosures = ["2025-12-30"]\n')
    row = {"date_of_birth": "2006-01-01", "threatened_with_homelessness_on": "2025-12-24"}
    assert outcome(check(tmp_path, profile, row, "2026-01-02", "refer-3wd")) == ("pending", "2026-01-02", None)


def ladder(folder: Path, profile: Profile, stage: str, started: str, as_of: str) -> tuple[str, str, int | None]:
    """(status, due date, escalate_to_stage) of the one dispute."""
    cases = write_rows(folder / "cases.csv", [{"case_ref": "C1", "date_of_birth": "2006-01-01"}])
    disputes = write_rows(folder / "disputes.csv", [{"dispute_ref": "D1", "case_ref": "C1", "stage": stage,
                                                     "stage_started_on": started, "resolved_on": ""}])
    evaluation = Evaluation(CsvSource(cases, disputes), profile, date.fromisoformat(as_of))
    found = [f for r in evaluation.results() for f in r.findings if f.obligation == "dispute-escalation"]
    assert len(found) == 1
    return found[0].status.value, found[0].due_date.isoformat(), found[0].escalate_to_stage


def test_the_ladder_with_its_own_stage_length(tmp_path: Path) -> None:
    # 5 working days a stage from Wed 24 Dec 2025: 29, 30, 31 Dec, 2 Jan (1 Jan a bank holiday), Mon 5 Jan 2026.
    profile = own_profile(tmp_path, "[overrides.dispute-escalation.parameters]\nworking_days_per_stage = 5\n")
    assert ladder(tmp_path, profile, "2", "2025-12-24", "2026-01-05") == ("pending", "2026-01-05", None)
    assert ladder(tmp_path, profile, "2", "2025-12-24", "2026-01-06") == ("overdue", "2026-01-05", 3)


def test_the_last_stage_of_the_ladder_stays_there(tmp_path: Path) -> None:
    # 2 working days from Wed 24 Dec 2025: Mon 29 (1), Tue 30 Dec (2); overdue on the 31st, stage 4 stays 4.
    profile = own_profile(tmp_path)
    assert ladder(tmp_path, profile, "4", "2025-12-24", "2025-12-31") == ("overdue", "2025-12-30", 4)


def test_every_kind_is_tested_here() -> None:
    tested = {kind for kind, _ in OWN.values()} | {"ladder"}
    assert tested == set(KINDS)
