"""Inserting many rows at once, leanly: one multi-row INSERT per chunk, the values converted by the columns' types.

SQLAlchemy's ``executemany`` builds a parameter dictionary per row and runs each value through its type
one row at a time; on a first tick's half a million instance, event and due-occurrence rows that was most
of what the tick spent writing. Here each column's converter is looked up once, the rows come as tuples
in the order of ``columns``, and each chunk of them goes as one statement through ``exec_driver_sql``, so a
database error is still SQLAlchemy's (its parameters hidden, its classes told to the operator:
``errors.py``): on PostgreSQL ``INSERT … SELECT * FROM unnest(one array per column) [RETURNING …]``, the
arrays sent in PostgreSQL's binary format (psycopg writes a text array element by element, escaping each,
which cost more than the rest of the insert); on SQLite the driver's own executemany, or with RETURNING
``INSERT … VALUES (…), (…) RETURNING …``. ``ignore_duplicates`` adds ``ON CONFLICT DO NOTHING`` (both
databases): a row that would break a unique key is skipped, and is not among the rows returned.

Values are converted column by column, each distinct value once: a tick's rows repeat the same instants and
dates (``now``, the as-of day, a few hundred due dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table

_MAX_ROWS = 512  # rows in one SQLite statement, and fewer when 512 would pass its 32766 bound values
_MAX_VALUES = 32766
_PER_ARRAY = 5000  # rows in one PostgreSQL statement (one array per column)


def insert_rows(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                returning: Sequence[str] = (), *, ignore_duplicates: bool = False) -> list[Any]:
    """Insert ``rows`` (tuples of ``columns``' values); the ``returning`` columns of each new row, in no set order.

    ``ignore_duplicates``: skip the rows that would break a unique key (they are not returned).
    """
    if not rows:
        return []
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    converters = [(n, c) for n, c in enumerate(table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                                               for name in columns) if c is not None]
    postgres = dialect.name == "postgresql"
    values_by_column = _converted_columns(rows, converters) if converters or postgres else []
    # Only names and types from the Table (quoted) go into the text; every value is a bound parameter.
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
    tail = " ON CONFLICT DO NOTHING" if ignore_duplicates else ""
    tail += f" RETURNING {', '.join(quote(name) for name in returning)}" if returning else ""
    out: list[Any] = []
    if postgres:
        # One array per column, unnested into rows: a short statement whatever the number of rows (the
        # driver parses the text of a long one, placeholder by placeholder, each time it is sent).
        types = ", ".join(f"%b::{table.c[name].type.compile(dialect)}[]" for name in columns)
        statement = f"{head}SELECT * FROM unnest({types}){tail}"  # noqa: S608 (names and types only)
        for start in range(0, len(rows), _PER_ARRAY):
            arrays = tuple(values[start:start + _PER_ARRAY] for values in values_by_column)
            result = connection.exec_driver_sql(statement, arrays)
            if returning:
                out += result.all()
        return out
    if converters:
        rows = list(zip(*values_by_column, strict=True))
    one = f"({', '.join(['?'] * len(columns))})"
    if not returning:  # one short statement, run for every row by the driver (executemany)
        connection.exec_driver_sql(f"{head}VALUES {one}{tail}", list(map(tuple, rows)))
        return out
    # SQLite returns nothing from executemany: rows of values in one statement, in chunks of a power of two
    # (the driver caches each statement text it prepares, so only a few texts are ever made).
    most = 1 << (min(_MAX_ROWS, _MAX_VALUES // len(columns)).bit_length() - 1)
    start = 0
    while start < len(rows):
        size = min(most, 1 << ((len(rows) - start).bit_length() - 1))
        values = tuple(chain.from_iterable(rows[start:start + size]))
        out += connection.exec_driver_sql(f"{head}VALUES {', '.join([one] * size)}{tail}", values).all()
        start += size
    return out


def _converted_columns(rows: Sequence[Sequence[Any]], converters: Sequence[tuple[int, Any]]) -> list[list[Any]]:
    """The values of ``rows`` column by column, converted; each distinct value once (see the docstring)."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    for n, convert in converters:
        column = columns[n]
        try:
            done = {value: convert(value) for value in set(column) if value is not None}
        except TypeError:  # a value that cannot be a key (not hashable): convert one by one
            columns[n] = [None if value is None else convert(value) for value in column]
            continue
        done[None] = None
        columns[n] = list(map(done.__getitem__, column))
    return columns
