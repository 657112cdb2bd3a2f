"""Writing results for spreadsheets, and what the table shares: CSV, and the plural every count is printed with.

The CSV is streamed, one row per finding as the engine yields it, and prints no names: case references
only. The plain table ``checker check`` prints by default is ``report_table``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from checker import spreadsheet
from rules.records import DataError, Finding

CSV_HEADINGS = ("adviser_email", "team", "case_ref", "obligation", "ref", "status", "due_date", "completed_on",
                "owner", "escalated_to", "stage", "escalate_to_stage", "working_days_overdue", "citation")

# One case's findings with what the filters and the CSV need of the case: (adviser, team, findings).
Row = tuple[str | None, str | None, list[Finding]]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``: a count and its noun, agreeing."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def write_csv(out: IO[str], results: Iterable[Row]) -> int:
    """One CSV row per finding, streamed, with a header row; returns the number of findings written."""
    writer = spreadsheet.writer(out)
    writer.writerow(CSV_HEADINGS)
    count = 0
    for adviser, team, findings in results:
        for f in findings:
            writer.writerow((
                adviser or "", team or "", f.case_ref, f.obligation, f.ref or "", f.status.value,
                f.due_date.isoformat(), f.completed_on.isoformat() if f.completed_on else "", f.owner.value,
                f.escalated_to.value if f.escalated_to else "", "" if f.stage is None else f.stage,
                "" if f.escalate_to_stage is None else f.escalate_to_stage, f.working_days_overdue, f.citation))
            count += 1
    return count


def error_lines(errors: Iterable[DataError]) -> list[str]:
    """The data errors as lines for stderr, when the findings went to stdout as CSV."""
    lines = []
    for e in errors:
        where = " ".join(part for part in (e.case_ref and f"case {e.case_ref}",
                                           e.dispute_ref and f"dispute {e.dispute_ref}") if part)
        lines.append(f"data error: {where or 'a record'}, {e.field}: {e.message}")
    return lines
