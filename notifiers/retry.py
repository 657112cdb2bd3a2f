"""Bounded retries for HTTP channels: only what ``notifiers.outcome`` calls transient, honouring ``Retry-After``.

Within one delivery attempt a request is tried ``attempts`` times, waiting what the service asked
(``Retry-After`` in seconds or as an HTTP date, capped at ``max_wait``) or an exponential backoff. Only
``TRANSIENT`` answers are retried here (429, 503, a connection that failed before the request was
complete); other transient ones (500, 502, 408) go back to the delivery step's next attempt. An
``AMBIGUOUS`` one (504, a read timeout, a connection dropped after the request was sent) ends the
attempt at once with ``DeliveryError(outcome=AMBIGUOUS)``, because repeating the request might deliver
the message twice, unless the caller says the request is ``idempotent`` (a read, a token request, or a
step it checks before repeating, as Graph mail does): then it is retried like a transient one. When the
budget is spent the last failure is raised as a ``DeliveryError`` with its outcome: the delivery step
then records the attempt, and parks the message when its attempts run out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import tenacity

from notifiers.base import DeliveryError
from notifiers.outcome import Outcome, http_exception, http_status

# Answers worth waiting for within one attempt (others go back to the caller, which maps them).
RETRIED_STATUS = frozenset({429, 503, 504})


class RetryableHTTPError(Exception):
    """A response worth retrying (or, not idempotent, worth reporting); carries what the service asked."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), or ``None`` when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _outcome(exc: BaseException) -> tuple[Outcome, str] | None:
    if isinstance(exc, RetryableHTTPError):
        return http_status(exc.status)
    if isinstance(exc, httpx.TransportError):
        return http_exception(exc)
    return None


def call_with_retries(
    request: Callable[[], httpx.Response],
    *,
    what: str,
    attempts: int = 4,
    max_wait: float = 60.0,
    base_wait: float = 1.0,
    idempotent: bool = False,
    sleep: Callable[[float], None] = tenacity.nap.sleep,
) -> httpx.Response:
    """Run ``request`` until it returns a response that is not transient; raise ``DeliveryError`` when spent.

    The response returned may still be an error (400, 401, 404...): the caller maps it with
    ``notifiers.outcome.http_status``. ``what`` names the operation for messages (never a URL: webhook
    URLs are secrets).
    """

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, RetryableHTTPError) else None
        backoff = base_wait * (2 ** (state.attempt_number - 1))
        return min(max_wait, asked if asked is not None else backoff)

    def retryable(exc: BaseException) -> bool:
        verdict = _outcome(exc)
        return verdict is not None and (verdict[0] is Outcome.TRANSIENT
                                        or (idempotent and verdict[0] is Outcome.AMBIGUOUS))

    def once() -> httpx.Response:
        response = request()
        if response.status_code in RETRIED_STATUS:
            raise RetryableHTTPError(response.status_code, retry_after_seconds(response))
        return response

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(retryable),
        reraise=True,
        sleep=sleep,
    )
    try:
        return retrying(once)
    except RetryableHTTPError as exc:
        outcome, reason = http_status(exc.status)
        raise DeliveryError(f"{what}: HTTP {exc.status}{_tries(outcome, attempts, idempotent)}",
                            outcome=outcome, reason=reason, retry_after=exc.retry_after) from None
    except httpx.TransportError as exc:
        outcome, reason = http_exception(exc)
        raise DeliveryError(f"{what}: {exc.__class__.__name__}{_tries(outcome, attempts, idempotent)}",
                            outcome=outcome, reason=reason) from None


def _tries(outcome: Outcome, attempts: int, idempotent: bool) -> str:
    if outcome is Outcome.AMBIGUOUS and not idempotent:
        return " after the request was sent (it may have been delivered; not repeated)"
    return f" after {attempts} attempts"
