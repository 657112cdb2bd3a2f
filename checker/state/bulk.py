"""Inserting many rows at once, leanly: one multi-row INSERT per chunk, the values converted by the columns' types.

SQLAlchemy's ``executemany`` builds a parameter dictionary per row and runs each value through its type
one row at a time; on a first tick's half a million instance, event and due-occurrence rows that was most
of what the tick spent writing. Here each column's converter is looked up once, the rows come as tuples
in the order of ``columns``, and each chunk of them goes as one statement through ``exec_driver_sql``, so a
database error is still SQLAlchemy's (its parameters hidden, its classes told to the operator:
``errors.py``): ``INSERT … VALUES (…), (…) [RETURNING …]`` on SQLite, ``INSERT … SELECT * FROM unnest(one
array per column) [RETURNING …]`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

_MAX_PARAMETERS = 30000  # bound values in one SQLite statement (it allows 32766)
_PER_ARRAY = 5000  # rows in one PostgreSQL statement (one array per column)


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                returning: Sequence[str] = ()) -> list[Any]:
    """Insert ``rows`` (tuples of ``columns``' values); the ``returning`` columns of each new row, in no set order."""
    if not rows:
        return []
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    converters = [(n, c) for n, c in enumerate(table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                                               for name in columns) if c is not None]
    # Only names and types from the Table (quoted) go into the text; every value is a bound parameter.
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
    tail = f" RETURNING {', '.join(quote(name) for name in returning)}" if returning else ""
    if dialect.name == "postgresql":
        # One array per column, unnested into rows: a short statement whatever the number of rows (the
        # driver parses the text of a long one, placeholder by placeholder, each time it is sent).
        types = ", ".join(f"%s::{table.c[name].type.compile(dialect)}[]" for name in columns)
        statement, per = f"{head}SELECT * FROM unnest({types}){tail}", _PER_ARRAY  # noqa: S608 (names, types only)
    else:
        one = f"({', '.join(['?'] * len(columns))})"
        statement, per = "", max(1, _MAX_PARAMETERS // len(columns))
    out: list[Any] = []
    for start in range(0, len(rows), per):
        chunk = rows[start:start + per]
        if converters:
            chunk = [_converted(row, converters) for row in chunk]
        if statement:
            result = connection.exec_driver_sql(statement, tuple(list(values) for values in zip(*chunk, strict=True)))
        else:
            text = f"{head}VALUES {', '.join([one] * len(chunk))}{tail}"
            result = connection.exec_driver_sql(text, tuple(value for row in chunk for value in row))
        if returning:
            out += result.all()
    return out


def _converted(row: Sequence[Any], converters: Sequence[tuple[int, Any]]) -> Sequence[Any]:
    values = list(row)
    for n, convert in converters:
        if values[n] is not None:
            values[n] = convert(values[n])
    return values
