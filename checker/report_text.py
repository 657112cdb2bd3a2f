"""Writing results for people and spreadsheets: the plain table ``checker check`` prints, and CSV.

The table is plain text laid out by this module, not a terminal widget: it costs about what the JSON
document costs (a widget measured every cell of a million findings against the terminal's width), is
never cut to the terminal's width, and reads the same piped into a file. It groups findings by adviser,
so it holds the findings it shows; the CSV is streamed, one row per finding as the engine yields it.
Neither prints names: case references only.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import IO

from rules.records import DataError, Finding, Status

NO_ADVISER = "(no adviser allocated)"
TABLE_HEADINGS = ("status", "case", "obligation", "due", "when", "escalated to", "citation")
CSV_HEADINGS = ("adviser_email", "team", "case_ref", "obligation", "ref", "status", "due_date", "completed_on",
                "owner", "escalated_to", "stage", "escalate_to_stage", "working_days_overdue", "citation")
ERROR_HEADINGS = ("case", "dispute", "field", "problem")
_ORDER = {Status.OVERDUE: 0, Status.PENDING: 1, Status.MET: 2}
_GAP = "  "

# One case's findings with what the filters and the CSV need of the case: (adviser, team, findings).
Row = tuple[str | None, str | None, list[Finding]]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``: a count and its noun, agreeing."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def when(f: Finding, as_of: date) -> str:
    """How far off the due date is, in words: done, overdue by working days, or calendar days to go."""
    if f.status is Status.MET:
        return f"done {f.completed_on}"
    if f.status is Status.OVERDUE:
        return f"{plural(f.working_days_overdue, 'working day')} overdue"
    left = (f.due_date - as_of).days
    return "due today" if left == 0 else f"due in {plural(left, 'day')}"


def _escalated(f: Finding) -> str:
    if f.escalate_to_stage:
        return f"stage {f.escalate_to_stage}"
    return f.escalated_to.value if f.escalated_to else ""


def _cells(f: Finding, as_of: date) -> tuple[str, ...]:
    label = f.obligation + (f" {f.ref}" if f.ref else "")
    return (f.status.value, f.case_ref, label, f.due_date.isoformat(), when(f, as_of), _escalated(f), f.citation)


def _lay_out(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart; the last column is not padded."""
    widths = [len(h) for h in headings]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    last = len(headings) - 1

    def line(cells: Sequence[str]) -> str:
        return _GAP.join(c if i == last else c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    return [line(headings), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def write_table(out: IO[str], as_of: date, results: Iterable[Row],
                data_errors: Callable[[], Iterable[DataError]], show_met: bool = False) -> None:
    """Findings grouped by adviser, overdue first, with counts; then the totals and the data errors."""
    by_adviser: dict[str, list[Finding]] = defaultdict(list)
    totals: Counter[Status] = Counter()
    for adviser, _team, findings in results:
        by_adviser[adviser or NO_ADVISER].extend(findings)
        totals.update(f.status for f in findings)
    for adviser in sorted(by_adviser, key=lambda a: (a == NO_ADVISER, a)):
        findings = by_adviser[adviser]
        counts = Counter(f.status for f in findings)
        shown = sorted((f for f in findings if show_met or f.status is not Status.MET),
                       key=lambda f: (_ORDER[f.status], f.due_date, f.case_ref, f.obligation))
        out.write(f"{adviser}: {counts[Status.OVERDUE]} overdue, {counts[Status.PENDING]} pending, "
                  f"{counts[Status.MET]} met\n")
        if shown:
            out.write("\n".join(_lay_out(TABLE_HEADINGS, [_cells(f, as_of) for f in shown])) + "\n")
        out.write("\n")
    errors = list(data_errors())
    out.write(f"As of {as_of}: {totals[Status.OVERDUE]} overdue, {totals[Status.PENDING]} pending, "
              f"{totals[Status.MET]} met across {plural(len(by_adviser), 'adviser')}; "
              f"{plural(len(errors), 'data error')}.\n")
    if errors:
        out.write("\nData errors (fix these in the case-management system)\n")
        rows = [(e.case_ref or "", e.dispute_ref or "", e.field, e.message) for e in errors]
        out.write("\n".join(_lay_out(ERROR_HEADINGS, rows)) + "\n")


def write_csv(out: IO[str], results: Iterable[Row]) -> int:
    """One CSV row per finding, streamed, with a header row; returns the number of findings written."""
    writer = csv.writer(out, lineterminator="\n")
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
