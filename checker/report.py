"""Writing results: the JSON document of docs/input.md (streamed) and the readable table.

The JSON writer streams findings as the engine yields them, so a million cases never sit in memory;
the table groups by adviser and so holds the findings it shows. Neither prints names: case refs only.
The table shows every value literally (``checker.literal.cell``): Rich never reads data as markup, and
control characters are shown escaped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from json.encoder import encode_basestring
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from checker.literal import cell, literal
from rules.records import DataError, Finding, Status

NO_ADVISER = "(no adviser allocated)"


def finding_document(f: Finding) -> dict[str, Any]:
    """One finding as in docs/input.md, with owner, escalation, citation and days overdue."""
    doc: dict[str, Any] = {
        "case_ref": f.case_ref,
        "obligation": f.obligation,
        "ref": f.ref,
        "status": f.status.value,
        "due_date": f.due_date.isoformat(),
        "completed_on": f.completed_on.isoformat() if f.completed_on else None,
    }
    if f.stage is not None:
        doc["stage"] = f.stage
        doc["escalate_to_stage"] = f.escalate_to_stage
        doc["owner"] = f.owner.value
    else:
        doc["owner"] = f.owner.value
        doc["escalated_to"] = f.escalated_to.value if f.escalated_to else None
    doc["working_days_overdue"] = f.working_days_overdue
    doc["citation"] = f.citation
    return doc


def error_document(e: DataError) -> dict[str, Any]:
    return {"case_ref": e.case_ref, "dispute_ref": e.dispute_ref, "field": e.field, "message": e.message}


# The writer below spells each document out with json's own string encoder (the one json.dumps uses with
# ensure_ascii=False) instead of building a dict per finding and dumping it: the bytes are the same as
# ``json.dumps(finding_document(f), ensure_ascii=False)`` (tests/test_report_json.py holds it to that).
_text = encode_basestring
_BATCH = 1000  # findings per write


def _or_null(value: str | None) -> str:
    return "null" if value is None else _text(value)


def finding_json(f: Finding) -> str:
    """``json.dumps(finding_document(f), ensure_ascii=False)``, spelled out.

    Status and Role are StrEnums, so a member is encoded as its value's text without the ``.value``
    lookup (a Python-level descriptor); the working days overdue are always a plain ``int``.
    """
    completed = "null" if f.completed_on is None else f'"{f.completed_on.isoformat()}"'
    head = (f'{{"case_ref": {_text(f.case_ref)}, "obligation": {_text(f.obligation)}, "ref": {_or_null(f.ref)}, '
            f'"status": {_text(f.status)}, "due_date": "{f.due_date.isoformat()}", "completed_on": {completed}, ')
    if f.stage is not None:
        escalate = "null" if f.escalate_to_stage is None else int.__repr__(f.escalate_to_stage)
        middle = (f'"stage": {int.__repr__(f.stage)}, "escalate_to_stage": {escalate}, '
                  f'"owner": {_text(f.owner)}, ')
    else:
        escalated = "null" if f.escalated_to is None else _text(f.escalated_to)
        middle = f'"owner": {_text(f.owner)}, "escalated_to": {escalated}, '
    return (f'{head}{middle}"working_days_overdue": {f.working_days_overdue}, '
            f'"citation": {_text(f.citation)}}}')


def error_json(e: DataError) -> str:
    """``json.dumps(error_document(e), ensure_ascii=False)``, spelled out."""
    return (f'{{"case_ref": {_or_null(e.case_ref)}, "dispute_ref": {_or_null(e.dispute_ref)}, '
            f'"field": {_text(e.field)}, "message": {_text(e.message)}}}')


def write_json(out: IO[str], as_of: date, findings: Iterable[Finding],
               data_errors: Callable[[], Iterable[DataError]]) -> int:
    """Stream the §5 document; ``data_errors`` is called once the findings have all been written.

    Findings are written ``_BATCH`` at a time; what is held is written before an error goes up, so a
    failing source leaves the same bytes behind as a writer without the batching would.
    """
    out.write(f'{{"as_of": "{as_of.isoformat()}",\n "findings": [')
    count = 0
    held: list[str] = []
    try:
        for finding in findings:
            held.append(finding_json(finding))
            count += 1
            if len(held) == _BATCH:
                out.write(("\n  " if count == _BATCH else ",\n  ") + ",\n  ".join(held))
                held.clear()
    finally:
        if held:
            out.write(("\n  " if count == len(held) else ",\n  ") + ",\n  ".join(held))
    out.write("\n ],\n \"data_errors\": [")
    errors = [error_json(e) for e in data_errors()]
    if errors:
        out.write("\n  " + ",\n  ".join(errors))
    out.write("\n ]\n}\n")
    return count


_ORDER = {Status.OVERDUE: 0, Status.PENDING: 1, Status.MET: 2}


def _when(f: Finding, as_of: date) -> str:
    if f.status is Status.MET:
        return f"done {f.completed_on}"
    if f.status is Status.OVERDUE:
        return f"{f.working_days_overdue} working days overdue"
    left = (f.due_date - as_of).days
    return "due today" if left == 0 else f"due in {left} day{'s' if left != 1 else ''}"


def write_table(console: Console, as_of: date, results: Iterable[tuple[str | None, list[Finding]]],
                data_errors: Callable[[], Iterable[DataError]], show_met: bool = False) -> None:
    """Findings grouped by adviser, overdue first, with counts; then the data errors."""
    by_adviser: dict[str, list[Finding]] = defaultdict(list)
    totals: Counter[Status] = Counter()
    for adviser, findings in results:
        by_adviser[adviser or NO_ADVISER].extend(findings)
        totals.update(f.status for f in findings)
    for adviser in sorted(by_adviser, key=lambda a: (a == NO_ADVISER, a)):
        findings = by_adviser[adviser]
        counts = Counter(f.status for f in findings)
        shown = sorted((f for f in findings if show_met or f.status is not Status.MET),
                       key=lambda f: (_ORDER[f.status], f.due_date, f.case_ref, f.obligation))
        title = (f"{adviser}: {counts[Status.OVERDUE]} overdue, {counts[Status.PENDING]} pending, "
                 f"{counts[Status.MET]} met")
        table = Table(title=Text(literal(title)), title_justify="left", expand=False)
        for heading in ("status", "case", "obligation", "due", "when", "escalated to", "citation"):
            table.add_column(heading)
        for f in shown:
            style = "bold red" if f.status is Status.OVERDUE else ("" if f.status is Status.PENDING else "dim")
            escalated = (f"stage {f.escalate_to_stage}" if f.escalate_to_stage
                         else (f.escalated_to.value if f.escalated_to else ""))
            label = f.obligation + (f" {f.ref}" if f.ref else "")
            table.add_row(*(cell(v) for v in (f.status.value, f.case_ref, label, f.due_date.isoformat(),
                                              _when(f, as_of), escalated, f.citation)), style=style)
        console.print(table)
    errors = list(data_errors())
    console.print(
        f"\nAs of {as_of}: {totals[Status.OVERDUE]} overdue, {totals[Status.PENDING]} pending, "
        f"{totals[Status.MET]} met across {len(by_adviser)} advisers; {len(errors)} data errors.",
        markup=False, emoji=False,
    )
    if errors:
        table = Table(title="Data errors (fix these in the case-management system)", title_justify="left")
        for heading in ("case", "dispute", "field", "problem"):
            table.add_column(heading)
        for e in errors:
            table.add_row(*(cell(v) for v in (e.case_ref or "", e.dispute_ref or "", e.field, e.message)))
        console.print(table)
