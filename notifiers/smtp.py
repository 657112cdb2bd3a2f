"""Email over SMTP (smtplib): STARTTLS or implicit TLS, certificates verified, AUTH when configured.

Security: with ``security="starttls"`` the server MUST offer STARTTLS; when it does not, the send fails
permanently before any credential, address or content leaves the machine. There is no plain-text
fallback ("STARTTLS if offered" lets anyone on the path strip the offer and read everything).
``security="tls"`` is implicit TLS (SMTPS, usually port 465). Certificates are always verified.

Exactly once: SMTP has no way to make a retry safe. Once the server has answered the final ``.`` of DATA
with 250 the message is delivered; if the connection dies (or the answer times out) after the whole
message and its final ``.`` were sent and before that answer was read, the server may have accepted it
and the send fails ``AMBIGUOUS`` (``notifiers.outcome``). The delivery step then applies
``delivery.on_ambiguous.email`` (by default ``resend``). This channel keeps no checkpoint (``progress``
is ignored). What limits the harm of a re-sent copy: the ``Message-ID`` is derived from ``message.key``
(see ``message_id_for``), so every attempt of one message carries the same id and mail systems and
clients can recognise the copy.

Errors (mapped by ``notifiers.outcome``): 5xx replies, a refused login, a missing STARTTLS or an
unverifiable certificate are refused; 4xx replies, timeouts, refused connections and connections lost
before the end of DATA are transient. Exception messages carry the SMTP code and the server's
(shortened) reply, never the password or the message body.
"""

from __future__ import annotations

import base64
import email.policy
import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from notifiers.base import Attachment, Checkpoint, DeliveryError, Message, Receipt
from notifiers.headers import literal_header
from notifiers.outcome import RECIPIENT_REFUSED, Outcome, smtp_lost, smtp_reply

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# Headers this module writes itself; ``message.headers`` may not set them.
RESERVED_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "sender", "subject", "date", "message-id", "mime-version",
    "content-type", "content-transfer-encoding", "content-disposition",
})
# CRLF line ends, and 7-bit safe bodies (quoted-printable or base64): no server needs 8BITMIME.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 field name: printable ASCII except ':'
_ADDRESS = re.compile(r"^[^\s@<>,;\"]+@[^\s@<>,;\"]+$")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send. ``password`` is a secret: it is left out of ``repr``."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: Literal["starttls", "tls"] = "starttls"
    timeout: float = 30.0
    ca_file: Path | None = None  # trust only these CAs (an internal CA; the tests'); else the system store

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "tls"):
            raise ValueError("SMTP security must be 'starttls' or 'tls' (plain text is not supported)")
        if self.username and self.password is None:
            raise ValueError("SMTP username is set but the password is missing")
        if not is_email_address(parseaddr(self.sender)[1]):
            raise ValueError("SMTP sender must be an email address")
        if self.timeout <= 0:
            raise ValueError("SMTP timeout must be positive")


def is_email_address(text: str) -> bool:
    """A plain ``local@domain`` address: no display name, spaces, brackets or line breaks."""
    return bool(_ADDRESS.match(text))


def message_id_for(key: str, sender: str) -> str:
    """The ``Message-ID`` of the message with outbox key ``key``: the same on every attempt.

    The key is hashed (it may name a case); the domain is the sender's.
    """
    domain = parseaddr(sender)[1].rpartition("@")[2] or "checker.invalid"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_email(message: Message, sender: str, *, now: datetime | None = None) -> EmailMessage:
    """The full RFC 5322 message for ``message``: text, or text + HTML as multipart/alternative.

    Raises ``DeliveryError(permanent=True)`` when the message cannot be expressed as email (a bad
    recipient address, a header with a line break or one this module owns). The error names the
    header, never its value.
    """
    if not is_email_address(message.recipient):
        raise DeliveryError("the recipient is not a plain email address", permanent=True)
    mail = EmailMessage(policy=POLICY)
    try:
        mail["From"] = sender
        mail["To"] = message.recipient
        mail["Subject"] = literal_header("Subject", message.subject)  # an encoded word stays text
    except ValueError:
        raise DeliveryError("the sender, recipient or subject cannot be written as a header",
                            permanent=True) from None
    mail["Date"] = format_datetime(now or datetime.now(UTC))
    mail["Message-ID"] = message_id_for(message.key, sender)
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    for name, value in message.headers.items():
        if not _HEADER_NAME.match(name) or name.lower() in RESERVED_HEADERS:
            raise DeliveryError(f"header {name!r} cannot be set by a message", permanent=True)
        try:
            del mail[name]
            mail[name] = literal_header(name, value)
        except ValueError:
            raise DeliveryError(f"header {name!r} has a value that cannot be written", permanent=True) from None
    mail.set_content(message.text)
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        _attach(mail, attachment)
    return mail


def _attach(mail: EmailMessage, attachment: Attachment) -> None:
    """An inline picture goes beside the HTML part (multipart/related); any other file is attached."""
    maintype, _, subtype = attachment.content_type.partition("/")
    try:
        data = base64.b64decode(attachment.content_base64, validate=True)
    except ValueError:
        raise DeliveryError(f"attachment {attachment.filename!r} is not base64", permanent=True) from None
    html = mail.get_body(("html",)) if attachment.content_id else None
    if html is not None and attachment.content_id:
        html.add_related(data, maintype=maintype, subtype=subtype, cid=f"<{attachment.content_id}>",
                         filename=attachment.filename)
    else:
        mail.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename)


