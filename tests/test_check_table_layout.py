"""The check table, laid out for speed, reads exactly as the plain description of it says.

``checker.report_table`` holds each finding as its case reference and two shared key numbers and works
each cell out once per key (bench/check_formats.py). Here the table it prints is compared, byte for
byte, with one made the obvious way from the description in its docstring and docs: advisers in name
order with "(no adviser allocated)" last, a count line, then rows overdue first, pending, then met (when
shown), each status by due date, case and obligation (in the order read when those tie), columns as wide
as their widest cell, two spaces apart, the last one not padded; then the totals and the data errors.
Findings are drawn at random, with the awkward values a source can give: references of different
lengths, control characters, empty citations, the same case, obligation and due date twice.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import report_table
from checker.literal import literal
from checker.report_table import write_table
from rules.records import DataError, Finding, Role, Status

AS_OF = date(2026, 11, 23)
HEADINGS = ("status", "case", "obligation", "due", "when", "escalated to", "citation")


def plain_table(rows: list[tuple[str | None, str | None, list[Finding]]], errors: list[DataError],
                show_met: bool) -> str:
    by_adviser: dict[str, list[Finding]] = {}
    for adviser, _team, findings in rows:
        by_adviser.setdefault(adviser or "(no adviser allocated)", []).extend(findings)
    out = []
    totals = dict.fromkeys(Status, 0)
    for adviser in sorted(by_adviser, key=lambda a: (a == "(no adviser allocated)", a)):
        findings = by_adviser[adviser]
        count = {s: sum(f.status is s for f in findings) for s in Status}
        for s in Status:
            totals[s] += count[s]
        out.append(f"{literal(adviser)}: {count[Status.OVERDUE]} overdue, {count[Status.PENDING]} pending, "
                   f"{count[Status.MET]} met\n")
        statuses = [Status.OVERDUE, Status.PENDING] + ([Status.MET] if show_met else [])
        shown = [f for s in statuses
                 for f in sorted((f for f in findings if f.status is s),
                                 key=lambda f: (f.due_date, f.case_ref, f.obligation))]
        if shown:
            out.append(lay_out(HEADINGS, [cells(f) for f in shown]))
        out.append("\n")
    out.append(f"As of {AS_OF}: {totals[Status.OVERDUE]} overdue, {totals[Status.PENDING]} pending, "
               f"{totals[Status.MET]} met across {len(by_adviser)} adviser{'' if len(by_adviser) == 1 else 's'}; "
               f"{len(errors)} data error{'' if len(errors) == 1 else 's'}.\n")
    if errors:
        out.append("\nData errors (fix these in the case-management system)\n")
        out.append(lay_out(("case", "dispute", "field", "problem"),
                           [[literal(e.case_ref or ""), literal(e.dispute_ref or ""), literal(e.field),
                             literal(e.message)] for e in errors]))
    return "".join(out)


def cells(f: Finding) -> list[str]:
    if f.status is Status.OVERDUE:
        days = f.working_days_overdue
        when = f"{days} working day{'' if days == 1 else 's'} overdue"
        escalated = f"stage {f.escalate_to_stage}" if f.escalate_to_stage else str(f.escalated_to or "")
    elif f.status is Status.PENDING:
        left = (f.due_date - AS_OF).days
        when, escalated = ("due today" if left == 0 else f"due in {left} day{'' if left == 1 else 's'}"), ""
    else:
        when, escalated = f"done {f.completed_on}", ""
    label = f"{f.obligation} {f.ref}" if f.ref else f.obligation
    return [f.status.value, literal(f.case_ref), literal(label), f.due_date.isoformat(), when, escalated,
            literal(f.citation)]


def lay_out(headings: Iterable[str], rows: list[list[str]]) -> str:
    heads = list(headings)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]

    def line(values: list[str]) -> str:
        return "  ".join([v.ljust(w) for v, w in zip(values[:-1], widths, strict=False)] + [values[-1]])

    dashes = ["-" * w for w in widths]
    return "".join([line(heads).rstrip() + "\n", line(dashes).rstrip() + "\n", *(line(r) + "\n" for r in rows)])


AWKWARD = ["", "x", "\x1b[2J", "a\tb", "\u202e", "Zoë", " ", "[bold]"]
texts = st.sampled_from(["P1", "P10", "P2", "p1", "P1 x", "P0001", "A-7", *AWKWARD])


@st.composite
def findings(draw: st.DrawFn) -> Finding:
    status = draw(st.sampled_from(list(Status)))
    due = AS_OF + timedelta(days=draw(st.integers(-40, 40)))
    return Finding(
        case_ref=draw(texts), obligation=draw(st.sampled_from(["housing-panel", "housing", "a b", "ob\x07"])),
        ref=draw(st.sampled_from([None, "", "D1", "D2", "2026-10"])), status=status, due_date=due,
        completed_on=draw(st.sampled_from([None, due, due - timedelta(days=3)])) if status is Status.MET else None,
        owner=draw(st.sampled_from(list(Role))), escalated_to=draw(st.sampled_from([None, *Role])),
        citation=draw(st.sampled_from(["000 §7", "", "003 §2.1 (a longer citation)", "c\rd"])),
        working_days_overdue=draw(st.integers(0, 400)) if status is Status.OVERDUE else 0,
        stage=draw(st.sampled_from([None, 1, 2])), escalate_to_stage=draw(st.sampled_from([None, 0, 2])))


case_rows = st.lists(st.tuples(st.sampled_from([None, "", "pa.a@example.org", "pa.b@example.org", "Zed\x1b"]),
                               st.just("North"), st.lists(findings(), max_size=6)), max_size=25)
error_lists = st.lists(st.builds(DataError, st.sampled_from([None, "P1", "\x1b"]), st.sampled_from([None, "D1"]),
                                 st.sampled_from(["date_of_birth", "f"]), st.sampled_from(["bad", "x\ty"])),
                       max_size=3)


@pytest.mark.parametrize("flush", [1, 3, report_table._FLUSH])
@settings(max_examples=150, deadline=None)
@given(rows=case_rows, errors=error_lists, show_met=st.booleans())
def test_the_table_reads_as_described(rows: list[tuple[str | None, str | None, list[Finding]]],
                                      errors: list[DataError], show_met: bool, flush: int) -> None:
    """Whatever the findings, and however often they are reduced to key numbers while being read."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report_table, "_FLUSH", flush)
        write_table(out, AS_OF, iter(rows), lambda: errors, show_met=show_met)
    assert out.getvalue() == plain_table(rows, errors, show_met)
