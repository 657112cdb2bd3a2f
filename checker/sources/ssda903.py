"""Case records from a folder of SSDA903 return files (CSV), each recognised by its columns (docs/inputs.md).

Read: the header file (CHILD, SEX, DOB, ETHNIC, …), the episodes file (CHILD, DECOM, RNE, LS, CIN, PLACE,
PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, …) and the OC3 file (CHILD, DOB, IN_TOUCH, ACTIV, ACCOM).
The return's other files (OC2, AD1, missing, reviews, UASC, …) are recognised and not read; a CSV file
recognised as none of them is listed by ``config check``. Dates are dd/mm/yyyy. A case is every child of
the header file, then every child of the OC3 file who is not in it.

Derivations, from a child's episodes in DECOM order (``checker.sources.codes`` for the codes):

- ``looked_after_since``: the DECOM of the latest episode that began a period of care (RNE S), counting
  on through episodes that continue it (any other RNE, with no gap); when the file holds no such start
  (the period began in an earlier year's return), the first DECOM of the file's run of episodes;
- ``ceased_looked_after_on``: the latest episode's DEC, when its REC ends the period (any REC but X1); a
  latest episode ended by X1 (a new episode the same day) with none after it in the file, or with a DEC
  and no REC, is a data error naming REC, and is read as still looked after;
- ``in_custody`` / ``custody_started_on``: the latest episode is open and its PLACE is R5 (a young offender
  institution or prison), or K1 (a secure children's home) with LS J1 (remanded); since the DECOM of the
  first of the unbroken run of such episodes. Or the latest episode ended with REC E9 (sentenced to
  custody): since its DEC;
- ``leaving_care_category``: the file's ended episodes (an open one's length is not known to it) add up to
  13 weeks (91 days) since the 14th birthday, some of it after the 16th, short breaks (LS V3, V4) not
  counted: ``eligible`` while in care, else ``relevant`` or ``former_relevant`` by the age care ended at
  (18); otherwise ``former_relevant`` for a child of the OC3 file (the return asks it of care leavers);
  otherwise unknown (earlier years' episodes are not in the file).

A code outside the DfE's lists (PLACE, LS, RNE, REC), or a date that does not read, is a data error of the
case naming the field (and the code); the episode is still read for what it can give.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from checker.settings import Settings
from checker.sources.base import NotedRow, RejectedRow, SourceError, UnknownColumn
from checker.sources.cells import cell_problem, rejected_row
from checker.sources.codes import (
    CEASED_CODES,
    LEGAL_STATUS_CODES,
    NEW_EPISODE_CODES,
    PLACEMENT_CODES,
    code,
    custody,
    unknown_code,
)
from checker.sources.values import ValueFormatError, date_from_text
from rules.calendar import add_months

FILES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {  # kind → (columns that identify it, its columns)
    "episodes": (frozenset({"CHILD", "DECOM", "RNE", "LS", "PLACE"}),
                 ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                  "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")),
    "oc3": (frozenset({"CHILD", "IN_TOUCH", "ACTIV", "ACCOM"}), ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM")),
    "header": (frozenset({"CHILD", "SEX", "DOB", "ETHNIC"}),
               ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", "UASC")),
}
#: The return's files that are recognised and not read: a column only each has.
NOT_READ = {"SDQ_SCORE": "oc2", "DATE_INT": "ad1", "MIS_START": "missing", "REVIEW_CODE": "reviews",
            "DUC": "uasc", "PREV_PERM": "previous_permanence", "DATE_PLACED": "placed_for_adoption",
            "SW_ID": "social worker episodes", "DOLO_START": "deprivation of liberty"}
COLUMNS = frozenset({"case_ref", "date_of_birth", "looked_after_since", "ceased_looked_after_on", "in_custody",
                     "custody_started_on", "leaving_care_category"})
SHORT_BREAKS = frozenset({"V3", "V4"})
SENTENCED = "E9"  # the REC of a period of care ended by a custodial sentence
THIRTEEN_WEEKS = 91


def _header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return [name.strip().upper() for name in next(csv.reader(handle), [])]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc.__class__.__name__}") from None


def _kind(names: list[str]) -> str | None:
    for kind, (identifying, _) in FILES.items():
        if identifying <= set(names):
            return kind
    return next((NOT_READ[n] for n in names if n in NOT_READ), None)


def _rows(path: Path) -> Iterator[dict[str, str] | RejectedRow]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        names = [name.strip().upper() for name in next(reader, [])]
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                row = dict(zip(names, cells, strict=False))
                problem = cell_problem(row.items())
                if len(cells) != len(names):
                    problem = ("row", f"{path.name} line {reader.line_num} has {len(cells)} cells but the header has "
                                      f"{len(names)}; the row is not read")
                if problem is None:
                    yield row
                else:
                    yield rejected_row({"case_ref": row.get("CHILD")}, *problem)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise SourceError(f"{path}, line {reader.line_num}: cannot be read as CSV UTF-8 "
                              f"({exc.__class__.__name__})") from None


def _date(value: str | None, field: str, notes: list[tuple[str, str]]) -> date | None:
    try:
        return date_from_text(value or "")
    except ValueFormatError:
        notes.append((field, f"an episode's {field} is not a date (dd/mm/yyyy); the episode is read without it"))
        return None


class Ssda903Source:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"SSDA903 {folder}"

    def files(self) -> tuple[dict[str, Path], list[str], list[str]]:
        """The files read by kind, the return's files not read, and CSV files recognised as none."""
        if not self.folder.is_dir():
            raise SourceError(f"{self.folder} is not a folder; sources.*.folder names the folder of the return's "
                              "CSV files")
        read: dict[str, Path] = {}
        skipped: list[str] = []
        unknown: list[str] = []
        for path in sorted(p for p in self.folder.iterdir() if p.suffix.lower() == ".csv"):
            kind = _kind(_header(path))
            if kind in FILES:
                if kind in read:
                    raise SourceError(f"{self.folder} holds two {kind} files ({read[kind].name} and {path.name}); "
                                      "keep one year's return in the folder")
                read[kind] = path
            elif kind is not None:
                skipped.append(f"{path.name} ({kind})")
            else:
                unknown.append(path.name)
        missing = [k for k in ("header", "episodes") if k not in read]
        if missing:
            raise SourceError(f"{self.folder} has no SSDA903 {' or '.join(missing)} file (recognised by its columns:"
                              f" {', '.join(sorted(FILES[missing[0]][0]))})")
        return read, skipped, unknown

    def case_columns(self) -> frozenset[str]:
        self.files()
        return COLUMNS

    def dispute_columns(self) -> frozenset[str]:
        return frozenset()

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        read, _, _ = self.files()
        return tuple(UnknownColumn(f"SSDA903 {kind}", name.lower(), None) for kind, path in read.items()
                     for name in _header(path) if name and name not in FILES[kind][1])

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def case_refs(self) -> Iterator[object]:
        for row in self.case_rows():
            yield row.get("case_ref")

    def case_rows(self) -> Iterator[Mapping[str, Any]]:
        read, _, _ = self.files()
        episodes: dict[str, list[dict[str, str]]] = {}
        refused: dict[str, tuple[str, str]] = {}
        for row in _rows(read["episodes"]):
            child = (row.get("case_ref") if type(row) is RejectedRow else row.get("CHILD")) or ""
            if type(row) is RejectedRow:
                refused.setdefault(child.strip(), (row.field, f"in the episodes file: {row.reason}"))
            else:
                episodes.setdefault(child.strip(), []).append(row)
        left = {}
        if "oc3" in read:
            left = {(r.get("CHILD") or "").strip(): r for r in _rows(read["oc3"]) if type(r) is not RejectedRow}
        seen: set[str] = set()
        for row in _rows(read["header"]):
            if type(row) is RejectedRow:
                yield row
                continue
            child = (row.get("CHILD") or "").strip()
            seen.add(child)
            yield _case(child, row.get("DOB"), episodes.get(child, []), child in left, refused.get(child))
        for child, row in left.items():
            if child not in seen:
                yield _case(child, row.get("DOB"), episodes.get(child, []), True, refused.get(child))


