"""Showing a URL without its secrets: the one way a database or web URL is printed, logged or stored.

A password may sit in a URL's user part (``postgresql+psycopg://checker:secret@db/checker``) or, as
libpq and psycopg allow, in its query (``…/checker?password=secret``); a Workflows webhook carries its
signature as ``sig=``. ``shown_url`` replaces each of them with ``***`` and leaves the rest readable
(driver, host, port, database, user), so an operator can still tell which URL is meant.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
#: Query parameters whose value is a credential (compared without regard to case).
SECRET_PARAMETERS = ("password", "passwd", "pwd", "sslpassword", "secret", "client_secret", "sig", "token",
                     "access_token", "api_key", "apikey")
_SECRET_QUERY = re.compile(rf"([?&;](?:{'|'.join(SECRET_PARAMETERS)})=)[^&;#]*", re.IGNORECASE)


def shown_url(url: str | URL) -> str:
    """``url`` with any password (user part or query parameter) and signature replaced by ``***``."""
    if isinstance(url, URL):
        text = url.render_as_string(hide_password=True)
    else:
        try:
            text = make_url(url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):
            text = _without_user_password(url)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, text)


def _without_user_password(text: str) -> str:
    """A URL SQLAlchemy does not parse (an https URL): its ``user:password@`` shown as ``user:***@``."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return MASK  # not a URL at all: nothing in it can be told safe
    if parts.password is None:
        return text
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{user}:{MASK}@{host}").geturl()


def query_secrets(url: str) -> list[str]:
    """The values of the secret query parameters in ``url``, as written (for masking them in free text)."""
    return [m.group(0).split("=", 1)[1] for m in _SECRET_QUERY.finditer(url) if m.group(0).split("=", 1)[1]]
