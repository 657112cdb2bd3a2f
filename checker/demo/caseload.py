"""A deterministic synthetic caseload: canonical case and dispute rows, streamed, relative to an as-of date.

``generate(n, as_of, seed)`` returns two lazy iterators of row dicts keyed by the canonical column names
of docs/input.md (the core ones only when ``extended=False``). Values are text as a
CSV export holds them: ISO dates, ``yes``/``no`` flags, the dispute stage as a digit; ``None`` when empty.

The same ``(n, as_of, seed)`` gives the same rows on every machine: each iterator draws from its own
``random.Random`` (no global random state), and nothing is read from the clock. Rows are made one at a
time, so a million cases never sit in memory. The young people are 14 to 25 on the as-of date, spread
over the teams of ``roster``; their housing register, renewals, pathway plan reviews and custody
release reviews are done on time, late or not at all, in proportions a real service would recognise.
About 1.5% of rows are deliberately broken (``bad_input``) unless ``bad_rows=False``.
"""

from __future__ import annotations

import calendar as _calendar
import random
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

from checker.demo import milestones
from checker.demo.bad_input import BadInput
from checker.demo.draws import between, day_between, iso
from checker.demo.roster import FAMILY_NAMES, GIVEN_NAMES, TEAMS
from rules.calendar import add_months, age_on, birthday
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS

Row = dict[str, str | None]

DEFAULT_SEED = 1
CASE_FIELDS: tuple[str, ...] = tuple(CASE_COLUMNS)
CORE_CASE_FIELDS: tuple[str, ...] = (  # the columns of docs/input.md
    "case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
    "leaving_care_category", "support_requested_after_21", "adviser_email", "manager_email", "team",
    "housing_register_joined_on", "housing_register_renewed_on", "pathway_plan_reviewed_on", "in_custody",
    "custody_started_on", "release_date", "release_review_invited_on",
)
DISPUTE_FIELDS: tuple[str, ...] = tuple(DISPUTE_COLUMNS)

AGES = tuple(range(14, 26))
_AGE_CUM = tuple(accumulate((3, 5, 10, 12, 13, 12, 11, 9, 8, 7, 6, 4)))
_TEAM_CUM = tuple(accumulate(team.weight for team in TEAMS))
_STAGE_CUM = (52, 82, 95, 100)
_DAY = timedelta(days=1)


def case_ref(index: int) -> str:
    """The case-management person id of the ``index``-th generated young person (0-based)."""
    return f"P{index + 1:07d}"


def generate(n: int, as_of: date, seed: int = DEFAULT_SEED, *, bad_rows: bool = True,
             extended: bool = True) -> tuple[Iterator[Row], Iterator[Row]]:
    """``n`` case rows and the dispute rows about them, as two independent lazy iterators."""
    if n < 0:
        raise ValueError("the number of cases cannot be negative")
    bad = BadInput(n if bad_rows else 0, as_of)
    return _cases(n, as_of, seed, bad, extended), _disputes(n, as_of, seed, bad)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return date(day.year - years, 2, 28)


def _birth_range(as_of: date, age: int) -> tuple[date, date]:
    """The earliest and latest date of birth of someone aged exactly ``age`` on ``as_of``."""
    latest = _years_before(as_of, age)
    while age_on(latest, as_of) < age:
        latest -= _DAY
    while age_on(latest + _DAY, as_of) >= age:
        latest += _DAY
    earliest = _years_before(as_of, age + 1)
    while age_on(earliest, as_of) > age:
        earliest += _DAY
    while age_on(earliest - _DAY, as_of) <= age:
        earliest -= _DAY
    return earliest, latest


