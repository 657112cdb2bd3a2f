"""Small hand-made caseloads as the CSV files of docs/input.md, for tests that plan and deliver."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

COLUMNS = ["case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "adviser_email",
           "manager_email", "team", "housing_register_joined_on", "housing_register_renewed_on",
           "pathway_plan_reviewed_on", "in_custody", "custody_started_on", "release_date",
           "release_review_invited_on", "leaving_care_category"]
DISPUTE_COLUMNS = ["dispute_ref", "case_ref", "stage", "stage_started_on", "resolved_on"]


def custody_case(ref: str, release: str, adviser: str = "pa.one@example.org", **extra: str) -> dict[str, str]:
    """Someone in custody whose only open obligation is the pre-release review (000 §14)."""
    return {"case_ref": ref, "given_name": "Sam", "family_name": "Khan", "date_of_birth": "2006-03-01",
            "looked_after_since": "", "adviser_email": adviser, "manager_email": "tm.north@example.org",
            "team": "North", "in_custody": "yes", "custody_started_on": "2026-01-05", "release_date": release,
            **extra}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    return path


def write_rows(path: Path, rows: Sequence[Mapping[str, str]], header: Sequence[str] = ()) -> Path:
    """A CSV of exactly these rows: the header is ``header`` and then every column a row names, in order."""
    columns = list(header)
    for row in rows:
        columns += [name for name in row if name not in columns]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path
