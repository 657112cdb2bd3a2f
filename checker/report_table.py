"""The plain table ``checker check`` prints: findings grouped by adviser, overdue first, with counts; then the
totals and the data errors.

The table is plain text laid out here, not a terminal widget: a widget measured every cell of a million
findings against the terminal's width, cut the table to it, and cost many times the JSON document. This
one is never cut, reads the same piped into a file, and costs less than the JSON (bench/check_formats.py).
It prints no names, case references only, and every value from the data literally (``checker.literal``).

What makes it cheap. Rows are sorted, so every finding shown is held until the last case is read; a
``Finding`` held that long made the whole run slower (the engine's own objects landed in fresh memory
instead of the few blocks a streamed finding is freed back to), so findings are held only briefly: every
``_FLUSH`` findings each one is reduced to three references, its case reference and the numbers of two
shared keys, *what* (obligation, ref, citation: a few hundred in a caseload) and *when* (the due date and
what the status shows beside it: a few thousand). A cell is worked out once per key, not once per
finding, and a row is the case reference and three cells looked up by those numbers. Sorting is three
stable sorts on plain numbers and strings. Met findings not shown are only counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from itertools import chain, count, repeat
from operator import attrgetter
from typing import IO, Any, cast

from checker.collector import collector_paused
from checker.literal import literal
from checker.report_text import Row, plural
from rules.records import DataError, Finding, Status

NO_ADVISER = "(no adviser allocated)"
TABLE_HEADINGS = ("status", "case", "obligation", "due", "when", "escalated to", "citation")
ERROR_HEADINGS = ("case", "dispute", "field", "problem")
_GAP = "  "
_FLUSH = 8192  # findings held at once, at most, before each is reduced to three references
_STATUSES = (Status.OVERDUE, Status.PENDING, Status.MET)  # the order of the rows

_case_ref = attrgetter("case_ref")
_what = attrgetter("obligation", "ref", "citation")
# What the ``due``, ``when`` and ``escalated to`` cells of a finding of each status are made of.
_when = {Status.OVERDUE: attrgetter("due_date", "working_days_overdue", "escalate_to_stage", "escalated_to"),
         Status.PENDING: attrgetter("due_date"),
         Status.MET: attrgetter("due_date", "completed_on")}


class _Keys:
    """Shared keys, each numbered once: ``number(keys)`` gives each key's number (a new key gets a new one)."""

    def __init__(self, numbers: Iterator[int]) -> None:
        self.numbered: dict[Any, int] = {}
        self._numbers = numbers

    def number(self, keys: Iterable[Any]) -> Iterator[int]:
        return map(self.numbered.setdefault, keys, self._numbers)  # a key seen already keeps its number

    def by_number(self) -> dict[int, Any]:
        return {number: key for key, number in self.numbered.items()}


class _Part:
    """The findings of one adviser and status: their case references and key numbers, in the order read."""

    __slots__ = ("cases", "whats", "whens")

    def __init__(self) -> None:
        self.cases: list[str] = []
        self.whats: list[int] = []
        self.whens: list[int] = []


class _Gathered:
    """The findings to show, by adviser and status, and the keys their cells are made from."""

    def __init__(self) -> None:
        numbers = count()
        self.whats = _Keys(numbers)
        self.whens = {status: _Keys(numbers) for status in _STATUSES}
        self.parts: dict[str, dict[Status, _Part]] = {}
        self.held: list[tuple[Status, list[Finding], _Part]] = []
        self.met_counted: Counter[str] = Counter()

    def lists(self, adviser: str) -> dict[Status, list[Finding]]:
        """Lists to put the adviser's findings in, by status (each reduced by ``flush``)."""
        parts = self.parts[adviser] = {status: _Part() for status in _STATUSES}
        lists: dict[Status, list[Finding]] = {}
        for status, part in parts.items():
            lists[status] = []
            self.held.append((status, lists[status], part))
        return lists

    def flush(self) -> None:
        """Each finding held reduced to its case reference and key numbers; the findings let go."""
        for status, held, part in self.held:
            if held:
                part.cases.extend(map(_case_ref, held))
                part.whats.extend(self.whats.number(map(_what, held)))
                part.whens.extend(self.whens[status].number(map(_when[status], held)))
                held.clear()


