"""Deliberately broken rows, so the demo shows docs/input.md "Bad input" at work.

About 1.5% of the generated cases (at least one of each kind once there are ten rows per kind) are
spoilt after they are made, at evenly spaced positions, cycling through ``KINDS``:

- ``future_date_of_birth``: a date of birth after the as-of date (the case is rejected);
- ``impossible_date``: ``2025/13/45`` in a date column (rejected: not a date);
- ``compact_date``: a real date written ``20250115`` (rejected: only ISO and DD/MM/YYYY are read);
- ``duplicate_case_ref``: the previous row's person id again (both rows are rejected);
- ``bad_email``: an adviser address without a proper domain (a data error; the case is still checked);
- ``bad_boolean``: ``maybe`` as ``support_requested_after_21`` (a data error, read as false);
- ``care_before_birth``: ``looked_after_since`` before the date of birth (rejected);
- ``care_ended_before_it_began``: ``ceased_looked_after_on`` before ``looked_after_since`` (rejected).

Besides, about one dispute in a thousand cases is logged against a person id the cases do not hold.
"""

from __future__ import annotations

import random
from datetime import date

from checker.demo.draws import between, days, iso

KINDS: tuple[str, ...] = (
    "future_date_of_birth", "impossible_date", "duplicate_case_ref", "bad_email", "bad_boolean",
    "compact_date", "care_before_birth", "care_ended_before_it_began",
)
SHARE = 0.015
UNKNOWN_CASE_DISPUTES_SHARE = 0.001


class BadInput:
    """Where the broken rows go among ``n`` cases, and how each is broken."""

    def __init__(self, n: int, as_of: date) -> None:
        self.as_of = as_of
        self.count = max(min(len(KINDS), n // 10), round(n * SHARE)) if n else 0
        self.spacing = n // self.count if self.count else 0

    def kind_at(self, index: int) -> str | None:
        """The kind of breakage of the ``index``-th case, or ``None`` for a good row."""
        if not self.count:
            return None
        block, offset = divmod(index, self.spacing)
        if offset != self.spacing // 2 or block >= self.count:
            return None
        return KINDS[block % len(KINDS)]

    def unknown_case_indexes(self, n: int) -> range:
        """Case indexes past the end of the caseload that disputes are logged against."""
        if not self.count:
            return range(0)
        return range(n, n + max(1, round(n * UNKNOWN_CASE_DISPUTES_SHARE)))

    def spoil(self, index: int, row: dict[str, str | None], previous_ref: str | None,
              rng: random.Random) -> None:
        """Break the ``index``-th row in place when it is one of the broken ones."""
        kind = self.kind_at(index)
        if kind is None:
            return
        dob = date.fromisoformat(str(row["date_of_birth"]))
        if kind == "future_date_of_birth":
            row["date_of_birth"] = iso(self.as_of + days(between(rng, 30, 2000)))
        elif kind == "impossible_date":
            row["pathway_plan_reviewed_on"] = f"{self.as_of.year - 1}/13/45"
        elif kind == "compact_date":
            column = next((c for c in ("housing_register_joined_on", "looked_after_since") if row.get(c)),
                          "date_of_birth")
            row[column] = str(row[column]).replace("-", "")
        elif kind == "duplicate_case_ref" and previous_ref is not None:
            row["case_ref"] = previous_ref
        elif kind == "bad_email":
            address = row.get("adviser_email") or "duty.worker@example.org"
            row["adviser_email"] = address.replace("@example.org", "@example")
        elif kind == "bad_boolean":
            row["support_requested_after_21"] = "maybe"
        elif kind == "care_before_birth":
            row["looked_after_since"] = iso(dob - days(between(rng, 1, 300)))
        elif kind == "care_ended_before_it_began":
            recorded = row.get("looked_after_since")
            since = date.fromisoformat(recorded) if recorded else dob + days(2000)
            row["looked_after_since"] = iso(since)
            row["ceased_looked_after_on"] = iso(since - days(between(rng, 1, 400)))
