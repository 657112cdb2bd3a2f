"""A Teams activity feed notification to one person through Microsoft Graph, app-only.

``POST /users/{user id or UPN}/teamwork/sendActivityNotification`` (application permission
``TeamsActivity.Send``; the app's Teams app must be installed for the recipient, and its manifest must
name the app registration in ``webApplicationInfo``). Credentials and tokens: ``notifiers.graph_auth``.

The notification uses the activity type ``protocolReminder``, which the Teams app's manifest must declare
(the sample ``config/teams/manifest.json`` does, with the template text ``{reminder}``): the reason line
is ``message.subject`` (template parameter ``reminder``), the topic
is a text topic with value ``message.subject`` and ``webUrl`` ``message.link`` (required: without a link
the send fails permanently), and the preview is ``message.text``. Each is one line of at most
``TEXT_LIMIT`` characters (Teams shows only the first 150 of the preview), cut with "…".

Exactly once, as far as this endpoint allows: it has no idempotency key and answers 204 with no id, so
there is nothing to checkpoint (``progress`` is ignored) and nothing to look up. When the request went
out and its answer was lost (a read timeout, a 504, a dropped connection), the notification may or may
not be in the feed: the send fails ``AMBIGUOUS`` and is NOT repeated within the attempt; the delivery
step applies ``delivery.on_ambiguous.teams_activity`` (by default ``hold``: the message waits for the
operator, since the adviser's email carries the same reminder). Should it be re-sent, the repeat is
softened: every notification carries a ``chainId`` derived from ``message.key``, and a notification with
the same chain id replaces the earlier one in the recipient's feed. Transient answers are retried
(``notifiers.retry``: 429, 503, connection failures, ``Retry-After`` honoured); 401 → one fresh token,
then refused; 400/403/404/409 are refused, naming Graph's code (``notifiers.outcome``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
import tenacity

from notifiers.base import Checkpoint, DeliveryError, Message, Receipt
from notifiers.graph_auth import GraphApi, GraphApp, failure

TEXT_LIMIT = 150
MAX_WEB_URL = 1024  # Graph refuses longer topic links ("BadRequest")
ACTIVITY_TYPE = "protocolReminder"  # declared in the Teams app manifest (config/teams/manifest.json)
TEMPLATE_PARAMETER = "reminder"  # the manifest's templateText is "{reminder}"
_RECIPIENT = re.compile(
    r"^(?:[^\s@/\\?#%'\"]+@[^\s@/\\?#%'\"]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
_HINTS = {
    403: "the Teams app is not installed for the recipient, or the app lacks TeamsActivity.Send",
    404: "no such user in the tenant",
    409: "more than one Teams app uses this app registration",
}


@dataclass(frozen=True, slots=True)
class TeamsActivityConfig(GraphApp):
    """The app registration is all the activity feed needs (``graph_auth.GraphApp``, validated there)."""


def one_line(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` on one line (whitespace collapsed), cut to ``limit`` characters with "…"."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def chain_id(key: str) -> int:
    """A positive Int64 from the outbox key: the same on every attempt, so a repeat replaces the first."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def activity_payload(message: Message) -> dict[str, Any]:
    """The body of ``sendActivityNotification`` for ``message``."""
    if not message.link:
        raise DeliveryError("an activity feed notification needs a link (message.link)", permanent=True)
    try:
        link = httpx.URL(message.link)
    except (httpx.InvalidURL, TypeError):
        raise DeliveryError("the notification's link is not a URL", permanent=True) from None
    if link.scheme != "https" or not link.host:
        raise DeliveryError("the notification's link must be an https:// URL", permanent=True)
    if len(message.link) > MAX_WEB_URL:
        raise DeliveryError(f"the notification's link is longer than {MAX_WEB_URL} characters", permanent=True)
    subject = one_line(message.subject)
    if not subject:
        raise DeliveryError("an activity feed notification needs a subject", permanent=True)
    return {
        "topic": {"source": "text", "value": subject, "webUrl": message.link},
        "activityType": ACTIVITY_TYPE,
        "chainId": chain_id(message.key),
        "previewText": {"content": one_line(message.text) or subject},
        "templateParameters": [{"name": TEMPLATE_PARAMETER, "value": subject}],
    }


class TeamsActivityNotifier:
    """Sends ``Message``s to people's Teams activity feeds through Graph (see the module docstring)."""

    channel: ClassVar[str] = "teams_activity"
    resumable: ClassVar[bool] = False

    def __init__(self, config: TeamsActivityConfig, client: httpx.Client, *, attempts: int = 4,
                 max_wait: float = 60.0, base_wait: float = 1.0,
                 sleep: Callable[[float], None] = tenacity.nap.sleep, api: GraphApi | None = None) -> None:
        # ``api``: one shared with the other Graph channel, so the process has one msal app and token cache
        self._api = api or GraphApi(config.app, client, attempts=attempts, max_wait=max_wait, base_wait=base_wait,
                                    sleep=sleep)

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt:
        if not _RECIPIENT.match(message.recipient):
            raise DeliveryError("the recipient is not a Microsoft Entra user id or user principal name",
                                permanent=True)
        payload = activity_payload(message)
        url = f"{self._api.base}/users/{quote(message.recipient, safe='@')}/teamwork/sendActivityNotification"
        what = "Graph: send the activity feed notification"
        response = self._api.call(lambda: self._api.request("POST", url, json=payload), what)
        if not response.is_success:
            raise failure(response, what, _HINTS)
        return Receipt(provider_id=response.headers.get("request-id"),
                       detail="accepted by Microsoft Graph for the recipient's Teams activity feed")
