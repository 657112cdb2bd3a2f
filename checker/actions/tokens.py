"""Signed action links: what a link claims, how it is signed, and how a forged or altered one is told.

A link's token is ``<claims>.<signature>``: the claims are compact JSON in URL-safe base64 (the action
(acknowledge, snooze, or choose: the page that offers both),
the obligation instance, the due date and reminder stage it was issued with, a tag of the recipient,
the last day it may be used, and a random one-time number); the signature is HMAC-SHA256 of the claims
with the service's secret (``[actions] secret``). Changing any character of either part makes the
signature fail. The recipient is carried as a keyed tag (HMAC of the address, lower-cased), never as the
address itself, so a proxy's access log of the URL holds no e-mail address.

The page's form carries a CSRF token bound to the link (HMAC of the token under a separate label): a
POST is accepted only with the token of the very link whose page was shown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date

ACKNOWLEDGE = "acknowledge"
SNOOZE = "snooze"
CHOOSE = "choose"  # the Teams activity feed's one link: its page offers both actions (``links.chooser``)
ACTIONS = (ACKNOWLEDGE, SNOOZE, CHOOSE)
MIN_SECRET_LENGTH = 32


class BadToken(ValueError):  # noqa: N818 - read as "a bad token", like the library errors it sits beside
    """The token is not one this service signed (forged, altered, truncated)."""


@dataclass(frozen=True, slots=True)
class Claims:
    action: str
    instance_id: int
    due_date: date
    stage: str
    recipient_tag: str
    expires: date  # the last day the link may be used (Europe/London)
    nonce: str

    def to_json(self) -> bytes:
        return json.dumps({"a": self.action, "i": self.instance_id, "d": self.due_date.isoformat(), "s": self.stage,
                           "r": self.recipient_tag, "e": self.expires.isoformat(), "n": self.nonce},
                          separators=(",", ":"), sort_keys=True).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkKeys:
    """Signs and checks tokens with one secret (at least ``MIN_SECRET_LENGTH`` characters)."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"the actions secret must be at least {MIN_SECRET_LENGTH} characters long")
        self._key = secret.encode()

    def _mac(self, label: bytes, data: bytes) -> bytes:
        return hmac.new(self._key, label + b"\x00" + data, hashlib.sha256).digest()

    def recipient_tag(self, address: str) -> str:
        return _b64(self._mac(b"recipient", address.strip().casefold().encode())[:12])

    def issue(self, action: str, instance_id: int, due_date: date, stage: str, recipient: str,
              expires: date) -> str:
        claims = Claims(action, instance_id, due_date, stage, self.recipient_tag(recipient), expires,
                        secrets.token_hex(16))
        body = claims.to_json()
        return f"{_b64(body)}.{_b64(self._mac(b'link', body))}"

    def check(self, token: str) -> Claims:
        """The claims of a token this service signed; ``BadToken`` for anything else."""
        try:
            body_text, signature_text = token.split(".")
            body, signature = _unb64(body_text), _unb64(signature_text)
        except (ValueError, binascii.Error):
            raise BadToken("not a link token") from None
        if not hmac.compare_digest(signature, self._mac(b"link", body)):
            raise BadToken("the signature does not match")
        try:
            raw = json.loads(body)
            claims = Claims(str(raw["a"]), int(raw["i"]), date.fromisoformat(raw["d"]), str(raw["s"]),
                            str(raw["r"]), date.fromisoformat(raw["e"]), str(raw["n"]))
        except (ValueError, KeyError, TypeError):  # signed by us, so only a changed format gets here
            raise BadToken("the claims cannot be read") from None
        if claims.action not in ACTIONS:
            raise BadToken("unknown action")
        return claims

    def csrf(self, token: str) -> str:
        return _b64(self._mac(b"csrf", token.encode())[:18])

    def csrf_matches(self, token: str, offered: str) -> bool:
        return hmac.compare_digest(self.csrf(token).encode(), offered.encode())
