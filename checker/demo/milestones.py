"""The extended columns of one generated young person (docs/input.md).

Given what the core story decided (date of birth, care period, the anchor A, the register), this draws
the housing milestones a service records: PA allocation, the housing panel, the housing options meeting,
the Joint Housing Assessment, the 17+ panel, placements in and out of the home district, planned moves,
homelessness and the Duty to Refer, information-sharing consent, plans shared with housing, bed and
breakfast placements and intentionality decisions. Each is done on time, late or not recorded, and
never dated after the as-of date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from checker.demo.draws import between, day_between, days, iso
from checker.demo.roster import OTHER_DISTRICTS
from rules.calendar import add_months, turns


@dataclass(frozen=True, slots=True)
class Person:
    """What the extended story needs from the core one."""

    date_of_birth: date
    age: int
    looked_after_since: date | None
    ceased_looked_after_on: date | None
    anchor: date | None  # A, for someone in care at 16 or later
    register_joined_on: date | None
    has_adviser: bool
    districts: tuple[str, ...]  # the districts of the person's team
    custody: tuple[date, date | None] | None  # custody start and expected release, when in custody

    def in_care_on(self, day: date) -> bool:
        since, ceased = self.looked_after_since, self.ceased_looked_after_on
        return since is not None and since <= day and (ceased is None or ceased >= day)


def _done(rng: random.Random, due: date, as_of: date, on_time: float, late: float,
          early_days: int, late_days: int) -> date | None:
    """When a milestone due on ``due`` was done: on time, late, or not recorded (nor in the future)."""
    r = rng.random()
    if r < on_time:
        done = due - days(between(rng, 0, early_days))
    elif r < on_time + late:
        done = due + days(between(rng, 1, late_days))
    else:
        return None
    return done if done <= as_of else None


def _until(rng: random.Random, first: date, as_of: date) -> date | None:
    """A day from ``first`` to the as-of date, or ``None`` when ``first`` is still to come."""
    return day_between(rng, first, as_of) if first <= as_of else None


def extended_columns(rng: random.Random, as_of: date, p: Person) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    dob = p.date_of_birth
    if p.has_adviser:
        due = turns(dob, 15, 9)
        if p.in_care_on(due):
            allocated = _done(rng, due, as_of, 0.75, 0.2, 120, 150)
        else:
            allocated = _until(rng, max(p.looked_after_since or due, as_of - days(900)), as_of)
        out["adviser_allocated_on"] = iso(allocated)
    if p.anchor is not None and as_of >= p.anchor:
        out["housing_panel_on"] = iso(_done(rng, add_months(p.anchor, 3), as_of, 0.6, 0.15, 85, 200))
    _placement(rng, as_of, p, out)
    seventeen = turns(dob, 17)
    if p.in_care_on(seventeen):
        due = seventeen if out.get("placed_out_of_area") == "yes" else turns(dob, 17, 6)
        out["housing_options_meeting_on"] = iso(_done(rng, due, as_of, 0.55, 0.15, 120, 150))
        out["joint_housing_assessment_on"] = iso(_done(rng, seventeen, as_of, 0.6, 0.15, 90, 120))
    if p.in_care_on(turns(dob, 17, 6)):
        out["pre18_panel_on"] = iso(_done(rng, turns(dob, 17, 6), as_of, 0.65, 0.1, 60, 90))
    _move(rng, as_of, p, out)
    _homelessness(rng, as_of, p, out)
    _register_sharing(rng, as_of, p, out)
    if 16 <= p.age <= 21 and rng.random() < 0.012:
        since = as_of - days(between(rng, 0, 75))
        out["bnb_since"] = iso(since)
        r = rng.random()
        approved = since - days(between(rng, 0, 3)) if r < 0.6 else (
            since + days(between(rng, 1, 14)) if r < 0.8 else None)
        out["bnb_approved_on"] = iso(approved if approved is not None and approved <= as_of else None)
    if p.age >= 18 and rng.random() < 0.006:
        decision = as_of - days(between(rng, 0, 150))
        out["intentionality_decision_on"] = iso(decision)
        r = rng.random()
        signoff = decision - days(between(rng, 0, 5)) if r < 0.7 else (
            decision + days(between(rng, 1, 30)) if r < 0.85 else None)
        out["intentionality_signoff_on"] = iso(signoff if signoff is not None and signoff <= as_of else None)
    return out


def _placement(rng: random.Random, as_of: date, p: Person, out: dict[str, str | None]) -> None:
    """Home district, and the current placement's district (in or out of area, settled or not)."""
    home = rng.choice(p.districts)
    out["local_connection_area"] = home
    since = p.looked_after_since
    if since is None:
        return
    out["placed_out_of_area"] = "yes" if rng.random() < 0.18 else "no"
    r = rng.random()
    area = home if r < 0.72 else (rng.choice(p.districts) if r < 0.86 else rng.choice(OTHER_DISTRICTS))
    area_since = day_between(rng, max(since, as_of - days(1500)), as_of)
    settled = rng.random() < 0.55
    out.update(placement_area=area, placement_area_since=iso(area_since), placement_settled="yes" if settled else "no")
    if area != home and settled and area_since >= turns(p.date_of_birth, 16):
        out["host_register_joined_on"] = iso(_done(rng, add_months(area_since, 6), as_of, 0.5, 0.15, 85, 150))