class _Story:
    """Makes one young person's record at a time from one random stream."""

    def __init__(self, as_of: date, rng: random.Random, extended: bool) -> None:
        self.as_of = as_of
        self.rng = rng
        self.extended = extended
        self.birth_ranges = {age: _birth_range(as_of, age) for age in AGES}
        self.leap_births = [
            date(year, 2, 29) for year in range(as_of.year - 26, as_of.year - 13)
            if _calendar.isleap(year) and AGES[0] <= age_on(date(year, 2, 29), as_of) <= AGES[-1]
        ]
        self.template: Row = dict.fromkeys(CASE_FIELDS if extended else CORE_CASE_FIELDS)

    def date_of_birth(self) -> date:
        rng = self.rng
        if self.leap_births and rng.random() < 0.004:  # a few 29 February birthdays (docs/input.md)
            return rng.choice(self.leap_births)
        earliest, latest = self.birth_ranges[rng.choices(AGES, cum_weights=_AGE_CUM)[0]]
        return day_between(rng, earliest, latest)

    def care(self, dob: date, age: int) -> tuple[date | None, date | None, str | None]:
        """``looked_after_since``, ``ceased_looked_after_on`` and the leaving-care category."""
        rng, as_of = self.rng, self.as_of
        sixteen, eighteen = birthday(dob, 16), birthday(dob, 18)
        r = rng.random()
        if r < 0.03:  # never looked after: known to the service through a sibling or private fostering
            return None, None, "qualifying" if age >= 16 and rng.random() < 0.5 else None
        if r < 0.08:  # left care before 16: home to family, a special guardianship order
            last = min(sixteen, as_of) - _DAY
            since = day_between(rng, dob + timedelta(days=365), last - timedelta(days=60))
            return since, day_between(rng, since + timedelta(days=30), last), "qualifying" if age >= 16 else None
        band = rng.random()
        if band < 0.3:
            since = day_between(rng, dob, birthday(dob, 10))
        elif band < 0.7:
            since = day_between(rng, birthday(dob, 10), birthday(dob, 15))
        else:
            since = day_between(rng, birthday(dob, 15), add_months(birthday(dob, 17), 9))
        since = max(dob, min(since, as_of - timedelta(days=7)))
        if as_of < sixteen:
            return since, None, None
        if as_of < eighteen:
            if rng.random() < 0.85:
                return since, None, "qualifying" if rng.random() < 0.04 else "eligible"
            return since, day_between(rng, max(sixteen, since + _DAY), as_of), "relevant"
        r = rng.random()
        if r < 0.80:
            ceased: date | None = eighteen
        elif r < 0.98:
            first = max(sixteen, since + _DAY)
            ceased = day_between(rng, first, eighteen - _DAY) if first < eighteen else eighteen
        else:
            ceased = None  # the care episode was never closed on the system
        r = rng.random()
        return since, ceased, "former_relevant" if r < 0.92 else ("qualifying" if r < 0.98 else None)

    def housing_register(self, anchor: date) -> tuple[date | None, date | None]:
        """First joined the register (on time, late or not at all) and the last renewal."""
        rng, as_of = self.rng, self.as_of
        r = rng.random()
        # Most join on time or a little late; a registration still missing years on is rare (a case
        # a service would already have escalated), so the demo's overdue items look like a real caseload's.
        never = 0.20 if (as_of - anchor).days < 270 else 0.02
        if r < 1 - never - 0.22:
            joined: date | None = anchor + timedelta(days=between(rng, 0, 90))
        elif r < 1 - never:
            joined = anchor + timedelta(days=between(rng, 93, 300))
        else:
            joined = None
        if joined is None or joined > as_of:
            return None, None
        years = 0
        while add_months(joined, 12 * (years + 1)) <= as_of + timedelta(days=20):
            years += 1
        r = rng.random()
        if years >= 1 and r < 0.78:
            renewed = add_months(joined, 12 * years) - timedelta(days=between(rng, 0, 20))
        elif years >= 2:  # the latest renewal was missed: overdue now, by less than a year
            renewed = add_months(joined, 12 * (years - 1)) - timedelta(days=between(rng, 0, 20))
        else:  # not due yet, or the first renewal missed
            return joined, None
        return joined, min(renewed, as_of)

    def pathway_review(self, anchor: date) -> date | None:
        rng, as_of = self.rng, self.as_of
        r = rng.random()
        if r < 0.72:
            reviewed: date | None = as_of - timedelta(days=between(rng, 0, 178))
        elif r < 0.92 or (as_of - anchor).days > 240:  # a review missed, overdue by up to about eight months
            reviewed = as_of - timedelta(days=between(rng, 186, 420))
        else:  # the first review not yet done
            reviewed = None
        return reviewed if reviewed is not None and reviewed >= anchor else None

    def custody(self, dob: date) -> tuple[date, date | None, date | None, str]:
        """Custody start, expected release (missing for a few), the review invitation, release housing."""
        rng, as_of = self.rng, self.as_of
        start = max(as_of - timedelta(days=between(rng, 5, 700)), birthday(dob, 15))
        release: date | None = None
        if rng.random() >= 0.06:
            release = max(start + timedelta(days=30), as_of + timedelta(days=between(rng, -20, 560)))
        invited: date | None = None
        r = rng.random()
        if release is not None:
            window = add_months(release, -3)
            if r < 0.04:  # an invitation from an earlier sentence: does not count for this one
                invited = start - timedelta(days=between(rng, 20, 400))
            elif (as_of >= window - timedelta(days=30) and r < 0.62) or r < 0.12:
                invited = day_between(rng, max(start, window - timedelta(days=40)), as_of)
                invited = min(invited, as_of)
        confirmed = release is not None and (release - as_of).days < 56 and rng.random() < 0.4
        return start, release, invited, "yes" if confirmed else "no"

    def person(self, index: int) -> Row:
        rng, as_of = self.rng, self.as_of
        row = self.template.copy()
        dob = self.date_of_birth()
        age = age_on(dob, as_of)
        team = TEAMS[rng.choices(range(len(TEAMS)), cum_weights=_TEAM_CUM)[0]]
        allocated = rng.random() < (0.96 if age >= 16 else 0.55)
        since, ceased, category = self.care(dob, age)
        sixteen = birthday(dob, 16)
        in_care_at_16 = since is not None and (ceased is None or ceased >= sixteen)
        anchor = max(sixteen, since) if in_care_at_16 and since is not None else None
        joined = renewed = reviewed = None
        if anchor is not None and as_of >= anchor:
            joined, renewed = self.housing_register(anchor)
            reviewed = self.pathway_review(anchor)
        row.update(
            case_ref=case_ref(index), given_name=rng.choice(GIVEN_NAMES), family_name=rng.choice(FAMILY_NAMES),
            date_of_birth=dob.isoformat(), looked_after_since=iso(since), ceased_looked_after_on=iso(ceased),
            leaving_care_category=category,
            support_requested_after_21=("yes" if rng.random() < 0.4 else "no") if age >= 21 else None,
            adviser_email=rng.choice(team.advisers).email if allocated else None,
            manager_email=team.manager.email, team=team.name,
            housing_register_joined_on=iso(joined), housing_register_renewed_on=iso(renewed),
            pathway_plan_reviewed_on=iso(reviewed), in_custody="no",
        )
        custody: tuple[date, date | None] | None = None
        if age >= 15 and rng.random() < 0.025:
            start, release, invited, confirmed = self.custody(dob)
            custody = (start, release)
            row.update(in_custody="yes", custody_started_on=iso(start), release_date=iso(release),
                       release_review_invited_on=iso(invited))
            if self.extended:
                row["release_accommodation_confirmed"] = confirmed
        if self.extended:
            person = milestones.Person(
                date_of_birth=dob, age=age, looked_after_since=since, ceased_looked_after_on=ceased,
                anchor=anchor, register_joined_on=joined, has_adviser=allocated, districts=team.districts,
                custody=custody,
            )
            row.update(milestones.extended_columns(rng, as_of, person))
        return row


