"""One ``checker`` command in this process, counting the rows each statement writes, table by table.

    .venv/bin/python bench/tick_probe.py REPORT.json checker-arguments...

``bench/tick.py`` runs each tick through this script in a child process of its own, so that the kernel's
accounting of that child (CPU time, peak resident memory) is the tick's alone. The command is the real
``checker`` command line (``run --once ...``), called in-process; REPORT.json gets its exit status and
``rows``: for each (table, operation) the rows inserted, updated or deleted, summed over the statements.

How rows are counted: a SQLAlchemy event on every engine sees each statement sent to the database. On
PostgreSQL the cursor's ``rowcount`` after the statement is the number of rows it changed (with or without
RETURNING; an ``INSERT ... ON CONFLICT DO NOTHING`` counts the rows really inserted). SQLite's
``rowcount`` says 0 for a statement with RETURNING until its rows are read, so there the count is taken
from the connection's ``total_changes``, the rows changed since it opened: what it grew by between the
start of one writing statement and the next statement (or the connection's return to the pool) belongs to
that statement. Only INSERT, UPDATE and DELETE statements are counted (DDL and SELECT are not).
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_WRITE = re.compile(r"\s*(?:WITH\b.*?\)\s*)?(INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+([\w.\"]+)",
                    re.IGNORECASE | re.DOTALL)
OPERATIONS = {"INSERT": "insert", "UPDATE": "update", "DELETE": "delete"}


def target(statement: str) -> tuple[str, str] | None:
    """(table, operation) of a writing statement, or ``None`` for anything else."""
    match = _WRITE.match(statement)
    if match is None:
        return None
    table = match.group(2).replace('"', "").rsplit(".", 1)[-1].lower()
    return table, OPERATIONS[match.group(1).split()[0].upper()]


class RowCounter:
    """Rows written per (table, operation) by every engine of this process."""

    def __init__(self) -> None:
        self.rows: Counter[tuple[str, str]] = Counter()
        self.statements: Counter[tuple[str, str]] = Counter()
        self._open: dict[int, tuple[sqlite3.Connection, tuple[str, str], int]] = {}  # SQLite: counted at the next

    def install(self, engine: Engine | None = None) -> None:
        """Count what ``engine`` writes, or with none every engine of the process."""
        event.listen(engine or Engine, "before_cursor_execute", self._before)
        event.listen(engine or Engine, "after_cursor_execute", self._after)
        event.listen(engine.pool if engine is not None else Pool, "checkin", self._checkin)

    def _settle(self, raw: Any) -> None:
        pending = self._open.pop(id(raw), None)
        if pending is not None:
            connection, key, started = pending
            self.rows[key] += connection.total_changes - started

    def _before(self, _conn: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        raw = cursor.connection
        if isinstance(raw, sqlite3.Connection):
            self._settle(raw)
            key = target(statement)
            if key is not None:
                self._open[id(raw)] = (raw, key, raw.total_changes)

    def _after(self, _conn: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        key = target(statement)
        if key is None:
            return
        self.statements[key] += 1
        if not isinstance(cursor.connection, sqlite3.Connection):
            self.rows[key] += max(cursor.rowcount, 0)

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            self._settle(dbapi_connection)

    def finish(self) -> None:
        for raw_id in list(self._open):
            connection = self._open[raw_id][0]
            try:
                self._settle(connection)
            except sqlite3.ProgrammingError:  # closed without going back to the pool: its last count is lost
                self._open.pop(raw_id, None)


def main() -> int:
    report, arguments = Path(sys.argv[1]), sys.argv[2:]
    counter = RowCounter()
    counter.install()
    from checker.cli import main as checker  # noqa: PLC0415 - imported after the listeners, as a tick would be

    status = 0
    try:
        checker(arguments, standalone_mode=False)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    counter.finish()
    report.write_text(json.dumps({
        "exit": status,
        "rows": [[table, operation, count] for (table, operation), count in sorted(counter.rows.items())],
        "statements": [[t, o, n] for (t, o), n in sorted(counter.statements.items())],
    }), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