def _gather(results: Iterable[Row], show_met: bool) -> _Gathered:
    gathered = _Gathered()
    by_adviser: dict[str, dict[Status, list[Finding]]] = {}
    met = Status.MET
    held = 0
    for adviser, _team, findings in results:
        name = adviser or NO_ADVISER
        lists = by_adviser.get(name)
        if lists is None:
            lists = by_adviser[name] = gathered.lists(name)
        for f in findings:
            lists[f.status].append(f)
        if not show_met and lists[met]:
            gathered.met_counted[name] += len(lists[met])
            lists[met].clear()
        held += len(findings)
        if held >= _FLUSH:
            gathered.flush()
            held = 0
    gathered.flush()
    return gathered


def _shown_cases(cases: list[str]) -> list[str]:
    """``literal`` of each case reference; when every one is printable (``str.isprintable`` is false for every
    character ``literal`` escapes), the references as they are, checked in C."""
    return cases if all(map(str.isprintable, cases)) else list(map(literal, cases))


class _Cells:
    """The cells of the keys, worked out once per key: ``what`` gives an obligation's label and citation,
    ``when`` the due date, when and escalated-to cells of a status."""

    def __init__(self, gathered: _Gathered, as_of: date) -> None:
        whats = gathered.whats.by_number()
        self.obligation: dict[int, str] = {n: key[0] for n, key in whats.items()}
        self.label = {n: literal(f"{key[0]} {key[1]}" if key[1] else key[0]) for n, key in whats.items()}
        self.citation = {n: literal(key[2]) for n, key in whats.items()}
        ranks = {name: rank for rank, name in enumerate(sorted(set(self.obligation.values())))}
        self.rank = {n: ranks[name] for n, name in self.obligation.items()}
        self.day: dict[int, int] = {}  # a when's due date as a day number (sorted much faster than dates)
        self.due: dict[int, str] = {}
        self.when: dict[int, str] = {}
        self.escalated: dict[int, str] = {}
        for status, keys in gathered.whens.items():
            for n, key in keys.by_number().items():
                due, when, escalated = _when_cells(status, key, as_of)
                self.day[n], self.due[n], self.when[n], self.escalated[n] = due.toordinal(), due.isoformat(), \
                    when, escalated


def _when_cells(status: Status, key: Any, as_of: date) -> tuple[date, str, str]:
    """The due date of a when key of ``status`` (``_when``), and its ``when`` and ``escalated to`` cells."""
    if status is Status.PENDING:
        left = (cast(date, key) - as_of).days
        return key, "due today" if left == 0 else f"due in {plural(left, 'day')}", ""
    if status is Status.MET:
        return key[0], f"done {key[1]}", ""
    due, days, stage, role = key
    return due, f"{plural(days, 'working day')} overdue", f"stage {stage}" if stage else str(role or "")


def _in_order(part: _Part, cells: _Cells) -> list[int]:
    """Positions of ``part`` by due date, then case, then obligation: three stable sorts on one key each, on
    numbers where they can be, cheaper than one on a tuple of the three."""
    order = sorted(range(len(part.cases)), key=list(map(cells.rank.__getitem__, part.whats)).__getitem__)
    order.sort(key=part.cases.__getitem__)
    order.sort(key=list(map(cells.day.__getitem__, part.whens)).__getitem__)
    return order


def _lay_out(headings: Sequence[str], columns: Sequence[Sequence[str]]) -> list[str]:
    """Columns as wide as their widest cell, two spaces apart; the last column is not padded."""
    widths = [max(len(heading), max(map(len, column), default=0)) for heading, column in zip(headings, columns,
                                                                                               strict=True)]
    padded = [list(map(str.ljust, column, repeat(width))) for column, width in zip(columns[:-1], widths, strict=False)]
    return [*_heading_lines(headings, widths), *map(_GAP.join, zip(*padded, columns[-1], strict=True))]


def _heading_lines(headings: Sequence[str], widths: Sequence[int]) -> list[str]:
    pattern = _GAP.join(f"{{:<{w}}}" for w in widths[:-1]) + _GAP + "{}"
    return [pattern.format(*headings).rstrip(), pattern.format(*("-" * w for w in widths)).rstrip()]


