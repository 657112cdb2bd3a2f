"""Reading a header (a CSV file's first row, or a query's column names) into the canonical columns.

Names are compared stripped and in lower case (an Excel byte-order mark is dropped). A name that is not
a canonical column is *unknown*: it is read as nothing, but never silently: every source lists its
unknown columns (``UnknownColumn``), with the canonical name it most likely meant when one is close
(``pathway_plan_review_on`` → ``pathway_plan_reviewed_on``), for ``check``, ``run`` and ``config check``.

A first row that holds values (dates, email addresses, numbers) instead of names is a file without a
header row. It is refused, and no cell of it is repeated in the message: those cells are a young
person's record. For the same reason an error about a header quotes only the names it recognises.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from checker.sources.base import SourceError, UnknownColumn
from rules.records import Column

# What a column name never looks like: a date, an email address, a number, or something with no letter.
_VALUE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$|@|^[\d\s.,+-]+$")


@dataclass(frozen=True, slots=True)
class Header:
    """A header mapped to canonical names: ``names[i]`` is column i's canonical name, or ``None``."""

    names: list[str | None]
    present: frozenset[str]
    unknown: tuple[UnknownColumn, ...]


def looks_like_value(name: str) -> bool:
    """Whether a header cell looks like a record's value rather than a column's name."""
    return bool(_VALUE_LIKE.search(name.strip()))


def suggestion(name: str, table: Mapping[str, Column]) -> str | None:
    """The canonical column ``name`` most likely meant (spaces read as underscores), or ``None``."""
    wanted = re.sub(r"[\s-]+", "_", name.strip().lower())
    if wanted in table:
        return wanted
    import difflib  # noqa: PLC0415 - only for a name that is not a column: most headers never need it

    close = difflib.get_close_matches(wanted, list(table), n=1, cutoff=0.8)
    return close[0] if close else None


def read_header(names: Iterable[str], table: Mapping[str, Column], what: str, where: str) -> Header:
    """Map a header to canonical names and check the required ones; ``SourceError`` when it cannot be used."""
    normalised = [name.strip().lower().lstrip("\ufeff").strip() for name in names]
    required = [name for name, column in table.items() if column.required]
    present = frozenset(n for n in normalised if n in table)
    if not present and any(looks_like_value(n) for n in normalised):
        raise SourceError(
            f"{where}: the first row holds values, not column names, so the {what} seem to have no header "
            f"row (its cells are not repeated here). Add a header row naming the columns; required {what} "
            f"columns: {', '.join(required)}")
    repeated = [name for name, count in Counter(normalised).items() if count > 1 and name in table]
    if repeated:
        raise SourceError(f"{where}: column {repeated[0]!r} appears more than once in the {what} header")
    missing = [name for name in required if name not in present]
    if missing:
        raise SourceError(f"{where}: the {what} have no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}; "
                          f"{_described(normalised, present, table)}. Required {what} columns: {', '.join(required)}")
    unknown = tuple(_unknown(n, table, what) for n in normalised if n not in table and n)
    return Header([n if n in table else None for n in normalised], present, unknown)


def _described(normalised: list[str], present: frozenset[str], table: Mapping[str, Column]) -> str:
    """The header for an error: its names when it is plainly a header (it has a known column), and never a
    cell that looks like a value; otherwise only the hints to close names and a count."""
    if present:
        shown = [f"{n} (did you mean {s}?)" if n not in table and (s := suggestion(n, table)) else n
                 for n in normalised if n and not looks_like_value(n)]
        hidden = sum(1 for n in normalised if n and looks_like_value(n))
        return (f"the header has: {', '.join(shown)}"
                + (f" and {hidden} value-like cell(s), not repeated here" if hidden else ""))
    hints = [f"{n} (did you mean {s}?)" for n in normalised
             if n and not looks_like_value(n) and (s := suggestion(n, table)) is not None]
    return ("no column of the header is known"
            + (f"; close to a known column: {', '.join(hints)}" if hints else "")
            + "; its other cells are not repeated here")


def _unknown(name: str, table: Mapping[str, Column], what: str) -> UnknownColumn:
    if looks_like_value(name):  # a value where a name should be: reported, but not repeated
        return UnknownColumn(what, "(a value, not repeated here)", None)
    return UnknownColumn(what, name, suggestion(name, table))
