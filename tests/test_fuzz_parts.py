"""Fuzzing the file-based parts of a source: seeded mutations of SSDA903 return files and of a supplementary
events file and staff directory joined to a CSV base (a flipped byte, a byte that is not UTF-8, a cell
deleted, a line repeated, a truncated file, random unicode in a cell, a blanked id). Whatever the mutation,
``check`` never crashes: the source is refused whole with a plain message (``SourceError``), or every case
is judged, and each data error names its field and quotes no date of birth or name. The seed is fixed: a
failure names its mutation and reproduces."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from support.caseload import write_rows
from test_source_parts import STAFF, WHOLE

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.sources import CsvSource, SourceError
from checker.sources.composed import ComposedSource
from checker.sources.events import EventsSupplement
from checker.sources.ssda903 import Ssda903Source
from checker.sources.staff import StaffDirectory

ALPHABET = ("\x00", "\x1b", "\x85", "\u2028", "\u0301", "\u202e", "\U0001f600", "\ufeff", '"', ",", "\r\n", "é")
NAMES = {r["given_name"] for r in WHOLE} | {"Pat One", "Tam North"}
DOBS = {r["date_of_birth"] for r in WHOLE} | {"01/03/2006", "15/06/2008"}


def mutate(text: str, rng: random.Random) -> tuple[bytes, str]:
    """The file's bytes after one mutation, and what it was."""
    if rng.randrange(8) == 0:
        data = text.encode("utf-8")
        at = rng.randrange(len(data) + 1)
        return data[:at] + b"\xff" + data[at:], f"a byte that is not UTF-8 at {at}"
    changed, how = _mutate(text, rng)
    return changed.encode("utf-8", "surrogatepass"), how


def _mutate(text: str, rng: random.Random) -> tuple[str, str]:  # noqa: PLR0911 - one return per mutation
    lines = text.splitlines(keepends=True)
    choice = rng.randrange(7)
    if choice == 0 and text:
        at = rng.randrange(len(text))
        return text[:at] + chr(ord(text[at]) ^ 1 << rng.randrange(7)) + text[at + 1:], f"flip at {at}"
    if choice == 1 and len(lines) > 1:
        i = rng.randrange(1, len(lines))
        cells = lines[i].rstrip("\r\n").split(",")
        del cells[rng.randrange(len(cells))]
        lines[i] = ",".join(cells) + "\n"
        return "".join(lines), f"cell deleted on line {i}"
    if choice == 2 and len(lines) > 1:
        i = rng.randrange(1, len(lines))
        lines.insert(i, lines[i])
        return "".join(lines), f"line {i} repeated"
    if choice == 3:
        cut = rng.randrange(len(text) + 1)
        return text[:cut], f"truncated at {cut}"
    if choice == 4 and len(lines) > 1:
        i = rng.randrange(1, len(lines))
        cells = lines[i].rstrip("\r\n").split(",")
        j = rng.randrange(len(cells))
        cells[j] += "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 4)))
        lines[i] = ",".join(cells) + "\n"
        return "".join(lines), f"unicode in line {i} cell {j}"
    if choice == 5 and len(lines) > 1:
        i = rng.randrange(1, len(lines))
        lines[i] = "," + lines[i].split(",", 1)[-1]
        return "".join(lines), f"id blanked on line {i}"
    return text.replace(",", ";", 1), "first comma turned to a semicolon"


def judge(source: object, what: str) -> None:
    evaluation = Evaluation(source, load_profile(), date(2026, 11, 23))  # type: ignore[arg-type]
    try:
        list(evaluation.results())
    except SourceError as exc:
        refused = str(exc)
        assert refused, what
        return
    for error in evaluation.data_errors:
        assert error.field, what
        assert not any(name in error.message for name in NAMES), (what, error)
        assert not any(dob in error.message for dob in DOBS if error.field == "date_of_birth"), (what, error)


def ssda903(folder: Path) -> dict[str, Path]:
    header = write_rows(folder / "header.csv", [
        {"CHILD": c, "SEX": "1", "DOB": d, "ETHNIC": "WBRI"} for c, d in (("A", "01/03/2006"), ("B", "15/06/2008"))])
    episodes = write_rows(folder / "episodes.csv", [
        {"CHILD": "A", "DECOM": "01/01/2019", "RNE": "S", "LS": "C2", "PLACE": "U1", "DEC": "01/06/2022",
         "REC": "X1"},
        {"CHILD": "A", "DECOM": "01/06/2022", "RNE": "P", "LS": "C2", "PLACE": "R5", "DEC": "", "REC": ""},
        {"CHILD": "B", "DECOM": "05/05/2020", "RNE": "S", "LS": "J1", "PLACE": "K1", "DEC": "", "REC": ""}])
    return {"header": header, "episodes": episodes}


def joined(folder: Path) -> dict[str, Path]:
    base = write_rows(folder / "base.csv", [{c: r.get(c, "") for c in ("case_ref", "given_name", "date_of_birth",
                                                                       "adviser_email")} for r in WHOLE])
    events = write_rows(folder / "events.csv", [{"case_ref": r["case_ref"], "team": r["team"],
                                                 "release_date": r.get("release_date", "")} for r in WHOLE])
    staff = write_rows(folder / "staff.csv", STAFF)
    return {"base": base, "events": events, "staff": staff}


def joined_source(files: dict[str, Path]) -> ComposedSource:
    return ComposedSource(CsvSource(files["base"]), [EventsSupplement("events", CsvSource(files["events"]))],
                          StaffDirectory("staff", files["staff"]))


CASES: dict[str, tuple[Callable[[Path], dict[str, Path]], Callable[[Path, dict[str, Path]], object]]] = {
    "ssda903": (ssda903, lambda folder, _: Ssda903Source(folder)),
    "joined": (joined, lambda _, files: joined_source(files)),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_mutated_files_never_crash_and_never_quote_personal_data(kind: str, tmp_path: Path) -> None:
    rng = random.Random(903)
    make, open_source = CASES[kind]
    for round_ in range(60):
        folder = tmp_path / f"r{round_}"
        folder.mkdir()
        files = make(folder)
        name = rng.choice(sorted(files))
        data, how = mutate(files[name].read_text(encoding="utf-8"), rng)
        files[name].write_bytes(data)
        judge(open_source(folder, files), f"round {round_}: {name}: {how}")
