"""The input contract of a profile: the columns it reads, and those a source does not have.

``checker columns`` prints it; ``checker check`` and ``checker config check`` use ``missing_columns`` to
say which columns the profile reads that the source lacks (they read as empty in every row, so the
obligations that need them never see a date: not an error, but worth knowing), and ``uncarried`` to name
the obligations such a source cannot check in full (docs/decisions.md, "An obligation a source cannot
carry"). docs/input.md is the same contract in prose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from checker.profiles import Profile
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS, Column

# What the product does with a column besides the obligations that read it (every profile alike).
GENERAL_USES: Mapping[str, str] = {
    "case_ref": "names the young person in every finding, reminder and data error",
    "date_of_birth": "every age; nothing is reported from the 25th birthday",
    "given_name": "the name in reminders",
    "family_name": "the name in reminders",
    "looked_after_since": "checked against the date of birth",
    "ceased_looked_after_on": "checked against looked_after_since",
    "adviser_email": "reminders go to this adviser",
    "manager_email": "overdue digests and escalations go to this manager",
    "team": "digests, team channels, and senior addresses set per team",
    "in_custody": "with no release_date: one data error for the case",
}

# Accepted values of each type, and what a bad value does (the whole contract is in docs/input.md).
TYPE_RULES: Mapping[str, tuple[str, str]] = {
    "text": ("any text; spaces around it are dropped", "-"),
    "date": ("YYYY-MM-DD or DD/MM/YYYY", "not a date: the whole case is rejected"),
    "bool": ("true/false, yes/no, y/n, 1/0 (any case); empty is false",
             "anything else: a data error, read as false"),
    "email": ("one email address", "not an address: a data error, nothing is sent to it"),
    "int": ("a whole number from 1 to 4", "anything else: the dispute is rejected"),
}


@dataclass(frozen=True, slots=True)
class ColumnUse:
    column: Column
    obligations: tuple[str, ...]  # the profile's obligations that read it, in profile order
    general: str  # what else the product does with it, or ""

    @property
    def read(self) -> bool:
        return self.column.required or bool(self.obligations) or bool(self.general)


def case_column_uses(profile: Profile) -> list[ColumnUse]:
    """Every case column, with the obligations of ``profile`` that read it."""
    return [
        ColumnUse(column, tuple(o.id for o, _ in profile.case_obligations if name in o.columns),
                  GENERAL_USES.get(name, ""))
        for name, column in CASE_COLUMNS.items()
    ]


def dispute_column_uses(profile: Profile) -> list[ColumnUse]:
    """Every dispute column; the profile's dispute obligations (the ladder) read them all."""
    ladders = tuple(o.id for o, _ in profile.dispute_obligations)
    return [ColumnUse(column, ladders, "") for column in DISPUTE_COLUMNS.values()]


def missing_columns(profile: Profile, present: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The case columns the profile's obligations read that ``present`` (a source's header) lacks."""
    have = frozenset(present)
    return {use.column.name: use.obligations for use in case_column_uses(profile)
            if use.obligations and use.column.name not in have}


def describe_missing(profile: Profile, missing: Mapping[str, tuple[str, ...]], source: str = "the source") -> str:
    """One sentence: which columns are missing and which obligations read them."""
    listed = "; ".join(f"{name} ({', '.join(obligations)})" for name, obligations in missing.items())
    count = len(missing)
    return (f"profile {profile.name} reads {count} column{'s' if count != 1 else ''} that {source} does not "
            f"have, so they read as empty in every row: {listed}")


#: What each base kind reads, for "which <it> does not hold" (``checker.sources.registry.BASE_KINDS``).
BASE_NAMES: Mapping[str, str] = {
    "csv": "the cases file",
    "sql": "the cases query",
    "ssd": "an SSD database",
    "ssda903": "the SSDA903 return",
    "annex_a": "an Annex A List 9",
}


def uncarried(profile: Profile, present: Iterable[str], disputes: bool = True) -> dict[str, tuple[str, ...]]:
    """The profile's obligations a source cannot check in full, in profile order: a case obligation that
    reads a column ``present`` (what every part of the source fills) lacks → those columns, sorted; a
    dispute obligation, when the source gives no disputes (``disputes`` false) → ``("disputes",)``."""
    have = frozenset(present)
    found = {o.id: tuple(sorted(o.columns - have)) for o, _ in profile.case_obligations if not o.columns <= have}
    if not disputes:
        found |= {o.id: ("disputes",) for o, _ in profile.dispute_obligations}
    return found


def not_checked(profile: Profile, present: Iterable[str], disputes: bool, holds: str) -> list[dict[str, object]]:
    """``uncarried`` as the JSON document of ``checker check`` lists it: per obligation its id, the columns
    (or ``"disputes"``) it needs that the source lacks, and the sentence ``describe_uncarried`` says."""
    return [{"obligation": obligation, "needs": list(columns),
             "message": describe_uncarried(obligation, columns, holds)}
            for obligation, columns in uncarried(profile, present, disputes).items()]


def describe_uncarried(obligation: str, columns: tuple[str, ...], holds: str) -> str:
    """One line: an obligation the source cannot check in full, why, what its findings then are, and the fix.

    ``holds``: which part lacks the columns, as a clause ("which the SSDA903 return does not hold")."""
    if columns == ("disputes",):
        return (f"not checked: {obligation} needs the disputes, {holds}, so no dispute is checked; give them "
                f"in a disputes file (--disputes, or an events supplement's disputes: docs/inputs.md)")
    listed = ", ".join(columns)
    them = "they read" if len(columns) > 1 else "it reads"
    return (f"not checked: {obligation} needs {listed}, {holds}, so {them} as empty in every case and its "
            f"findings are incomplete (never met on a date the source does not hold, and it may not apply "
            f"where it should); give {'them' if len(columns) > 1 else 'it'} in an events supplement "
            f"(docs/inputs.md)")