class SmtpNotifier:
    """Sends ``Message``s as email through one SMTP server."""

    channel: ClassVar[str] = "smtp"
    resumable: ClassVar[bool] = False

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._envelope_from = parseaddr(config.sender)[1]
        self._tls = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt:
        """Hand ``message`` to the server; ``progress`` and ``checkpoint`` are unused (see the module doc)."""
        mail = build_email(message, self._config.sender)
        sent = _Progress()
        try:
            self._transmit(mail, message.recipient, sent)
        except DeliveryError:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (0, b""))
            error = self._reply_error("the recipient was refused", code, reply)
            if error.permanent:  # 5xx to RCPT TO: the address does not exist, or is refused for good
                error = DeliveryError(str(error), permanent=True, reason=RECIPIENT_REFUSED)
            raise error from None
        except smtplib.SMTPAuthenticationError as exc:
            if 400 <= exc.smtp_code < 500:
                raise self._reply_error("login failed for now", exc.smtp_code, exc.smtp_error) from None
            raise DeliveryError(f"SMTP login refused ({exc.smtp_code}): check the username and password",
                                permanent=True, reason="unauthorized") from None
        except smtplib.SMTPNotSupportedError as exc:  # no AUTH offered, or no SMTPUTF8 for a non-ASCII address
            raise DeliveryError(f"the SMTP server lacks a feature this needs: {exc}", permanent=True,
                                reason="unsupported") from None
        except smtplib.SMTPResponseException as exc:
            raise self._reply_error("the server refused", exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            # refused, reset, unreachable, DNS, timeouts, TLS: ambiguous once the whole message was sent
            outcome, reason = smtp_lost(exc, data_sent=sent.data)
            raise DeliveryError(_lost_text(exc, outcome), outcome=outcome, reason=reason) from None
        except smtplib.SMTPException as exc:
            # e.g. "No suitable authentication method found": configuration, not luck
            raise DeliveryError(f"SMTP failed: {exc.__class__.__name__}", permanent=True,
                                reason="smtp_error") from None
        return Receipt(provider_id=str(mail["Message-ID"]),
                       detail=f"accepted by {self._config.host}:{self._config.port}")

    def _transmit(self, mail: EmailMessage, recipient: str, sent: _Progress) -> None:
        config = self._config
        smtp: _TrackedSmtp | _TrackedSmtpSsl
        if config.security == "tls":
            smtp = _TrackedSmtpSsl(config.host, config.port, timeout=config.timeout, context=self._tls)
        else:
            smtp = _TrackedSmtp(config.host, config.port, timeout=config.timeout)
        smtp.progress = sent
        try:
            _hello(smtp)
            if config.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise DeliveryError("the SMTP server does not offer STARTTLS; refusing to send in clear text",
                                        permanent=True, reason="no_starttls")
                smtp.starttls(context=self._tls)
                _hello(smtp)
            if config.username:
                smtp.login(config.username, config.password or "")
            smtp.send_message(mail, from_addr=self._envelope_from, to_addrs=[recipient])
        finally:
            _close_quietly(smtp)

    def _reply_error(self, what: str, code: int, reply: bytes | str) -> DeliveryError:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        text = " ".join(text.split())[:200]
        if self._config.password:
            text = text.replace(self._config.password, "***")
        outcome, reason = smtp_reply(code)
        return DeliveryError(f"{what}: SMTP {code} {text}".rstrip(),
                             outcome=Outcome.REFUSED if outcome is Outcome.ACCEPTED else outcome, reason=reason)


class _Progress:
    """How far one transmission got: ``data`` once the whole message and its final ``.`` were sent."""

    data = False


class _Tracking:
    """Notes when the end of DATA (``CRLF.CRLF``, what ``smtplib`` sends last) has left, so that a
    connection lost while waiting for the answer is known to be ambiguous."""

    progress: _Progress

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)  # type: ignore[misc]  # smtplib.SMTP.send, after this class in the MRO
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.progress.data = True


class _TrackedSmtp(_Tracking, smtplib.SMTP):
    pass


class _TrackedSmtpSsl(_Tracking, smtplib.SMTP_SSL):
    pass


def _lost_text(exc: BaseException, outcome: Outcome) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the SMTP server's certificate was not accepted: {exc.verify_message}"
    if outcome is Outcome.AMBIGUOUS:
        return ("the SMTP connection was lost after the whole message was sent, before the server's answer "
                f"({exc.__class__.__name__}): it may have been delivered")
    if isinstance(exc, TimeoutError):
        return "the SMTP server did not answer in time"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the SMTP server closed the connection"
    return f"could not talk to the SMTP server: {exc.__class__.__name__}"


def _hello(smtp: smtplib.SMTP) -> None:
    code, reply = smtp.ehlo()
    if code != 250:
        raise smtplib.SMTPHeloError(code, reply)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    """QUIT and close; a failure here cannot undo a message the server already accepted."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