def _cases(n: int, as_of: date, seed: int, bad: BadInput, extended: bool) -> Iterator[Row]:
    rng = random.Random(f"{seed}:cases")  # noqa: S311 - synthetic data, not for security
    story = _Story(as_of, rng, extended)
    previous: str | None = None
    for index in range(n):
        row = story.person(index)
        bad.spoil(index, row, previous, rng)
        previous = row["case_ref"]
        yield row


def _disputes(n: int, as_of: date, seed: int, bad: BadInput) -> Iterator[Row]:
    """About one young person in thirty has an escalated housing concern (000 §18) in the last weeks."""
    rng = random.Random(f"{seed}:disputes")  # noqa: S311 - synthetic data, not for security
    number = 0
    for index in range(n):
        if rng.random() >= 0.035:
            continue
        for _ in range(2 if rng.random() < 0.12 else 1):
            number += 1
            yield _dispute(rng, as_of, f"D{number:06d}", case_ref(index))
    for index in bad.unknown_case_indexes(n):  # logged against a person id the cases do not hold
        number += 1
        yield _dispute(rng, as_of, f"D{number:06d}", case_ref(index))


def _dispute(rng: random.Random, as_of: date, dispute_ref: str, person: str) -> Row:
    stage = rng.choices((1, 2, 3, 4), cum_weights=_STAGE_CUM)[0]
    started = as_of - timedelta(days=between(rng, 0, 3) if rng.random() < 0.35 else between(rng, 4, 45))
    resolved = min(as_of, started + timedelta(days=between(rng, 0, 6))) if rng.random() < 0.45 else None
    return {"dispute_ref": dispute_ref, "case_ref": person, "stage": str(stage),
            "stage_started_on": started.isoformat(), "resolved_on": iso(resolved)}
