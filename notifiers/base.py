"""The notifier interface: carry one rendered message to one recipient and say what happened.

Contract (every channel module under ``notifiers/`` keeps it):

- A notifier is constructed once per process from a typed config object and, for HTTP channels, an
  injected ``httpx.Client``. It reads no settings and knows no case, obligation or profile.
- ``send(message, progress, checkpoint)`` delivers ``message`` or raises ``DeliveryError``. It returns a
  ``Receipt`` only when the recipient's service has accepted the message. It never returns a bool.
- ``DeliveryError`` carries the request's ``outcome`` (``notifiers/outcome.py``, one mapping for every
  transport) and a ``reason`` label for metrics: ``REFUSED`` (``permanent``: retrying cannot help: a bad
  address, 400, 401/403 after a fresh token, a missing webhook), ``TRANSIENT`` (nothing was done, it may
  work later: 429, 503, connection errors, with ``retry_after`` seconds when the service said so) or
  ``AMBIGUOUS`` (the request went out and no definite answer came back: a 504 after the request, a read
  timeout, a connection dropped after sending; a retry might deliver it twice). A channel that can
  settle an ambiguous answer itself (Graph mail checks its mailbox) reports ``TRANSIENT`` instead.
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

from notifiers.outcome import Outcome


class DeliveryError(Exception):
    """A message was not (known to be) delivered: the request's ``outcome`` and its ``reason`` label.

    ``DeliveryError(text, permanent=True)`` is ``REFUSED``, ``permanent=False`` is ``TRANSIENT``; an
    explicit ``outcome`` (``AMBIGUOUS``...) wins. ``ACCEPTED`` is not an error.
    """

    def __init__(self, message: str, *, permanent: bool = False, outcome: Outcome | None = None,
                 reason: str = "", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome or (Outcome.REFUSED if permanent else Outcome.TRANSIENT)
        if self.outcome is Outcome.ACCEPTED:
            raise ValueError("an accepted message is a Receipt, not a DeliveryError")
        self.reason = reason or self.outcome.value
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        return self.outcome is Outcome.REFUSED

    @property
    def ambiguous(self) -> bool:
        return self.outcome is Outcome.AMBIGUOUS


@dataclass(frozen=True, slots=True)
class Mention:
    """A Teams @mention: ``text`` appears in the card (``<at>Name</at>``), ``id`` is the user's UPN or id."""

    text: str
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file carried with an email: its name, MIME type and bytes (base64, so a rendered message stays JSON).

    With ``content_id`` it is inline: the HTML body shows it as ``<img src="cid:CONTENT_ID">`` (how a
    picture shows in Outlook, which does not show ``data:`` images). Channels without files ignore it.
    """

    filename: str
    content_type: str
    content_base64: str
    content_id: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered message for one recipient on one channel.

    ``recipient`` is in the channel's own terms: an email address (graph_mail, smtp), a Microsoft
    Entra user id or UPN (teams_activity), or the name of a configured webhook (teams_workflow).
    Each channel uses the parts it needs: email uses ``subject``/``text``/``html``/``attachments``; Teams cards use
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
    attachments: tuple[Attachment, ...] = ()

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
    """A delivery channel (see the module docstring for the contract).

    ``resumable``: a later attempt of a message whose earlier attempt was cut off (a crash, a lost
    answer) finds out what happened and never sends it twice (Graph mail, the sink). Otherwise the
    delivery step treats such a message as ambiguous and applies the channel's ``on_ambiguous``.
    """

    channel: ClassVar[str]
    resumable: ClassVar[bool]

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt: ...
