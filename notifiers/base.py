"""The notifier interface: carry one rendered message to one recipient and say what happened.

Contract (every channel module under ``notifiers/`` keeps it):

- A notifier is constructed once per process from a typed config object and, for HTTP channels, an
  injected ``httpx.Client``. It reads no settings and knows no case, obligation or profile.
- ``send(message, progress, checkpoint)`` delivers ``message`` or raises ``DeliveryError``. It returns a
  ``Receipt`` only when the recipient's service has accepted the message. It never returns a bool.
- ``DeliveryError(permanent=True)`` means retrying cannot help (bad address, 400, 401/403 after a fresh
  token, a missing webhook); ``permanent=False`` means it may (429, 503, 504, timeouts, connection
  errors), with ``retry_after`` seconds when the service said so.
- Exactly once: a channel that can make a retry safe does. Before the step after which a crash would
  leave the outcome unknown, it calls ``checkpoint(state)`` with a short string (a Graph draft id, the
  number of card parts already posted); the caller stores it with the delivery row, and a later
  attempt of the same message receives it back as ``progress`` and resumes from there instead of
  starting again. ``message.key`` is unique per message and stable across attempts.
- Secrets (client secrets, passwords, webhook URLs with their ``sig``) never appear in an exception
  message, a receipt or a log line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


class DeliveryError(Exception):
    """A message was not delivered. ``permanent`` says whether a retry could succeed."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Mention:
    """A Teams @mention: ``text`` appears in the card (``<at>Name</at>``), ``id`` is the user's UPN or id."""

    text: str
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered message for one recipient on one channel.

    ``recipient`` is in the channel's own terms: an email address (graph_mail, smtp), a Microsoft
    Entra user id or UPN (teams_activity), or the name of a configured webhook (teams_workflow).
    Each channel uses the parts it needs: email uses ``subject``/``text``/``html``; Teams cards use
    ``card`` (Adaptive Card content) and ``mentions``; the activity feed uses ``subject`` and ``link``.
    """

    key: str
    recipient: str
    subject: str
    text: str
    html: str | None = None
    card: Mapping[str, Any] | None = None
    mentions: tuple[Mention, ...] = ()
    link: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a message needs its outbox key")
        if not self.recipient:
            raise ValueError("a message needs a recipient")


@dataclass(frozen=True, slots=True)
class Receipt:
    """The service accepted the message. ``provider_id``: its id there, when it gives one."""

    provider_id: str | None = None
    detail: str = ""


Checkpoint = Callable[[str], None]


class Notifier(Protocol):
    """A delivery channel (see the module docstring for the contract)."""

    channel: ClassVar[str]

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt: ...
