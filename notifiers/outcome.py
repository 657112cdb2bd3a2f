"""What one request to a delivery service came to: one mapping shared by every transport.

Four outcomes, each with a short reason label (a metrics label, never free text):

- ``ACCEPTED``: the service took the message (HTTP 2xx, SMTP 250 after the end of DATA).
- ``REFUSED``: the service said no, and asking again cannot help (HTTP 400/401/403/404 and other 4xx;
  SMTP 5xx; a bad address or card found before anything was sent; a certificate not trusted).
- ``TRANSIENT``: nothing was done, and trying again may work (HTTP 429/503 and other 5xx except 504,
  408; the connection could not be made or broke before the request was complete; SMTP 4xx; a
  connection lost before the end of DATA). ``retry_after``: seconds the service asked us to wait.
- ``AMBIGUOUS``: the request went out whole and no definite answer came back, so the service may have
  acted on it: a 504 from a gateway (the service behind it may have finished), a read timeout, the
  connection dropped after the request was sent, an SMTP connection lost after the final ``.`` of
  DATA. Repeating such a request may deliver the message twice, so it is never repeated blindly: a
  channel that can check whether it took effect does so (Graph mail) and reports ``TRANSIENT``; the
  others report ``AMBIGUOUS`` and the delivery step applies the channel's ``on_ambiguous`` policy.

Only ``TRANSIENT`` is retried without thought. Every transport maps its answers and exceptions through
the functions here, not through its own table.
"""

from __future__ import annotations

import enum
import smtplib
import ssl

import httpx


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    TRANSIENT = "transient"
    AMBIGUOUS = "ambiguous"


Verdict = tuple[Outcome, str]  # the outcome and its reason label
# The reason of a REFUSED send whose address does not exist (SMTP 5xx to RCPT TO, a Graph mailbox not
# found): the delivery step re-routes such a reminder's items to the team manager (checker/state/reroute.py).
RECIPIENT_REFUSED = "recipient_refused"

_HTTP_REASONS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 408: "request_timeout", 409: "conflict", 413: "too_large", 429: "throttled",
                 500: "server_error", 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout"}
# Failed before the request could be complete at the service: it cannot have acted on it.
_NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout,
    httpx.UnsupportedProtocol, httpx.ProxyError, httpx.LocalProtocolError)


def http_status(status: int) -> Verdict:
    """The outcome of an HTTP answer with ``status``."""
    reason = _HTTP_REASONS.get(status, f"http_{status // 100}xx")
    if 200 <= status < 300:
        return Outcome.ACCEPTED, "ok"
    if status == 504:
        return Outcome.AMBIGUOUS, reason
    if status in (408, 429) or status >= 500:
        return Outcome.TRANSIENT, reason
    return Outcome.REFUSED, reason


def http_exception(exc: httpx.HTTPError) -> Verdict:
    """The outcome of an ``httpx`` exception: before the request was complete, or after."""
    if isinstance(exc, _NOT_SENT):
        return Outcome.TRANSIENT, "connect" if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) \
            else "not_sent"
    if isinstance(exc, httpx.ReadTimeout):
        return Outcome.AMBIGUOUS, "read_timeout"
    if isinstance(exc, httpx.TransportError):  # ReadError, RemoteProtocolError: the answer was lost
        return Outcome.AMBIGUOUS, "dropped"
    return Outcome.AMBIGUOUS, "http_error"  # a response that could not be read (decoding, too many redirects)


def smtp_reply(code: int) -> Verdict:
    """The outcome of an SMTP reply code (a 4xx is "try later", a 5xx is "no")."""
    if 200 <= code < 400:
        return Outcome.ACCEPTED, "ok"
    if 400 <= code < 500:
        return Outcome.TRANSIENT, "throttled" if code in (421, 450, 451, 452) else "smtp_4xx"
    return Outcome.REFUSED, "smtp_5xx"


def smtp_lost(exc: BaseException, *, data_sent: bool) -> Verdict:
    """The outcome of a lost SMTP connection or a timeout: ambiguous once the whole message was sent."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Outcome.REFUSED, "certificate"
    if data_sent and isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return Outcome.AMBIGUOUS, "read_timeout" if isinstance(exc, TimeoutError) else "dropped"
    if isinstance(exc, TimeoutError):
        return Outcome.TRANSIENT, "timeout"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Outcome.TRANSIENT, "dropped"
    return Outcome.TRANSIENT, "connect"


def local_write(exc: OSError) -> Verdict:
    """The outcome of a failed local write (the sink): a missing permission, or a file where the folder
    should be, is for good."""
    if isinstance(exc, PermissionError | IsADirectoryError | NotADirectoryError | FileExistsError):
        return Outcome.REFUSED, "permission"
    return Outcome.TRANSIENT, "io_error"
