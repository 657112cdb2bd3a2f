"""A local sink: writes each message to a folder instead of sending it (the demo, and trying the tool out).

A message with a ``card``, or for a recipient that is not an email address (a webhook name), becomes
``<key>.json``: the Workflows payload the Teams webhook would get, made by
``notifiers.teams_workflow.message_payload`` (whole: a webhook would receive a card over 28 KB in parts).
Any other message becomes ``<key>.eml``: the RFC 5322 message SMTP would send, made by
``notifiers.smtp.build_email``; open it in any mail program.

Idempotent: a key whose file exists is not written again (the receipt says so). Files appear whole or not
at all (a temporary file, then ``os.replace``). With ``echo`` one line per message goes to stdout: the
key, the recipient and the file, never the subject or the body (they may carry names).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from notifiers.base import Checkpoint, DeliveryError, Message, Receipt
from notifiers.outcome import local_write
from notifiers.smtp import build_email, is_email_address
from notifiers.teams_workflow import message_payload

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class SinkConfig:
    """The folder to write to (created when missing), whether to echo, and the ``From`` of ``.eml`` files."""

    folder: Path
    echo: bool = True
    sender: str = "checker <checker@localhost>"


def file_stem(key: str) -> str:
    """A file name for ``key``: readable, safe on any file system, and different for different keys."""
    readable = _UNSAFE.sub("_", key).strip("._")[:80] or "message"
    return f"{readable}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


class SinkNotifier:
    """Writes ``Message``s as ``.eml`` or ``.json`` files into one folder."""

    channel: ClassVar[str] = "sink"
    resumable: ClassVar[bool] = True  # a key whose file exists is not written again

    def __init__(self, config: SinkConfig) -> None:
        self._config = config

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt:
        """Write ``message`` unless its file exists; one write, so no progress to keep."""
        as_card = message.card is not None or not is_email_address(message.recipient)
        path = self._config.folder / f"{file_stem(message.key)}{'.json' if as_card else '.eml'}"
        if path.exists():
            self._echo(message, path, "already written")
            return Receipt(provider_id=str(path), detail=f"already written: {path.name}")
        if as_card:
            content = json.dumps(message_payload(message), ensure_ascii=False, indent=2).encode("utf-8")
        else:
            content = build_email(message, self._config.sender).as_bytes()
        try:
            _write_atomically(path, content)
        except OSError as exc:
            outcome, reason = local_write(exc)
            raise DeliveryError(f"could not write to the sink folder: {exc.__class__.__name__}",
                                outcome=outcome, reason=reason) from None
        self._echo(message, path, "written")
        return Receipt(provider_id=str(path), detail=f"written: {path.name}")

    def _echo(self, message: Message, path: Path, what: str) -> None:
        if self._config.echo:
            print(f"sink: {message.key} -> {message.recipient}: {what} {path}", flush=True)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
