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
import gc
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import repeat
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
_GAP = "  "

# One case's findings with what the filters and the CSV need of the case: (adviser, team, findings).
Row = tuple[str | None, str | None, list[Finding]]


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 day``, ``2 days``: a count and its noun, agreeing."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


_obligation = attrgetter("obligation")
_case_ref = attrgetter("case_ref")
_ref = attrgetter("ref")
_due = attrgetter("due_date")
_late = attrgetter("working_days_overdue")
_stage = attrgetter("escalate_to_stage")
_role = attrgetter("escalated_to")
_citation = attrgetter("citation")
_completed = attrgetter("completed_on")

# The table's hot loop is one ``map`` per column over a cached function of a cell's few distinct values (an
# obligation and its ref, a count of days, a due date): the calls stay in C, and Python runs once per value.
_cached = functools.lru_cache(maxsize=8192)
_shown = _cached(literal)  # citations


@_cached
def _label(obligation: str, ref: str | None) -> str:
    return literal(f"{obligation} {ref}" if ref else obligation)


@_cached
def _late_text(days: int) -> str:
    return "1 working day overdue" if days == 1 else f"{days} working days overdue"


@_cached
def _escalated_text(stage: int | None, role: object) -> str:
    return f"stage {stage}" if stage else str(role or "")


@_cached
def _due_text(day: date, as_of: date) -> str:
    left = (day - as_of).days
    return "due today" if left == 0 else ("due in 1 day" if left == 1 else f"due in {left} days")


@_cached
def _done_text(day: date | None) -> str:
    return f"done {day}"


_iso = _cached(date.isoformat)


def _in_order(part: list[Finding]) -> list[Finding]:
    """``part`` by due date, then case, then obligation: three stable sorts on one key each, cheaper than one
    on a tuple of the three. The due dates are sorted as day numbers (Python compares a list of ints much
    faster than one of dates), through the positions of ``part``."""
    part.sort(key=_obligation)
    part.sort(key=_case_ref)
    days = list(map(date.toordinal, map(_due, part)))
    return list(map(part.__getitem__, sorted(range(len(part)), key=days.__getitem__)))


def _literals(values: list[str]) -> list[str]:
    """``literal`` of each value; when every one is printable (as case references are), the values as they are
    (``str.isprintable`` is false for every character ``literal`` escapes), checked in C."""
    return values if all(map(str.isprintable, values)) else list(map(literal, values))


def _whens(status: Status, part: list[Finding], as_of: date) -> list[str]:
    """``when`` for each finding of one status, a column at a time."""
    if status is Status.OVERDUE:
        return list(map(_late_text, map(_late, part)))
    if status is Status.MET:
        return list(map(_done_text, map(_completed, part)))
    return list(map(_due_text, map(_due, part), repeat(as_of)))


def _columns(parts: dict[Status, list[Finding]], as_of: date) -> list[list[str]]:
    """The table's cells column by column, rows overdue first, then by due date, case and obligation.

    ``parts`` holds the findings to show by status. Built a column at a time with ``operator.attrgetter``
    (C) rather than a row at a time in Python: the table must cost no more than the JSON document
    (bench/check_formats.py).
    """
    columns: list[list[str]] = [[] for _ in TABLE_HEADINGS]
    for status in (Status.OVERDUE, Status.PENDING, Status.MET):
        part = parts.get(status)
        if not part:
            continue
        part = _in_order(part)
        escalated = (list(map(_escalated_text, map(_stage, part), map(_role, part)))
                     if status is Status.OVERDUE else [""] * len(part))
        for column, cells in zip(columns, (
                [status.value] * len(part), _literals(list(map(_case_ref, part))),
                list(map(_label, map(_obligation, part), map(_ref, part))),
                list(map(_iso, map(_due, part))), _whens(status, part, as_of), escalated,
                list(map(_shown, map(_citation, part)))), strict=True):
            column.extend(cells)
    return columns


def _lay_out(headings: Sequence[str], columns: Sequence[Sequence[str]]) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart; the last column is not padded."""
    widths = [max(len(heading), max(map(len, column), default=0)) for heading, column in zip(headings, columns,
                                                                                               strict=True)]
    pattern = _GAP.join(f"{{:<{w}}}" for w in widths[:-1]) + _GAP + "{}"
    padded = [list(map(str.ljust, column, repeat(width))) for column, width in zip(columns[:-1], widths, strict=False)]
    return [pattern.format(*headings).rstrip(), pattern.format(*("-" * w for w in widths)).rstrip(),
            *map(_GAP.join, zip(*padded, columns[-1], strict=True))]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the table gathers its findings, back as it was after.

    The table must hold every finding it shows until the last case is read; each full collection walks
    every object held so far, and they come more often the more are held: on 100k cases that walking
    cost a quarter of the table's time (bench/check_formats.py). Findings hold no reference cycles, so
    there is nothing for the collector to find among them; reference counting still frees everything
    else as it goes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _gather(results: Iterable[Row], show_met: bool) -> tuple[dict[str, dict[Status, list[Finding]]],
                                                             Counter[tuple[str, Status]]]:
    """The findings to show, by adviser and status, and how many of each status each adviser has. Met
    findings not shown are only counted, never held."""
    shown: dict[str, dict[Status, list[Finding]]] = {}
    counts: Counter[tuple[str, Status]] = Counter()
    met = Status.MET
    with _collector_paused():
        for adviser, _team, findings in results:
            name = adviser or NO_ADVISER
            parts = shown.get(name)
            if parts is None:
                parts = shown[name] = {Status.OVERDUE: [], Status.PENDING: [], met: []}
            for f in findings:
                parts[f.status].append(f)
            if not show_met and parts[met]:
                counts[name, met] += len(parts[met])
                parts[met].clear()
    for name, parts in shown.items():
        for status, part in parts.items():
            counts[name, status] += len(part)
    return shown, counts


def write_table(out: IO[str], as_of: date, results: Iterable[Row],
                data_errors: Callable[[], Iterable[DataError]], show_met: bool = False) -> None:
    """Findings grouped by adviser, overdue first, with counts; then the totals and the data errors."""
    by_adviser, counts = _gather(results, show_met)
    advisers = len(by_adviser)
    totals: Counter[Status] = Counter()
    for adviser in sorted(by_adviser, key=lambda a: (a == NO_ADVISER, a)):
        overdue, pending, met = (counts[adviser, s] for s in (Status.OVERDUE, Status.PENDING, Status.MET))
        totals.update({Status.OVERDUE: overdue, Status.PENDING: pending, Status.MET: met})
        out.write(f"{literal(adviser)}: {overdue} overdue, {pending} pending, {met} met\n")
        columns = _columns(by_adviser.pop(adviser), as_of)
        if columns[0]:
            out.write("\n".join(_lay_out(TABLE_HEADINGS, columns)) + "\n")
        out.write("\n")
    errors = list(data_errors())
    out.write(f"As of {as_of}: {totals[Status.OVERDUE]} overdue, {totals[Status.PENDING]} pending, "
              f"{totals[Status.MET]} met across {plural(advisers, 'adviser')}; "
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
