"""A staff directory: an adviser's staff id, name or email address → email, team and manager.

A CSV file (UTF-8, a header row) with the columns ``email`` (required), ``staff_id``, ``name``, ``team``
and ``manager`` (the manager's staff id, name or email address). An adviser is looked up by the base's
staff id or name for the adviser (SSD's professional id, Annex A's "Allocated Personal Advisor"), or
else by the case's ``adviser_email``: by staff id exactly, then by email address and name in any case and
spacing. The directory is read once per pass over the cases (each tick reads it afresh).

A directory row that cannot be used (its shape, a control character, no email) is skipped and counted;
a name two rows share finds nobody (the case is told so). No message quotes a name or an address.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from checker.sources.base import SourceError
from checker.sources.cells import CELL_MAX_LENGTH, CONTROL

_COLUMNS = ("staff_id", "name", "email", "team", "manager")


@dataclass(frozen=True, slots=True)
class Staff:
    email: str
    team: str | None
    manager: str | None  # as written: a staff id, name or email


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


@dataclass
class Directory:
    """The directory read once: lookups by staff id, email and name."""

    by_id: dict[str, Staff] = field(default_factory=dict)
    by_key: dict[str, Staff] = field(default_factory=dict)  # email or name, casefolded
    ambiguous: set[str] = field(default_factory=set)
    skipped: int = 0
    rows: int = 0

    def find(self, who: str) -> Staff | str:
        """The staff member ``who`` names, or why none is found (a reason quoting nobody)."""
        who = who.strip()
        if who in self.by_id:
            return self.by_id[who]
        key = _key(who)
        if key in self.ambiguous:
            return "two or more people in the staff directory have that name"
        found = self.by_key.get(key)
        return found if found is not None else "the adviser is not in the staff directory"

    def manager_email(self, staff: Staff) -> str | None:
        if staff.manager is None:
            return None
        manager = self.find(staff.manager)
        if isinstance(manager, Staff):
            return manager.email
        return staff.manager if "@" in staff.manager else None


class StaffDirectory:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self.description = f"staff directory {name} (CSV {path})"

    def read(self) -> Directory:
        try:
            with self.path.open(newline="", encoding="utf-8-sig") as handle:
                return self._read(csv.reader(handle))
        except OSError as exc:
            raise SourceError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise SourceError(f"{self.path}: the staff directory cannot be read as CSV UTF-8 "
                              f"({exc.__class__.__name__})") from None

    def _read(self, reader: Iterator[list[str]]) -> Directory:
        header = [h.strip().lower() for h in next(reader, [])]
        if "email" not in header:
            raise SourceError(f"{self.path}: the staff directory has no email column; its columns are "
                              f"{', '.join(_COLUMNS)} (email required)")
        at = {name: header.index(name) for name in _COLUMNS if name in header}
        directory = Directory()
        names: dict[str, Staff] = {}
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            directory.rows += 1
            joined = "".join(cells)
            if len(cells) != len(header) or len(joined) > CELL_MAX_LENGTH or CONTROL.search(joined):
                directory.skipped += 1
                continue
            value = {name: (cells[i].strip() or None) for name, i in at.items()}
            email = value.get("email")
            if email is None:
                directory.skipped += 1
                continue
            staff = Staff(email, value.get("team"), value.get("manager"))
            if value.get("staff_id"):
                directory.by_id[str(value["staff_id"])] = staff
            directory.by_key[_key(email)] = staff
            name = value.get("name")
            if name:
                key = _key(name)
                if key in names and names[key] != staff:
                    directory.ambiguous.add(key)
                names[key] = staff
        for key, staff in names.items():
            if key not in directory.ambiguous:
                directory.by_key.setdefault(key, staff)
        return directory
