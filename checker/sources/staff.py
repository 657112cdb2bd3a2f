"""A staff directory: an adviser's staff id, name or email address → email, team, manager (and absence).

A CSV file (UTF-8, a header row) with the columns ``email`` (required), ``staff_id``, ``name``, ``team``
and ``manager`` (the manager's staff id, name or email address), and optionally ``away_from``,
``away_until`` and ``deputy_email``: the person is away on those days (inclusive), their items going to
the deputy, or with none to their manager, as with ``checker away`` (docs/inputs.md). The directory can
also be read from Microsoft Entra ID (``checker/sources/entra.py``), into the same ``Directory``.

An adviser is looked up by the base's staff id or name for the adviser (SSD's professional id, Annex A's
"Allocated Personal Advisor"), or else by the case's ``adviser_email``: by staff id exactly, then by email
address and name in any case and spacing. The directory is read once per pass over the cases (each tick
reads it afresh; ``ComposedSource.directory`` keeps that tick's read).

A directory row that cannot be used (its shape, a control character, no email) is skipped and counted; an
absence that does not read (a date, the deputy's address) is ignored and counted; a name two rows share
finds nobody (the case is told so). A disabled account (Entra ID's ``accountEnabled`` false) is no routing
address: looking it up finds nobody, with ``DISABLED`` as the reason, unless an enabled account answers to
the same name or address; nor is it anyone's manager. No message quotes a name or an address.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from checker.sources.base import SourceError
from checker.sources.cells import CELL_MAX_LENGTH, CONTROL
from checker.sources.values import ValueFormatError, parse_date, parse_email

if TYPE_CHECKING:  # settings are only a type here
    from checker.settings import Settings, StaffSupplementSettings

_COLUMNS = ("staff_id", "name", "email", "team", "manager", "away_from", "away_until", "deputy_email")


@dataclass(frozen=True, slots=True)
class Staff:
    email: str
    team: str | None
    manager: str | None  # as written: a staff id, name or email


@dataclass(frozen=True, slots=True)
class DirectoryAbsence:
    """An absence the directory records (the ``Away`` of ``checker/planning/recipients.py``)."""

    starts_on: date
    ends_on: date
    deputy: str | None


#: Why an adviser whose only account in the directory is disabled is not found (``Directory.find``).
DISABLED = "the adviser's account is disabled in the staff directory"
NOT_FOUND = "the adviser is not in the staff directory"


def _key(value: str) -> str:
    return " ".join(value.split()).casefold()


@dataclass
class Directory:
    """The directory read once: lookups by staff id, email and name, and the absences it records."""

    by_id: dict[str, Staff] = field(default_factory=dict)
    by_key: dict[str, Staff] = field(default_factory=dict)  # email or name, casefolded
    ambiguous: set[str] = field(default_factory=set)
    absences: dict[str, DirectoryAbsence] = field(default_factory=dict)  # casefolded email → absence
    disabled_ids: set[str] = field(default_factory=set)  # staff ids of disabled accounts
    disabled_keys: set[str] = field(default_factory=set)  # their emails and names, casefolded
    skipped: int = 0
    unreadable_absences: int = 0
    rows: int = 0
    _names: dict[str, Staff] = field(default_factory=dict, repr=False)

    def add(self, email: str, *, staff_id: str | None = None, name: str | None = None, team: str | None = None,
            manager: str | None = None) -> Staff:
        """One person (call ``finish`` when every one is added)."""
        staff = Staff(email, team, manager)
        if staff_id:
            self.by_id[staff_id] = staff
        self.by_key[_key(email)] = staff
        if name:
            key = _key(name)
            if key in self._names and self._names[key] != staff:
                self.ambiguous.add(key)
            self._names[key] = staff
        return staff

    def add_disabled(self, email: str | None, *, staff_id: str | None = None, name: str | None = None) -> None:
        """An account that is disabled: found as ``DISABLED`` where no enabled account answers instead."""
        if staff_id:
            self.disabled_ids.add(staff_id)
        self.disabled_keys.update(_key(v) for v in (email, name) if v)

    def finish(self) -> Directory:
        """Names become lookups, except a name two people share."""
        for key, staff in self._names.items():
            if key not in self.ambiguous:
                self.by_key.setdefault(key, staff)
        return self

    def find(self, who: str) -> Staff | str:
        """The staff member ``who`` names, or why none is found (a reason quoting nobody)."""
        who = who.strip()
        if who in self.by_id:
            return self.by_id[who]
        key = _key(who)
        if key in self.ambiguous:
            return "two or more people in the staff directory have that name"
        found = self.by_key.get(key)
        if found is not None:
            return found
        return DISABLED if who in self.disabled_ids or key in self.disabled_keys else NOT_FOUND

    def manager_email(self, staff: Staff) -> str | None:
        if staff.manager is None:
            return None
        manager = self.find(staff.manager)
        if isinstance(manager, Staff):
            return manager.email
        return staff.manager if "@" in staff.manager and manager != DISABLED else None

    def away_on(self, on: date) -> dict[str, DirectoryAbsence]:
        """casefolded address → its absence in force on ``on``."""
        return {email: a for email, a in self.absences.items() if a.starts_on <= on <= a.ends_on}


class DirectoryReader(Protocol):
    """A staff directory of any kind: read whole, once per pass (``ComposedSource``)."""

    name: str
    description: str

    def read(self) -> Directory: ...


def _absence(value: dict[str, str | None]) -> DirectoryAbsence | None:
    """The row's absence; ``ValueFormatError`` when one is given and does not read."""
    given = [value.get(n) for n in ("away_from", "away_until", "deputy_email")]
    if not any(given):
        return None
    starts_on, ends_on = parse_date(given[0]), parse_date(given[1])
    deputy = parse_email(given[2])
    if starts_on is None or ends_on is None or ends_on < starts_on:
        raise ValueFormatError("an absence needs away_from and away_until, in that order")
    return DirectoryAbsence(starts_on, ends_on, deputy)


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
            directory.add(email, staff_id=value.get("staff_id"), name=value.get("name"), team=value.get("team"),
                          manager=value.get("manager"))
            try:
                absence = _absence(value)
            except ValueFormatError:
                directory.unreadable_absences += 1
                continue
            if absence is not None and (absence.deputy or "").casefold() != email.casefold():
                directory.absences[email.casefold()] = absence
            elif absence is not None:
                directory.unreadable_absences += 1  # the deputy is the person who is away
        return directory.finish()


def open_staff(settings: Settings, name: str, entry: StaffSupplementSettings) -> StaffDirectory:
    """The CSV staff directory ``[supplements.NAME]`` names."""
    return StaffDirectory(name, settings.resolve(entry.path))


def directory_away(source: object, on: date) -> dict[str, DirectoryAbsence]:
    """The absences in force on ``on`` that the staff directory of ``source`` (as this pass read it) records."""
    directory = getattr(source, "directory", None)
    return directory.away_on(on) if isinstance(directory, Directory) else {}
