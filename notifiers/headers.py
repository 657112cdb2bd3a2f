"""Email header values that read exactly as written: no encoded word decoded, no line break injected.

An RFC 2047 encoded word (``=?utf-8?b?…?=``) in a header is decoded by every mail client, and by
Python's own ``email`` package when the header is set. A value from the data that holds one would
therefore reach the reader as something else (``=?utf-8?b?UGF5IGhlcmU=?=`` shows as "Pay here"). A
value containing ``=?`` is written instead as encoded words of its literal text (``literal_header``),
so a client decodes it back to exactly that text. Every other value is left to the email package.

A header value never holds a line break of any kind (CR, LF or any other character that ends a line
for ``str.splitlines``): ``literal_header`` refuses it, so no value can start a header of its own.
"""

from __future__ import annotations

from email.header import Header
from email.policy import Policy

ENCODED_WORD_START = "=?"
MAX_LINE = 76  # RFC 2047 §2: an encoded word's line stays within 76 characters


def has_line_break(text: str) -> bool:
    """Whether ``text`` holds anything that ends a line (CR, LF, VT, FF, NEL, U+2028, ...)."""
    return len((text + "x").splitlines()) > 1


class LiteralHeader(str):
    """A header value written as RFC 2047 encoded words of its text: clients show the text itself.

    The ``email`` package stores an object with a ``name`` as it is and asks it to ``fold`` itself.
    """

    __slots__ = ("name",)
    name: str

    def __new__(cls, name: str, value: str) -> LiteralHeader:
        if has_line_break(value):
            raise ValueError("a header value may not contain a line break")
        self = super().__new__(cls, value)
        self.name = name
        return self

    def fold(self, *, policy: Policy) -> str:
        linesep = policy.linesep
        encoded = Header(str(self), "utf-8", maxlinelen=MAX_LINE, header_name=self.name).encode(linesep=linesep)
        return f"{self.name}: {encoded}{linesep}"


def literal_header(name: str, value: str) -> str:
    """``value`` for header ``name``: as it is, or as a ``LiteralHeader`` when it holds ``=?``.

    Raises ``ValueError`` for a value with a line break, like the email package itself.
    """
    if has_line_break(value):
        raise ValueError("a header value may not contain a line break")
    return LiteralHeader(name, value) if ENCODED_WORD_START in value else value
