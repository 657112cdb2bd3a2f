"""What to say when the state database fails, without quoting what was being written to it.

An exception from SQLAlchemy carries the SQL statement and, unless the engine hides them, its
parameters (case references, e-mail addresses, initials); the driver's own message may add a
``DETAIL`` line that quotes the failing row (``Key (case_ref)=(…) already exists``, ``Failing row
contains (…)``). None of that may reach stderr, ``run.error``, a log line or the operator's alert. The
engine is opened with ``hide_parameters=True`` (``database.py``), and every report of a database
failure is made here, from the exception's class, the driver's error class and the SQLSTATE code only.
"""

from __future__ import annotations

from typing import TypeGuard

from sqlalchemy import exc as sa

_SENTENCES: tuple[tuple[type[sa.SQLAlchemyError], str], ...] = (
    (sa.OperationalError, "the state database could not be reached or written (server down, connection lost, "
                          "read-only or full disk, or locked)"),
    (sa.IntegrityError, "the state database refused a row that breaks one of its constraints"),
    (sa.DataError, "the state database refused a value (too long for its column, or a character it cannot store)"),
    (sa.ProgrammingError, "the state database's tables do not match this version of checker "
                          "(run `checker db upgrade`)"),
    (sa.InterfaceError, "the connection to the state database failed"),
    (sa.DBAPIError, "the state database failed"),
)


def is_database_error(error: BaseException) -> TypeGuard[sa.SQLAlchemyError]:
    return isinstance(error, sa.SQLAlchemyError)


def database_problem(error: sa.SQLAlchemyError) -> str:
    """A plain sentence naming the failure's classes (and SQLSTATE), never its statement or values."""
    sentence = next((text for kind, text in _SENTENCES if isinstance(error, kind)), "the state database failed")
    names = [error.__class__.__name__]
    original = getattr(error, "orig", None)
    if original is not None:
        names.append(original.__class__.__name__)
        code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        if isinstance(code, str) and code.isalnum():
            names.append(f"SQLSTATE {code}")
    return f"{sentence} ({', '.join(names)})"


def failure_reason(error: BaseException) -> str:
    """What a failed tick records and tells the operator: a database failure as above; anything else as
    its class and message (checker's own errors are written to be shown and quote no personal data)."""
    if isinstance(error, sa.SQLAlchemyError):
        return database_problem(error)
    return f"{error.__class__.__name__}: {error}"
