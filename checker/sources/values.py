"""Reading cell values exactly as docs/input.md, "Values", allows, and nothing more.

- Dates: ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` with two-digit day and month and a four-digit year.
  ``20250115``, a date with a time, two-digit years and month-first dates are refused, never guessed.
  A SQL source may hand over a real ``date`` (or a ``datetime`` at midnight, as many case-management
  databases store dates); a ``datetime`` with a time of day is refused like its text form.
- Booleans: ``true/false``, ``yes/no``, ``y/n``, ``1/0`` in any case; empty is false.
- Empty cells (``None`` or only spaces) are unknown, never zero.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from rules.records import EMAIL_MAX_LENGTH

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
# A practical address check (local part @ dotted domain), not the whole of RFC 5322.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_LOCAL_MAX, _LABEL_MAX = 64, 63  # RFC 5321: the local part, and each label of the domain
_EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+$")


class ValueFormatError(ValueError):
    """A cell that is not a value of its column's type; the message is for the data error."""


def text(value: object) -> str | None:
    """A text cell: stripped, or ``None`` when empty."""
    if type(value) is str:
        return value.strip() or None
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def parse_date(value: object) -> date | None:
    """A date cell, or ``None`` when empty; ``ValueFormatError`` when it is not one of the two formats."""
    if type(value) is str:  # the CSV case: a cell's text, parsed once per distinct text
        return date_from_text(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() == datetime.min.time() and value.tzinfo is None:
            return value.date()
        raise ValueFormatError(f"'{value}' has a time of day; a date is needed")
    if isinstance(value, date):
        return value
    return date_from_text(str(value))


# A caseload has a few thousand distinct date texts however many rows it has: parse each once. Bounded,
# so a million rows of distinct junk cannot grow it; a refused text raises and is never cached.
@lru_cache(maxsize=65536)
def date_from_text(value: str) -> date | None:
    """``parse_date`` for a text cell (what a CSV source gives)."""
    s = value.strip()
    if not s:
        return None
    if len(s) == 10 and s.isascii():
        try:
            if s[4] == "-" and s[7] == "-" and s[:4].isdigit() and s[5:7].isdigit() and s[8:].isdigit():
                return date(int(s[:4]), int(s[5:7]), int(s[8:]))
            if s[2] == "/" and s[5] == "/" and s[:2].isdigit() and s[3:5].isdigit() and s[6:].isdigit():
                return date(int(s[6:]), int(s[3:5]), int(s[:2]))
        except ValueError:
            raise ValueFormatError(f"'{s}' is not a real calendar date") from None
    raise ValueFormatError(f"'{s}' is not a date; write YYYY-MM-DD or DD/MM/YYYY")


# The spellings as they are usually written, looked up as they come; any other goes the long way.
BOOL_SPELLINGS = {
    **{s: value for value, spellings in ((True, _TRUE), (False, _FALSE)) for word in spellings
       for s in (word, word.upper(), word.title())},
    "": False,
}


def parse_bool(value: object) -> bool:
    """A boolean cell; empty is false; ``ValueFormatError`` for any other spelling."""
    if type(value) is str and (known := BOOL_SPELLINGS.get(value)) is not None:
        return known
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    s = str(value).strip().lower()
    if not s or s in _FALSE:
        return False
    if s in _TRUE:
        return True
    raise ValueFormatError(f"'{str(value).strip()}' is not true/false, yes/no, y/n or 1/0; read as false")


def parse_email(value: object) -> str | None:
    """An email cell, or ``None`` when empty; ``ValueFormatError`` when it is not an address."""
    if type(value) is str:
        return _email_from_text(value)
    return _email_from_text(str(value)) if value is not None else None


@lru_cache(maxsize=65536)  # a caseload has far fewer advisers and managers than rows
def _email_from_text(value: str) -> str | None:
    """The address, or ``ValueFormatError`` (whose message does not repeat it: an address is personal data)."""
    s = text(value)
    if s is None:
        return None
    if len(s) > EMAIL_MAX_LENGTH:
        raise ValueFormatError(f"is {len(s)} characters long, more than the {EMAIL_MAX_LENGTH} an email address "
                               "may have")
    local, _, domain = s.rpartition("@")
    if not _EMAIL.match(s) or len(local) > _LOCAL_MAX or any(len(label) > _LABEL_MAX for label in domain.split(".")):
        raise ValueFormatError("is not an email address")
    return s


def parse_stage(value: object) -> int | None:
    """A dispute stage, a whole number from 1 to 4, or ``None`` when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueFormatError(f"'{value}' is not a stage")
    if isinstance(value, int):
        number = value
    else:
        s = str(value).strip()
        if not s:
            return None
        if not (s.isascii() and s.isdigit()):
            raise ValueFormatError(f"'{s}' is not a stage; write a whole number from 1 to 4")
        number = int(s)
    if not 1 <= number <= 4:
        raise ValueFormatError(f"'{number}' is not a stage; write a whole number from 1 to 4")
    return number
