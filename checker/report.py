"""Writing results: the JSON document of docs/input.md, streamed (the table and CSV: ``report_text``).

The JSON writer streams findings as the engine yields them, so a million cases never sit in memory.
It prints no names: case refs only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from json.encoder import encode_basestring
from typing import IO, Any

from rules.records import DataError, Finding


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
               data_errors: Callable[[], Iterable[DataError]], not_checked: Sequence[Mapping[str, object]] = ()
               ) -> int:
    """Stream the §5 document; ``data_errors`` is called once the findings have all been written. Last comes
    ``not_checked``: the obligations the source cannot check in full (``checker.columns.not_checked``),
    an empty list when it can check them all.

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
    out.write("\n ],\n \"not_checked\": [")
    if not_checked:
        out.write("\n  " + ",\n  ".join(json.dumps(each, ensure_ascii=False) for each in not_checked))
    out.write("\n ]\n}\n")
    return count
