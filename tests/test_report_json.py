"""The streamed §5 JSON writer (checker/report.py) writes exactly what json.dumps of each document would.

The writer spells findings and data errors out with json's string encoder and writes them in batches;
these tests hold it to the bytes of the plain writer it replaced: one ``json.dumps(...,
ensure_ascii=False)`` per document, separators and all, for any number of findings, and the same bytes
left behind when the findings stop with an error part-way.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from datetime import date

import pytest

from checker.report import error_document, error_json, finding_document, finding_json, write_json
from rules.records import DataError, Finding, Role, Status

AS_OF = date(2026, 12, 1)
AWKWARD = ['plain', 'quote " and backslash \\', "tab\tnew\nline\r", "ünïcödé — “quotes” £", "\x00\x1f\x7f",
           "emoji \U0001f3e0", "</script>", "\u2028\u2029", ""]


def findings() -> list[Finding]:
    out: list[Finding] = []
    for i, word in enumerate(AWKWARD):
        out += [
            Finding(word or "P1", f"ob-{word}", None, Status.MET, date(2026, 1, 2), date(2026, 1, 1), Role.ADVISER,
                    None, word, 0),
            Finding("P2", "housing-register-renewal", None, Status.OVERDUE, date(2026, 1, 2), None, Role.ADVISER,
                    Role.SENIOR_MANAGER, "000 §7", 21 + i, date(2025, 1, 2), ("housing_register_renewed_on",)),
            Finding("P3", "pathway-plan-review", None, Status.PENDING, date(2027, 1, 2), None, Role.MANAGER, None,
                    "000 §7", 0),
            Finding("P4", "dispute-escalation", word, Status.OVERDUE, date(2026, 1, 2), None, Role.MANAGER, None,
                    "000 §18", 7, stage=2, escalate_to_stage=3),
            Finding("P4", "dispute-escalation", f"D{i}", Status.MET, date(2026, 1, 2), date(2026, 1, 2),
                    Role.HEAD_OF_SERVICE, None, "000 §18", 0, stage=4, escalate_to_stage=None),
        ]
    return out


def errors() -> list[DataError]:
    return [DataError(None, None, "case_ref", "case_ref is empty"),
            *(DataError(w, f"D{w}", "date_of_birth", f"date_of_birth '{w}' is not a date") for w in AWKWARD),
            DataError("P9", None, "release_date", "in_custody is true but release_date is empty")]


def plain_writer(out: io.StringIO, as_of: date, found: Iterable[Finding], errs: Iterable[DataError]) -> None:
    """The writer as it was: one json.dumps per document, two writes per finding."""
    out.write(f'{{"as_of": "{as_of.isoformat()}",\n "findings": [')
    for count, f in enumerate(found):
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(finding_document(f), ensure_ascii=False))
    out.write("\n ],\n \"data_errors\": [")
    for i, e in enumerate(errs):
        out.write(",\n  " if i else "\n  ")
        out.write(json.dumps(error_document(e), ensure_ascii=False))
    out.write("\n ],\n \"not_checked\": [\n ]\n}\n")


def test_each_finding_is_what_json_dumps_writes() -> None:
    for f in findings():
        assert finding_json(f) == json.dumps(finding_document(f), ensure_ascii=False)


def test_each_data_error_is_what_json_dumps_writes() -> None:
    for e in errors():
        assert error_json(e) == json.dumps(error_document(e), ensure_ascii=False)


@pytest.mark.parametrize("n", [0, 1, 2, 999, 1000, 1001, 2000, 2345])
@pytest.mark.parametrize("with_errors", [False, True])
def test_the_document_is_byte_identical_for_any_number_of_findings(n: int, with_errors: bool) -> None:
    pool = findings()
    found = [pool[i % len(pool)] for i in range(n)]
    errs = errors() if with_errors else []
    ours, theirs = io.StringIO(), io.StringIO()
    assert write_json(ours, AS_OF, iter(found), lambda: errs) == n
    plain_writer(theirs, AS_OF, found, errs)
    assert ours.getvalue() == theirs.getvalue()
    json.loads(ours.getvalue())


class BrokenSourceError(Exception):
    pass


@pytest.mark.parametrize("n", [0, 1, 999, 1000, 1500])
def test_findings_that_stop_with_an_error_leave_the_same_bytes(n: int) -> None:
    pool = findings()

    def failing() -> Iterator[Finding]:
        for i in range(n):
            yield pool[i % len(pool)]
        raise BrokenSourceError

    ours, theirs = io.StringIO(), io.StringIO()
    with pytest.raises(BrokenSourceError):
        write_json(ours, AS_OF, failing(), list)
    with pytest.raises(BrokenSourceError):
        plain_writer(theirs, AS_OF, failing(), [])
    assert ours.getvalue() == theirs.getvalue()