def _case(child: str, dob: str | None, episodes: list[dict[str, str]], in_oc3: bool,
          refused: tuple[str, str] | None) -> NotedRow:
    notes: list[tuple[str, str]] = [refused] if refused else []
    row: dict[str, Any] = {"case_ref": child, "date_of_birth": dob}
    dated = []
    for episode in episodes:
        start = _date(episode.get("DECOM"), "DECOM", notes)
        if start is None:
            continue
        for field, known, kind in (("PLACE", PLACEMENT_CODES, "placement"),
                                   ("RNE", NEW_EPISODE_CODES, "reason for a new episode"),
                                   ("REC", CEASED_CODES, "reason an episode ceased"),
                                   ("LS", LEGAL_STATUS_CODES, "legal status")):
            value = code(episode.get(field))
            if value is not None and value not in known:
                notes.append(unknown_code(field, value, kind))
        dated.append((start, _date(episode.get("DEC"), "DEC", notes), episode))
    dated.sort(key=lambda e: e[0])
    if dated:
        _period(dated, row, notes)
    birth = _birth(dob)
    category = _category(dated, birth, row) if birth is not None else None
    row["leaving_care_category"] = category or ("former_relevant" if in_oc3 else None)
    return NotedRow(row, notes)


def _birth(dob: str | None) -> date | None:
    try:
        return date_from_text(dob or "")
    except ValueFormatError:
        return None  # validation reports the date of birth


