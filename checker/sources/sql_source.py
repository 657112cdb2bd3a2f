"""Case records from any SQL database SQLAlchemy can reach, through operator-written queries.

The operator writes two queries (files under ``config/sql/`` or their own folder) that return the
canonical column names of docs/input.md, e.g. ``SELECT person_id AS case_ref, dob AS
date_of_birth, ...``. Rows are streamed with a server-side cursor where the driver has one, so the
caseload is never held in memory. The queries are run read-only as written; nothing is interpolated.
A row with a text cell that breaks ``checker.sources.cells``' rules (too long, a control character) is
handed over as a ``RejectedRow``, as the CSV source does, so one bad record never stops the run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from checker.sources.base import SourceError, UnknownColumn
from checker.sources.cells import cell_problem, rejected_row
from checker.sources.header import Header, read_header
from checker.urls import shown_url
from rules.records import CASE_COLUMNS, DISPUTE_COLUMNS, Column

if TYPE_CHECKING:  # settings are only a type here: reading a source needs none
    from checker.settings import Settings, SqlSourceSettings

_BATCH = 2000


def read_query(path: Path) -> str:
    """The SQL in ``path``, without a trailing semicolon so it can be wrapped as a subquery."""
    try:
        query = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SourceError(f"cannot read the query file {path}: {exc.strerror or exc}") from None
    # A file may end with comment lines, and a semicolon before them: neither can go inside a subquery.
    lines = query.splitlines()
    while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
        lines.pop()
    query = "\n".join(lines).rstrip().rstrip(";").strip()
    if not query:
        raise SourceError(f"the query file {path} is empty")
    return query


def _reason(exc: SQLAlchemyError) -> str:
    """The error's class and first line: the driver's reason, without the SQL and parameters after it."""
    lines = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {lines[0] if lines else '(no message)'}"


class SqlSource:
    def __init__(self, url: str, cases_query: str, disputes_query: str | None = None,
                 engine: Engine | None = None) -> None:
        try:
            self.engine = engine or create_engine(url)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise SourceError(f"cannot use the database URL: {str(exc).replace(url, shown_url(url))}") from None
        self.cases_query = cases_query
        self.disputes_query = disputes_query
        # The URL may carry a password (user part or ?password=): describe it without one.
        self.description = f"SQL {shown_url(self.engine.url)}"

    def _stream(self, query: str, what: str) -> Iterator[tuple[list[str], Any]]:
        try:
            with self.engine.connect() as connection:
                result = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
                    text(query)
                )
                yield [str(k) for k in result.keys()], result  # noqa: SIM118 - a Result, not a dict
        except SQLAlchemyError as exc:
            raise SourceError(f"the {what} query failed on {self.description}: {_reason(exc)}") from None

    def _part_way(self, what: str, exc: SQLAlchemyError) -> SourceError:
        return SourceError(f"reading the {what} from {self.description} failed part-way: {_reason(exc)}")

    def _columns(self, query: str, table: Mapping[str, Column], what: str) -> Header:
        # The newline ends a trailing "-- comment" in the query; no AS before the alias, which Oracle refuses.
        probe = f"SELECT * FROM ({query}\n) q WHERE 1 = 0"  # noqa: S608 - wraps the operator's own query file
        for keys, _ in self._stream(probe, what):
            return read_header(keys, table, what, f"the {what} query")
        raise SourceError(f"the {what} query returned no description")  # pragma: no cover

    def _rows(self, query: str, table: Mapping[str, Column], what: str) -> Iterator[dict[str, Any]]:
        for keys, result in self._stream(query, what):
            names = read_header(keys, table, what, f"the {what} query").names
            keep = [(i, name) for i, name in enumerate(names) if name is not None]
            try:
                for row in result:
                    record = {name: row[i] for i, name in keep}
                    problem = cell_problem(record.items())
                    yield record if problem is None else rejected_row(record, *problem)
            except SQLAlchemyError as exc:
                raise self._part_way(what, exc) from None

    def case_columns(self) -> frozenset[str]:
        return self._columns(self.cases_query, CASE_COLUMNS, "cases").present

    def dispute_columns(self) -> frozenset[str]:
        if self.disputes_query is None:
            return frozenset()
        return self._columns(self.disputes_query, DISPUTE_COLUMNS, "disputes").present

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        unknown = self._columns(self.cases_query, CASE_COLUMNS, "cases").unknown
        if self.disputes_query is not None:
            unknown += self._columns(self.disputes_query, DISPUTE_COLUMNS, "disputes").unknown
        return unknown

    def case_rows(self) -> Iterator[dict[str, Any]]:
        return self._rows(self.cases_query, CASE_COLUMNS, "cases")

    def dispute_rows(self) -> Iterator[dict[str, Any]]:
        if self.disputes_query is None:
            return iter(())
        return self._rows(self.disputes_query, DISPUTE_COLUMNS, "disputes")

    def case_refs(self) -> Iterator[object]:
        self._columns(self.cases_query, CASE_COLUMNS, "cases")  # a missing case_ref column fails here
        refs = f"SELECT q.case_ref FROM ({self.cases_query}\n) q"  # noqa: S608 - wraps the operator's own query
        for _keys, result in self._stream(refs, "cases"):
            try:
                for (ref,) in result:
                    yield ref
            except SQLAlchemyError as exc:
                raise self._part_way("cases", exc) from None


def open_sql(settings: Settings, entry: SqlSourceSettings) -> SqlSource:
    """The ``sql`` kind (``checker/sources/registry.py``): a database URL and the operator's query files."""
    disputes_query = read_query(settings.resolve(entry.disputes_query)) if entry.disputes_query else None
    return SqlSource(entry.url.get_secret_value(), read_query(settings.resolve(entry.cases_query)), disputes_query)
