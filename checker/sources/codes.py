"""The national codes the SSD, SSDA903 and Annex A bases read, and what each means here (docs/inputs.md).

Placement and legal status codes are the DfE's SSDA903 codes (the SSD's placement type and legal status
hold the same codes). A code outside these lists is a data error of the case naming the code (a code is
no personal data); the fact it would have given reads as unknown.
"""

from __future__ import annotations

import re

#: SSDA903 placement (PLACE) codes, those of the 2022-23 to 2025-26 returns together (H5, P2 and Z1 retired,
#: K3 and Z11-Z14 added), so that an older year's files read as well as this year's.
PLACEMENT_CODES = frozenset({
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5", "S1", "T0", "T1",
    "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12", "Z13", "Z14",
})
#: R5: a young offender institution or prison.
CUSTODY_PLACEMENTS = frozenset({"R5"})
#: K1: a secure children's home, which is youth detention only for a child remanded to it (legal status J1).
SECURE_PLACEMENTS = frozenset({"K1"})
#: SSDA903 legal status (LS) codes.
LEGAL_STATUS_CODES = frozenset({"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"})
#: SSDA903 reasons a new episode began (RNE): S is the start of a period of care; the others continue one.
NEW_EPISODE_CODES = frozenset({"S", "P", "L", "T", "U", "B"})
#: SSDA903 reasons an episode ceased (REC): X1 continues the period of care in a new episode; the others end it.
CEASED_CODES = frozenset({"X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E4A", "E4B", "E41",
                          "E45", "E46", "E47", "E48", "E5", "E6", "E7", "E8", "E9"})
#: J1: remanded to local authority accommodation or to youth detention accommodation.
REMAND = frozenset({"J1"})


def code(value: object) -> str | None:
    """A code cell: stripped, upper case, or ``None`` when empty."""
    if value is None:
        return None
    text = str(value).strip().upper()
    return text or None


def unknown_code(column: str, value: str, kind: str) -> tuple[str, str]:
    """The (field, reason) of a code outside the national list."""
    return column, f"{column} has the code '{value[:20]}', which is not a {kind} code; read as unknown"


def custody(placement: str | None, legal_status: str | None, notes: list[tuple[str, str]],
            placement_field: str, legal_field: str) -> bool:
    """Whether a current placement and legal status mean youth detention or prison; unknown codes noted."""
    if placement is not None and placement not in PLACEMENT_CODES:
        notes.append(unknown_code(placement_field, placement, "placement"))
        placement = None
    if legal_status is not None and legal_status not in LEGAL_STATUS_CODES:
        notes.append(unknown_code(legal_field, legal_status, "legal status"))
        legal_status = None
    if placement in CUSTODY_PLACEMENTS:
        return True
    return placement in SECURE_PLACEMENTS and legal_status in REMAND


_CATEGORIES = {
    "eligible": "eligible", "e": "eligible", "other eligible": "eligible",
    "relevant": "relevant", "r": "relevant",
    "former relevant": "former_relevant", "former_relevant": "former_relevant", "fr": "former_relevant",
    "qualifying": "qualifying", "q": "qualifying",
    "pa to 25": "former_relevant",  # a former relevant young person of 21 to 25 who asked for a PA
}
#: Words around a category that do not change it: "a) Relevant child", "Care Leaver - Former Relevant",
#: "c) Qualifying care leaver", "Qualifying (Former Relevant)", "Relevant (s.23A)".
_NOISE = re.compile(r"^[a-e]\)\s*|\(.*?\)|\bs\.?\s*\d+\w*|\bchild\b|\bcare\s+leaver\b|\d+\s*-\s*\d+")


def leaving_care_category(value: object) -> str | None:
    """An eligibility category as the SSD or Annex A write it, in the canonical spelling; another text is
    handed over as it is, for validation to report (a category is no personal data)."""
    if value is None:
        return None
    raw = str(value).strip()
    if not raw:
        return None
    words = _NOISE.sub(" ", raw.lower()).replace("-", " ").replace("'", " ").split()
    return _CATEGORIES.get(" ".join(words), raw)
