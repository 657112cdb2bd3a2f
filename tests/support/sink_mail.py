"""What the sink transport wrote, read back as a person would read it."""

from __future__ import annotations

import email
from pathlib import Path


def plain_texts(folder: Path) -> dict[str, str]:
    """recipient → the plain text of every message written to ``folder`` for them, whitespace collapsed, joined."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.eml")):
        mail = email.message_from_bytes(path.read_bytes())
        for part in mail.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                found[mail["To"]] = found.get(mail["To"], "") + " ".join(payload.decode().split())
    return found
