"""Bounded retries for HTTP channels: only transient failures, honouring ``Retry-After``.

Transient: HTTP 429, 503 and 504, timeouts and connection errors. Everything else fails at once.
Within one delivery attempt a request is tried ``attempts`` times, waiting what the service asked
(``Retry-After`` in seconds or as an HTTP date, capped at ``max_wait``) or an exponential backoff.
When the budget is spent the last failure is raised as ``DeliveryError(permanent=False)``: the
delivery step then records the attempt, and parks the message when its attempts run out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import tenacity

from notifiers.base import DeliveryError

TRANSIENT_STATUS = frozenset({429, 503, 504})


class TransientHTTPError(Exception):
    """A response worth retrying; carries the seconds the service asked us to wait."""

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


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TransientHTTPError | httpx.TransportError)


def call_with_retries(
    request: Callable[[], httpx.Response],
    *,
    what: str,
    attempts: int = 4,
    max_wait: float = 60.0,
    base_wait: float = 1.0,
    sleep: Callable[[float], None] = tenacity.nap.sleep,
) -> httpx.Response:
    """Run ``request`` until it returns a non-transient response; raise ``DeliveryError`` when spent.

    The response returned may still be an error (400, 401, 404...): the caller decides what it means.
    ``what`` names the operation for messages (never a URL: webhook URLs are secrets).
    """

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = exc.retry_after if isinstance(exc, TransientHTTPError) else None
        backoff = base_wait * (2 ** (state.attempt_number - 1))
        return min(max_wait, asked if asked is not None else backoff)

    def once() -> httpx.Response:
        response = request()
        if response.status_code in TRANSIENT_STATUS:
            raise TransientHTTPError(response.status_code, retry_after_seconds(response))
        return response

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(_is_transient),
        reraise=True,
        sleep=sleep,
    )
    try:
        return retrying(once)
    except TransientHTTPError as exc:
        raise DeliveryError(f"{what}: HTTP {exc.status} after {attempts} attempts", permanent=False,
                            retry_after=exc.retry_after) from None
    except httpx.TransportError as exc:
        raise DeliveryError(f"{what}: {exc.__class__.__name__} after {attempts} attempts",
                            permanent=False) from None