def _move(rng: random.Random, as_of: date, p: Person, out: dict[str, str | None]) -> None:
    """A planned move (some already past), the housing contact 3 months ahead and the plan 28 days ahead."""
    if not (16 <= p.age <= 22 and rng.random() < 0.12):
        return
    planned = as_of + days(between(rng, -30, 200))
    out["planned_move_on"] = iso(planned)
    contact_due = add_months(planned, -3)
    if as_of >= contact_due - days(30) and rng.random() < 0.6:
        out["housing_contact_on"] = iso(_until(rng, contact_due - days(60), as_of))
    plan_due = planned - days(28)
    if as_of >= plan_due - days(14) and rng.random() < 0.65:
        out["move_plan_agreed_on"] = iso(_until(rng, plan_due - days(30), as_of))


def _homelessness(rng: random.Random, as_of: date, p: Person, out: dict[str, str | None]) -> None:
    """Threatened with homelessness and the Duty to Refer; custody cases refer before release."""
    if p.age >= 17 and rng.random() < 0.04:
        threatened = as_of - days(between(rng, 0, 240))
        out["threatened_with_homelessness_on"] = iso(threatened)
        r = rng.random()
        if r < 0.65:
            referred: date | None = threatened + days(between(rng, 0, 1))
        elif r < 0.85:
            referred = threatened + days(between(rng, 2, 25))
        elif r < 0.88:
            referred = threatened - days(between(rng, 10, 300))  # an older referral: does not count
        else:
            referred = None
        out["duty_to_refer_on"] = iso(referred if referred is not None and referred <= as_of else None)
    elif p.custody is not None and rng.random() < 0.45:
        out["duty_to_refer_on"] = iso(_until(rng, p.custody[0], as_of))


def _register_sharing(rng: random.Random, as_of: date, p: Person, out: dict[str, str | None]) -> None:
    """Consent to share with housing at registration, and the pathway plan shared every 6 months."""
    joined = p.register_joined_on
    if joined is None:
        return
    r = rng.random()
    consent = joined - days(between(rng, 0, 30)) if r < 0.7 else (
        joined + days(between(rng, 1, 90)) if r < 0.85 else None)
    if consent is None or consent > as_of:
        return
    out["consent_to_share_on"] = iso(consent)
    r = rng.random()
    if r < 0.6:
        out["pathway_plan_shared_on"] = iso(as_of - days(between(rng, 0, 175)))
    elif r < 0.8:
        out["pathway_plan_shared_on"] = iso(as_of - days(between(rng, 190, 400)))