def _widest(values: Iterable[str], heading: str) -> int:
    return max(len(heading), max(map(len, values), default=0))


def _adviser_table(parts: dict[Status, _Part], cells: _Cells) -> str:
    """The adviser's rows with their headings, overdue first, then by due date, case and obligation; ``""``
    when there are none."""
    shown = [(status, part, _shown_cases(part.cases)) for status, part in parts.items() if part.cases]
    if not shown:
        return ""
    whats = set(chain.from_iterable(part.whats for _, part, _ in shown))
    whens = set(chain.from_iterable(part.whens for _, part, _ in shown))
    widths = [_widest((status.value for status, _, _ in shown), TABLE_HEADINGS[0]),
              max(len(TABLE_HEADINGS[1]), *(max(map(len, cases)) for _, _, cases in shown)),
              _widest(map(cells.label.__getitem__, whats), TABLE_HEADINGS[2]),
              _widest(map(cells.due.__getitem__, whens), TABLE_HEADINGS[3]),
              _widest(map(cells.when.__getitem__, whens), TABLE_HEADINGS[4]),
              _widest(map(cells.escalated.__getitem__, whens), TABLE_HEADINGS[5]),
              _widest(map(cells.citation.__getitem__, whats), TABLE_HEADINGS[6])]
    # The cells after the case, padded and with the gaps, once per key.
    label = {n: cells.label[n].ljust(widths[2]) + _GAP for n in whats}
    middle = {n: (cells.due[n].ljust(widths[3]) + _GAP + cells.when[n].ljust(widths[4]) + _GAP
                  + cells.escalated[n].ljust(widths[5]) + _GAP) for n in whens}
    citation = {n: cells.citation[n] + "\n" for n in whats}
    text = ["\n".join(_heading_lines(TABLE_HEADINGS, widths)) + "\n"]
    for status, part, cases in shown:
        padded = cases if min(map(len, cases)) == widths[1] else list(map(str.ljust, cases, repeat(widths[1])))
        # Rows made in the order read (no indirection), then put in order: cheaper than making them in order.
        rows = list(map("".join, zip(repeat(status.value.ljust(widths[0]) + _GAP), padded, repeat(_GAP),
                                     map(label.__getitem__, part.whats), map(middle.__getitem__, part.whens),
                                     map(citation.__getitem__, part.whats))))
        text.append("".join(map(rows.__getitem__, _in_order(part, cells))))
    return "".join(text)


def write_table(out: IO[str], as_of: date, results: Iterable[Row],
                data_errors: Callable[[], Iterable[DataError]], show_met: bool = False) -> None:
    """Findings grouped by adviser, overdue first, with counts; then the totals and the data errors."""
    with collector_paused():
        gathered = _gather(results, show_met)
        cells = _Cells(gathered, as_of)
        totals: Counter[Status] = Counter()
        advisers = len(gathered.parts)
        for adviser in sorted(gathered.parts, key=lambda a: (a == NO_ADVISER, a)):
            parts = gathered.parts.pop(adviser)
            overdue, pending = len(parts[Status.OVERDUE].cases), len(parts[Status.PENDING].cases)
            met = len(parts[Status.MET].cases) + gathered.met_counted[adviser]
            totals.update({Status.OVERDUE: overdue, Status.PENDING: pending, Status.MET: met})
            out.write(f"{literal(adviser)}: {overdue} overdue, {pending} pending, {met} met\n"
                      f"{_adviser_table(parts, cells)}\n")
    errors = list(data_errors())
    out.write(f"As of {as_of}: {totals[Status.OVERDUE]} overdue, {totals[Status.PENDING]} pending, "
              f"{totals[Status.MET]} met across {plural(advisers, 'adviser')}; "
              f"{plural(len(errors), 'data error')}.\n")
    if errors:
        out.write("\nData errors (fix these in the case-management system)\n")
        columns = [[literal(e.case_ref or "") for e in errors], [literal(e.dispute_ref or "") for e in errors],
                   [literal(e.field) for e in errors], [literal(e.message) for e in errors]]
        out.write("\n".join(_lay_out(ERROR_HEADINGS, columns)) + "\n")
