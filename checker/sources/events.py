"""A supplementary events file: case columns no national return holds, keyed by ``case_ref``.

Housing register dates, custody release dates and invitations, consent, the duty to refer, the extended
columns: any canonical case column (docs/input.md) but ``case_ref`` is optional here, including
``date_of_birth``. Read from a CSV file (``CsvSource``'s reading: the same header and cell rules) or from
an operator-written query (``SqlSource``'s), plus optionally a disputes file or query whose disputes are
added to the base's.

``rows()`` reads the supplement whole, keyed by its ``case_ref`` (a supplement is a side file of a few
columns; the base is still streamed). A row of the supplement that is refused (its shape or a cell), or a
``case_ref`` on more than one row, never stops the run: the base's case with that ``case_ref`` gets a data
error saying so, and is evaluated on what the base has.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from checker.sources.base import RejectedRow, SourceError, UnknownColumn
from checker.sources.cells import clean_ref
from checker.sources.csv_source import CsvSource
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS

if TYPE_CHECKING:  # SQLAlchemy is loaded only for a supplement read from a database
    from checker.settings import EventsSupplementSettings, Settings
    from checker.sources.sql_source import SqlSource

#: The case columns as a supplement has them: only ``case_ref`` is required.
SUPPLEMENT_COLUMNS = {name: replace(column, required=name == "case_ref") for name, column in CASE_COLUMNS.items()}


@dataclass
class SupplementRows:
    """A supplement read whole: its usable rows by ``case_ref``, and what could not be used."""

    by_ref: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ``case_ref`` → (field, reason) for a refused row or a repeated ref: the base's case is told.
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Refused rows that carry no clean ``case_ref`` to tell a case by.
    unattached: int = 0
    rows: int = 0


class EventsSupplement:
    """A supplementary events input, read through a CSV or SQL source's own reading."""

    def __init__(self, name: str, reader: CsvSource | SqlSource) -> None:
        self.name = name
        self.reader = reader
        self.description = f"supplement {name} ({reader.description})"

    def case_columns(self) -> frozenset[str]:
        if isinstance(self.reader, CsvSource):
            return self.reader._header(self.reader.cases, SUPPLEMENT_COLUMNS, "supplement cases").present
        return self.reader._columns(self.reader.cases_query, SUPPLEMENT_COLUMNS, "supplement cases").present

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        reader = self.reader
        if isinstance(reader, CsvSource):
            unknown = reader._header(reader.cases, SUPPLEMENT_COLUMNS, "supplement cases").unknown
            if reader.disputes is not None:
                unknown += reader._header(reader.disputes, DISPUTE_COLUMNS, "disputes").unknown
            return unknown
        unknown = reader._columns(reader.cases_query, SUPPLEMENT_COLUMNS, "supplement cases").unknown
        if reader.disputes_query is not None:
            unknown += reader._columns(reader.disputes_query, DISPUTE_COLUMNS, "disputes").unknown
        return unknown

    def dispute_columns(self) -> frozenset[str]:
        return self.reader.dispute_columns()

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]:
        return self.reader.dispute_rows()

    def _raw(self) -> Iterator[Mapping[str, Any]]:
        if isinstance(self.reader, CsvSource):
            return self.reader._rows(self.reader.cases, SUPPLEMENT_COLUMNS, "supplement cases")
        return self.reader._rows(self.reader.cases_query, SUPPLEMENT_COLUMNS, "supplement cases")

    def rows(self) -> SupplementRows:
        found = SupplementRows()
        repeated: set[str] = set()
        for row in self._raw():
            found.rows += 1
            ref = clean_ref(row.get("case_ref"))
            if type(row) is RejectedRow:
                if ref is None:
                    found.unattached += 1
                else:
                    found.refused.setdefault(ref, (row.field, f"in {self.description}: {row.reason}"))
                continue
            if ref is None:
                found.unattached += 1
                continue
            if ref in found.by_ref or ref in repeated:
                repeated.add(ref)
                found.by_ref.pop(ref, None)
                found.refused[ref] = ("case_ref", f"{self.description} has more than one row for case_ref {ref}; "
                                                  "none of them is read")
                continue
            found.by_ref[ref] = {k: v for k, v in row.items() if k != "case_ref"}
        for ref in found.refused:
            found.by_ref.pop(ref, None)
        return found


def open_events(settings: Settings, name: str, entry: EventsSupplementSettings) -> EventsSupplement:
    """The supplement ``[supplements.NAME]`` describes: a CSV file, or a query on a database."""
    if entry.cases is not None:
        disputes = settings.resolve(entry.disputes) if entry.disputes else None
        return EventsSupplement(name, CsvSource(settings.resolve(entry.cases), disputes))
    from checker.sources.sql_source import SqlSource, read_query  # noqa: PLC0415 - SQLAlchemy only for a query

    if entry.url is None or entry.cases_query is None:  # pragma: no cover - the settings model checks both
        raise SourceError(f"supplement {name!r} needs url and cases_query")
    disputes_query = read_query(settings.resolve(entry.disputes_query)) if entry.disputes_query else None
    return EventsSupplement(name, SqlSource(entry.url.get_secret_value(),
                                            read_query(settings.resolve(entry.cases_query)), disputes_query))