def _period(dated: list[tuple[date, date | None, dict[str, str]]], row: dict[str, Any],
            notes: list[tuple[str, str]]) -> None:
    since = dated[0][0]
    previous_end: date | None = None
    for start, end, episode in dated:
        if code(episode.get("RNE")) == "S" or (previous_end is not None and start > previous_end):
            since = start
        previous_end = end
    _, latest_end, latest = dated[-1]
    row["looked_after_since"] = since
    reason = code(latest.get("REC"))
    ended = latest_end is not None and reason not in (None, "X1")
    row["ceased_looked_after_on"] = latest_end if ended else None
    if latest_end is not None:
        if reason == SENTENCED:
            row["in_custody"] = True
            row["custody_started_on"] = latest_end
        elif reason is None or reason == "X1":
            said = "no REC" if reason is None else "REC 'X1' (a new episode the same day) and no later episode"
            notes.append(("REC", f"the latest episode has a DEC and {said}; read as still looked after"))
        return
    run_start = None
    for start, end, episode in reversed(dated):  # the unbroken run of custody episodes up to the open one
        if run_start is not None and (end is None or end < run_start):
            break
        if not custody(code(episode.get("PLACE")), code(episode.get("LS")), [], "PLACE", "LS"):
            break
        run_start = start
    if run_start is not None:
        row["in_custody"] = True
        row["custody_started_on"] = run_start


def _category(dated: list[tuple[date, date | None, dict[str, str]]], birth: date, row: dict[str, Any]
              ) -> str | None:
    """The category the file's closed episodes prove (an open episode's length is not known to the file)."""
    fourteen, sixteen, eighteen = (add_months(birth, 12 * years) for years in (14, 16, 18))
    days, after_sixteen = 0, False
    for start, end, episode in dated:
        if end is None or code(episode.get("LS")) in SHORT_BREAKS:
            continue
        first = max(start, fourteen)
        if end > first:
            days += (end - first).days
        after_sixteen = after_sixteen or end > sixteen
    if days < THIRTEEN_WEEKS or not after_sixteen:
        return None
    ceased = row.get("ceased_looked_after_on")
    if ceased is None:
        return "eligible"
    return "relevant" if ceased < eighteen else "former_relevant"


def open_ssda903(settings: Settings, entry: Any) -> Ssda903Source:
    return Ssda903Source(settings.resolve(entry.folder))
