"""Writing results for people and spreadsheets: the plain table ``checker check`` prints, and CSV.

The table is plain text laid out by this module, not a terminal widget: it costs about what the JSON
document costs (a widget measured every cell of a million findings against the terminal's width), is
never cut to the terminal's width, and reads the same piped into a file. It groups findings by adviser,
so it holds the findings it shows; the CSV is streamed, one row per finding as the engine yields it.
Neither prints names: case references only. Every value from the data is shown literally
(``checker.literal``): a control or bidi character appears escaped and never acts on the terminal.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from operator import attrgetter
from typing import IO

from checker import spreadsheet
from checker.literal import literal
from rules.records import DataError, Finding, Status

NO_ADVISER = "(no adviser allocated)"
TABLE_HEADINGS = ("status", "case", "obligation", "due", "when", "escalated to", "citation")
CSV_HEADINGS = ("adviser_email", "team", "case_ref", "obligation", "ref", "status", "due_date", "completed_on",
                "owner", "escalated_to", "stage", "escalate_to_stage", "working_days_overdue", "citation")
ERROR_HEADINGS = ("case", "dispute", "field", "problem")
_status = attrgetter("status")
_GAP = "  "

# One case's findings with what the filters and the CSV need of the case: (adviser, team, findings).
Row = tuple[str | None, str | None, list[Finding]]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``: a count and its noun, agreeing."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


_obligation = attrgetter("obligation")
_case_ref = attrgetter("case_ref")
_labels = attrgetter("obligation", "ref")
_due = attrgetter("due_date")
_late = attrgetter("working_days_overdue")
_escalation = attrgetter("escalate_to_stage", "escalated_to")
_citation = attrgetter("citation")
_completed = attrgetter("completed_on")
_shown = functools.lru_cache(maxsize=4096)(literal)  # for columns of few distinct values (labels, citations)


def _literals(values: list[str]) -> list[str]:
    """``literal`` of each value; when every one is printable (as case references are), the values as they are
    (``str.isprintable`` is false for every character ``literal`` escapes), checked in C."""
    return values if all(map(str.isprintable, values)) else list(map(literal, values))


def _whens(status: Status, part: list[Finding], as_of: date) -> list[str]:
    """``when`` for each finding of one status, a column at a time (the table's hot loop)."""
    if status is Status.OVERDUE:
        return ["1 working day overdue" if n == 1 else f"{n} working days overdue" for n in map(_late, part)]
    if status is Status.MET:
        return [f"done {day}" for day in map(_completed, part)]
    lefts = [(day - as_of).days for day in map(_due, part)]
    return ["due today" if n == 0 else ("due in 1 day" if n == 1 else f"due in {n} days") for n in lefts]


def _columns(findings: list[Finding], as_of: date, show_met: bool) -> list[list[str]]:
    """The table's cells column by column, rows overdue first, then by due date, case and obligation.

    Built a column at a time with ``operator.attrgetter`` (C) rather than a row at a time in Python: the
    table must cost no more than the JSON document (bench/check_formats.py).
    """
    columns: list[list[str]] = [[] for _ in TABLE_HEADINGS]
    for status in (Status.OVERDUE, Status.PENDING, Status.MET):
        if status is Status.MET and not show_met:
            continue
        part = [f for f in findings if f.status is status]
        if not part:
            continue
        # by due date, then case, then obligation: three stable sorts on one attribute each, cheaper than one
        # on a tuple of the three
        part.sort(key=_obligation)
        part.sort(key=_case_ref)
        part.sort(key=_due)
        escalated = ([f"stage {stage}" if stage else (role or "") for stage, role in map(_escalation, part)]
                     if status is Status.OVERDUE else [""] * len(part))
        for column, cells in zip(columns, (
                [status.value] * len(part), _literals(list(map(_case_ref, part))),
                [_shown(f"{o} {r}" if r else o) for o, r in map(_labels, part)],
                list(map(date.isoformat, map(_due, part))), _whens(status, part, as_of), escalated,
                list(map(_shown, map(_citation, part)))), strict=True):
            column.extend(cells)
    return columns


def _lay_out(headings: Sequence[str], columns: Sequence[Sequence[str]]) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart; the last column is not padded."""
    widths = [max(len(heading), max(map(len, column), default=0)) for heading, column in zip(headings, columns,
                                                                                               strict=True)]
    pattern = _GAP.join(f"{{:<{w}}}" for w in widths[:-1]) + _GAP + "{}"
    return [pattern.format(*headings).rstrip(), pattern.format(*("-" * w for w in widths)).rstrip(),
            *map(pattern.format, *columns)]


def write_table(out: IO[str], as_of: date, results: Iterable[Row],
                data_errors: Callable[[], Iterable[DataError]], show_met: bool = False) -> None:
    """Findings grouped by adviser, overdue first, with counts; then the totals and the data errors."""
    by_adviser: dict[str, list[Finding]] = defaultdict(list)
    for adviser, _team, findings in results:
        by_adviser[adviser or NO_ADVISER].extend(findings)
    totals: Counter[Status] = Counter()
    for adviser in sorted(by_adviser, key=lambda a: (a == NO_ADVISER, a)):
        findings = by_adviser[adviser]
        counts = Counter(map(_status, findings))
        totals.update(counts)
        out.write(f"{literal(adviser)}: {counts[Status.OVERDUE]} overdue, {counts[Status.PENDING]} pending, "
                  f"{counts[Status.MET]} met\n")
        columns = _columns(findings, as_of, show_met)
        if columns[0]:
            out.write("\n".join(_lay_out(TABLE_HEADINGS, columns)) + "\n")
        out.write("\n")
    errors = list(data_errors())
    out.write(f"As of {as_of}: {totals[Status.OVERDUE]} overdue, {totals[Status.PENDING]} pending, "
              f"{totals[Status.MET]} met across {plural(len(by_adviser), 'adviser')}; "
              f"{plural(len(errors), 'data error')}.\n")
    if errors:
        out.write("\nData errors (fix these in the case-management system)\n")
        columns = [[literal(e.case_ref or "") for e in errors], [literal(e.dispute_ref or "") for e in errors],
                   [literal(e.field) for e in errors], [literal(e.message) for e in errors]]
        out.write("\n".join(_lay_out(ERROR_HEADINGS, columns)) + "\n")


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
