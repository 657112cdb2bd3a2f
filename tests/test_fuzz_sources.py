"""Fuzzing the CSV source: seeded mutations of a good cases file through ``check`` and ``run --once``.

Each mutation (a flipped byte, a deleted or duplicated cell, a truncated file, random unicode in a cell, a
renamed column, blanked case refs, rows turned into commas or dropped) is read twice: by a plain reading of
docs/input.md written here (the oracle), and by checker. Whatever the mutation:

- no traceback, from ``check`` or ``run --once``;
- every row whose shape breaks (more or fewer cells than the header), every read cell with a control
  character, and every date the spec refuses (unparseable, a date of birth after the as-of date or more than
  30 years before it, a done date after the as-of date) is a data error of ``check`` (and counted on the run
  row of a tick that went ahead); a file that is not UTF-8 or lacks a required column is refused whole;
- a tick that went ahead evaluated at least 80% of the last good tick's cases, closed the obligations of no
  more than 20% of them for being absent, and kept every rejected case's obligations open; a tick that did
  not go ahead changed nothing.

After a tick that went ahead, the good file is ticked again, so every mutation is judged against the same
state. The seed is fixed: a failure names its mutation and reproduces.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from support.caseload import COLUMNS, custody_case
from support.ticks import StateEnv, state_env

from checker.app import App
from checker.settings import Settings
from checker.sources import CsvSource

AS_OF = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DATE_COLUMNS = {"date_of_birth", "looked_after_since", "housing_register_joined_on", "housing_register_renewed_on",
                "pathway_plan_reviewed_on", "custody_started_on", "release_date", "release_review_invited_on"}
PLANNED = {"release_date"}
CARE = {"looked_after_since"}
CELL_MAX = 32_767
CASES = 20
ALLOWED_DROP = 0.2
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DATE_TEXT = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$|^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
# Unicode to insert: controls (NUL, ESC, C1), line separators, combining marks, right-to-left text, emoji,
# a byte-order mark, wide letters, digits of other scripts, quotes and commas.
ALPHABET = ("\x00", "\x1b", "\x07", "\x85", "\x9b", "\u2028", "\u0301", "\u202e", "\u05d0", "\U0001f600", "\ufeff",
            "\uff21", "\u0663", '"', ",", " ", "é", "ß", "\t", "\r\n")


def good_rows() -> list[dict[str, str]]:
    rows = [custody_case(f"C{n:02d}", "2027-03-10", f"pa.{n}@example.org", given_name=f"Name{n}",
                         release_review_invited_on="2026-11-02" if n % 3 == 0 else "") for n in range(10)]
    rows += [{"case_ref": f"R{n:02d}", "given_name": f"Person{n}", "family_name": "Lee", "date_of_birth": "2009-05-10",
              "looked_after_since": "2015-03-01", "adviser_email": f"pa.r{n}@example.org", "team": "South",
              "housing_register_joined_on": "2025-09-01" if n % 2 else "",
              "pathway_plan_reviewed_on": "2026-06-01" if n % 3 else ""} for n in range(CASES - 10)]
    return rows


def good_text() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({c: row.get(c, "") for c in COLUMNS} for row in good_rows())
    return out.getvalue()


# -- mutations --------------------------------------------------------------------------------------------------


def _lines(text: str) -> tuple[str, list[str]]:
    header, *rows = text.rstrip("\n").split("\n")
    return header, rows


def _join(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def byte_flip(rng: random.Random, text: str) -> bytes:
    data = bytearray(text.encode())
    at = rng.randrange(len(text.split("\n", 1)[0]) + 1, len(data))
    data[at] = rng.choice([rng.randrange(0x20, 0x7f), rng.randrange(0x30, 0x3a), ord(","), ord('"'),
                           rng.randrange(0x80, 0x100), 0])
    return bytes(data)


def delete_cell(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    i = rng.randrange(len(rows))
    cells = rows[i].split(",")
    del cells[rng.randrange(len(cells))]
    rows[i] = ",".join(cells)
    return _join(header, rows).encode()


def duplicate_cell(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    i = rng.randrange(len(rows))
    cells = rows[i].split(",")
    at = rng.randrange(len(cells))
    cells.insert(at, cells[at])
    rows[i] = ",".join(cells)
    return _join(header, rows).encode()


def truncate(rng: random.Random, text: str) -> bytes:
    data = text.encode()
    return data[:rng.randrange(len(text.split("\n", 1)[0]) + 1, len(data))]


def random_unicode(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    i = rng.randrange(len(rows))
    cells = rows[i].split(",")
    at = rng.randrange(len(cells))
    noise = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 4)))
    where = rng.randrange(len(cells[at]) + 1)
    cells[at] = cells[at][:where] + noise + cells[at][where:]
    rows[i] = ",".join(cells)
    return _join(header, rows).encode()


def rename_column(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    names = header.split(",")
    at = rng.choice([i for i, n in enumerate(names) if n not in {"case_ref", "date_of_birth"}])
    names[at] = names[at].replace("_", " ").title() if rng.random() < 0.5 else names[at][:-1]
    return _join(",".join(names), rows).encode()


def blank_refs(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    for i in rng.sample(range(len(rows)), rng.randrange(1, len(rows) + 1)):
        rows[i] = "," + rows[i].split(",", 1)[1]
    return _join(header, rows).encode()


def comma_lines(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    for i in rng.sample(range(len(rows)), rng.randrange(1, len(rows) + 1)):
        rows[i] = "," * (len(COLUMNS) - 1)
    return _join(header, rows).encode()


def drop_rows(rng: random.Random, text: str) -> bytes:
    header, rows = _lines(text)
    keep = sorted(rng.sample(range(len(rows)), rng.randrange(0, len(rows))))
    return _join(header, [rows[i] for i in keep]).encode()


MUTATIONS = (byte_flip, byte_flip, byte_flip, delete_cell, duplicate_cell, truncate, random_unicode, random_unicode,
             rename_column, blank_refs, comma_lines, drop_rows)


# -- the oracle: docs/input.md read plainly --------------------------------------------------------------------


@dataclass
class Expected:
    refused: bool = False  # the whole file is refused (not UTF-8, or no case_ref / date_of_birth column)
    errors: Counter[str] = field(default_factory=Counter)  # field -> at least this many data errors
    present: set[str] = field(default_factory=set)  # the clean case refs of the rows read
    rejected: set[str] = field(default_factory=set)  # refs of rows whose shape or cells break
    names: list[str] = field(default_factory=list)


def spec_date(text: str) -> date | str | None:
    """A date cell: the date, ``None`` when empty, or "bad" when docs/input.md refuses it."""
    s = text.strip()
    if not s:
        return None
    m = DATE_TEXT.match(s)
    if not m:
        return "bad"
    y, mo, d = (m[1], m[2], m[3]) if m[1] else (m[6], m[5], m[4])
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        return "bad"


def oracle(data: bytes) -> Expected:
    expected = Expected()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Expected(refused=True)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    names = [n.strip().lower() for n in header or []]
    expected.names = names
    if "case_ref" not in names or "date_of_birth" not in names:
        return Expected(refused=True)
    known = [(i, n) for i, n in enumerate(names) if n in COLUMNS]
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        ref_cell = cells[names.index("case_ref")] if names.index("case_ref") < len(cells) else ""
        ref = ref_cell.strip() if not CONTROL.search(ref_cell) and len(ref_cell.strip()) <= 100 else ""
        if ref:
            expected.present.add(ref)
        if len(cells) != len(names):
            expected.errors["row"] += 1
            expected.rejected.add(ref)
            continue
        broken = [n for i, n in known if CONTROL.search(cells[i]) or len(cells[i]) > CELL_MAX]
        if broken:
            expected.errors[broken[0]] += 1
            expected.rejected.add(ref)
            continue
        for i, n in known:
            if n in DATE_COLUMNS:
                value = spec_date(cells[i])
                late = isinstance(value, date) and value > AS_OF and n not in PLANNED
                too_old = n == "date_of_birth" and isinstance(value, date) and value < date(1996, 11, 23)
                if value == "bad" or late or too_old or (n == "date_of_birth" and value is None):
                    expected.errors[n] += 1
                    if n == "date_of_birth" or n in CARE or value == "bad":
                        expected.rejected.add(ref)
    expected.rejected.discard("")
    return expected


# -- the test ---------------------------------------------------------------------------------------------------


@pytest.fixture(params=[pytest.param(("sqlite", 180), id="sqlite"),
                        pytest.param(("postgres", 90), id="postgres", marks=pytest.mark.postgres)])
def fuzz(request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch,
         tmp_path: Path) -> Iterator[tuple[StateEnv, int]]:
    backend, count = request.param
    request.param = backend
    for env in state_env(request, cli_env, tmp_path):
        yield env, count


def open_by_case(env: StateEnv) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = {}
    for row in env.open_instances():
        out.setdefault(row.case_ref, set()).add((row.obligation, row.ref))
    return out


def no_traceback(result: Any, what: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (what, result.exception)
    assert "Traceback" not in result.output, what


def test_mutated_csv_files_are_reported_and_never_close_more_than_the_guard_allows(
        fuzz: tuple[StateEnv, int], tmp_path: Path) -> None:
    env, count = fuzz
    good = good_text()
    cases = tmp_path / "cases.csv"
    cases.write_text(good)
    assert env.run_once(cases).exit_code == 0
    app = App.from_settings(Settings(), migrate=False)  # restores the good state quickly, on one engine
    baseline = open_by_case(env)
    assert len(baseline) == CASES
    rng = random.Random(9 if count > 100 else 90)
    seen: Counter[str] = Counter()  # what the mutations led to: the fuzzing must reach every kind of outcome
    for n in range(count):
        mutate = MUTATIONS[n % len(MUTATIONS)]
        data = mutate(rng, good)
        what = f"mutation {n} ({mutate.__name__})"
        cases.write_bytes(data)
        expected = oracle(data)

        checked = env.check(cases)
        no_traceback(checked, what)
        seen.update(["refused"] if expected.refused else expected.errors.keys())
        if expected.refused:
            assert checked.exit_code == 2, (what, checked.output)
        else:
            assert checked.exit_code == 0, (what, checked.output)
            found = Counter(e["field"] for e in json.loads(checked.stdout)["data_errors"])
            assert found["row"] == expected.errors["row"], what
            assert not expected.errors - found, (what, expected.errors - found)

        ran = env.run_once(cases)
        no_traceback(ran, what)
        after = open_by_case(env)
        last = env.runs()[-1]
        seen[f"exit {ran.exit_code}"] += 1
        assert ran.exit_code in (0, 1, 2, 4), (what, ran.output)  # 4: made, with messages parked or held
        if ran.exit_code in (1, 2):
            assert after == baseline, what  # nothing changed
            assert last.outcome in ("aborted", "failed"), what
            continue
        assert not expected.refused, what
        assert last.cases_read - last.cases_rejected >= (1 - ALLOWED_DROP) * CASES, what
        assert last.data_errors >= sum(expected.errors.values()), what
        assert set(expected.names) >= set(COLUMNS), what  # no column of the last good tick went missing
        absent_closed = [ref for ref in baseline if ref not in after and ref not in expected.present]
        assert len(absent_closed) <= ALLOWED_DROP * CASES, (what, absent_closed)
        for ref in expected.rejected & set(baseline):  # bad data never silences a deadline
            assert after.get(ref) == baseline[ref], (what, ref)
        cases.write_text(good)  # back to the good file, and the good state, for the next mutation
        restored = app.tick(CsvSource(cases)).plan(AS_OF, NOON, digests=False)
        assert restored.cases_read == CASES, what
        assert open_by_case(env) == baseline, what
    assert {"refused", "row", "date_of_birth", "exit 0", "exit 1", "exit 2"} <= set(seen), seen
    assert sum(seen[c] for c in DATE_COLUMNS - {"date_of_birth"}) > 0, seen
    app.engine.dispose()
    print(dict(seen))
