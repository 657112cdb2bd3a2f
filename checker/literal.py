"""Text from the data as a terminal shows it: literally, with nothing in it acting on the terminal.

A value read from a case record can hold terminal escape sequences (``ESC [ 2 J`` clears the screen,
``ESC ] 8`` makes a hyperlink), other C0 and C1 control characters (a carriage return overwrites
the line already shown), or Unicode format characters such as the bidirectional overrides
(U+202E shows ``exe.txt`` as ``txt.exe``). ``literal`` writes each of those as a visible escape
(``\\x1b``, ``\\r``, ``\\u202e``); every other character is shown as it is. ``literal_lines`` does
the same for text whose line breaks are wanted (a line break is kept; a lone CR is escaped).

Every command-line printer goes through here: ``echo`` for lines, ``cell`` for a table cell (a Rich
``Text``, which Rich never reads as markup such as ``[link=…]`` or ``[bold]``).
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # rich is imported by ``cell`` alone: a command that draws no Rich table does not load it
    from rich.text import Text

# Control (Cc: C0, DEL, C1), format (Cf: bidi overrides and isolates, zero-width characters), line and
# paragraph separators, surrogates, private-use and unassigned code points.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def literal(value: object) -> str:
    """``value`` as one line of plain, inert text: every control or format character escaped."""
    text = str(value)
    if text.isprintable() and text.isascii():  # the common case, checked in C
        return text
    return "".join(_escape(c) if _hidden(c) else c for c in text)


def literal_lines(value: object) -> str:
    """Like ``literal``, but each line break (LF, or CR LF) is kept as a line break."""
    return "\n".join(literal(line.removesuffix("\r")) for line in str(value).split("\n"))


def cell(value: object, style: str = "") -> Text:
    """A table cell showing ``value`` literally: no Rich markup, no emoji codes, no control characters."""
    from rich.text import Text  # noqa: PLC0415 - see the TYPE_CHECKING import

    return Text(literal(value), style=style)


def echo(message: object = "", *, err: bool = False, **kwargs: Any) -> None:
    """``click.echo`` of ``message`` with ``literal_lines``: what every command prints goes through here."""
    click.echo(literal_lines(message), err=err, **kwargs)
