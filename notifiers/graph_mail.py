"""Email through Microsoft Graph, app-only, from one service mailbox: sent exactly once, through a draft.

Permissions (application, admin-consented): ``Mail.ReadWrite`` (create, read and find drafts) and
``Mail.Send``; limit them to the sender mailbox with an Exchange application access policy or RBAC for
Applications. Credentials and tokens: ``notifiers.graph_auth``.

Why not ``POST /users/{sender}/sendMail``: it has no idempotency key, so when its answer is lost (a
timeout, a 504, a crash) nobody can tell whether the mail left, and a retry may send it twice. Instead:

1. Create the message as a DRAFT in the sender's mailbox (``POST /users/{sender}/messages``) with
   ``Prefer: IdType="ImmutableId"`` (so its id survives the move to Sent Items), tagged with a
   single-value extended property (``OUTBOX_KEY_PROPERTY``) holding ``message.key``.
2. ``checkpoint(draft id)``.
3. ``POST /users/{sender}/messages/{id}/send`` (202: accepted; the message moves to Sent Items).

A later attempt resumes: with ``progress`` (the draft id) it reads the message first: no longer a draft
means it was sent (a receipt, nothing sent again); still a draft means send it; gone (404) means someone
deleted it, so it looks for the key (below) and else starts again with a new draft. Without ``progress``
(a crash between creating the draft and the checkpoint) it first looks for a message carrying the key
(``$filter=singleValueExtendedProperties/Any(...)``) and uses that one, so no second draft is made.

Within one attempt each call is retried on 429/503/504 and transport errors (``notifiers.retry``,
honouring ``Retry-After``). A create or send whose answer was lost (a read timeout, a dropped connection,
a 504) is never simply repeated: before trying again the channel checks whether it took effect (looks for
the key; reads the message). Graph answers ``/send`` for a message that is no longer a draft with 404, so
a 404 from ``/send`` is also checked by reading the message. 401 → one fresh token, then permanent;
400/403/404 from creating the draft are permanent and name Graph's error code (never its message text,
which may quote addresses or the subject). A draft whose sending was refused for good stays in Drafts.

What no client can rule out: someone deleting the message from Sent Items between a lost answer and the
next attempt (it then looks unsent, and is sent again).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
import tenacity

from notifiers.base import Checkpoint, DeliveryError, Message, Receipt
from notifiers.graph_auth import GraphApi, GraphApp, error_code, failure
from notifiers.outcome import Outcome, http_exception, http_status

# A fixed, private property set (GUID) for this application's outbox key on the messages it creates.
OUTBOX_KEY_PROPERTY_SET = "1d45d06b-cd3d-4f09-bc7a-cce0895c8777"
OUTBOX_KEY_PROPERTY = f"String {{{OUTBOX_KEY_PROPERTY_SET}}} Name CheckerOutboxKey"
IMMUTABLE_IDS = {"Prefer": 'IdType="ImmutableId"'}
# Outlook and Exchange honour this: no out-of-office or other automatic replies to a robot's mail.
AUTO_RESPONSE_SUPPRESS = {"name": "X-Auto-Response-Suppress", "value": "All"}
MAX_PROGRESS = 400  # the delivery row keeps at most this much progress

_ADDRESS = re.compile(r"^[^\s@<>,;\"'/]+@[^\s@<>,;\"'/]+$")
_HEADER_NAME = re.compile(r"^[Xx]-[!-9;-~]{1,120}$")  # Graph accepts only custom "X-" headers


@dataclass(frozen=True, slots=True)
class GraphMailConfig(GraphApp):
    """The app registration (``graph_auth.GraphApp``, validated there) and the sender mailbox: its UPN."""

    sender: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if not _ADDRESS.match(self.sender or ""):
            raise ValueError("the Graph mail sender must be the mailbox's user principal name (name@domain)")
        GraphApp.__post_init__(self)  # not super(): a slots dataclass is a new class, which breaks its cell


@dataclass(frozen=True, slots=True)
class _Found:
    """A message in the sender's mailbox: its (immutable) id and whether it is still a draft."""

    id: str
    is_draft: bool


def draft_payload(message: Message) -> dict[str, Any]:
    """The body of ``POST /users/{sender}/messages`` for ``message``: the draft, tagged with its key."""
    if not _ADDRESS.match(message.recipient):
        raise DeliveryError("the recipient is not a plain email address", permanent=True)
    headers = [AUTO_RESPONSE_SUPPRESS]
    for name, value in message.headers.items():
        if not _HEADER_NAME.match(name) or name.lower() == AUTO_RESPONSE_SUPPRESS["name"].lower():
            raise DeliveryError(f"header {name!r} cannot be set through Graph (only custom X- headers)",
                                permanent=True)
        if "\r" in value or "\n" in value:
            raise DeliveryError(f"header {name!r} has a value that cannot be written", permanent=True)
        headers.append({"name": name, "value": value})
    html = message.html is not None
    return {
        "subject": message.subject,
        "body": {"contentType": "HTML" if html else "Text", "content": message.html if html else message.text},
        "toRecipients": [{"emailAddress": {"address": message.recipient}}],
        "singleValueExtendedProperties": [{"id": OUTBOX_KEY_PROPERTY, "value": message.key}],
        "internetMessageHeaders": headers,
        **({"attachments": [{
            "@odata.type": "#microsoft.graph.fileAttachment", "name": a.filename, "contentType": a.content_type,
            "contentBytes": a.content_base64, "isInline": a.content_id is not None,
            **({"contentId": a.content_id} if a.content_id else {}),
        } for a in message.attachments]} if message.attachments else {}),
    }


def key_filter(key: str) -> str:
    """The OData ``$filter`` finding messages tagged with outbox key ``key``."""
    literal = key.replace("'", "''")
    return (f"singleValueExtendedProperties/Any(ep: ep/id eq '{OUTBOX_KEY_PROPERTY}' "
            f"and ep/value eq '{literal}')")


class GraphMailNotifier:
    """Sends ``Message``s as email from one mailbox through Graph (see the module docstring)."""

    channel: ClassVar[str] = "graph_mail"
    resumable: ClassVar[bool] = True  # a later attempt finds the draft or the sent message by its key

    def __init__(self, config: GraphMailConfig, client: httpx.Client, *, attempts: int = 4,
                 max_wait: float = 60.0, base_wait: float = 1.0,
                 sleep: Callable[[float], None] = tenacity.nap.sleep, api: GraphApi | None = None) -> None:
        self._config = config
        # ``api``: one shared with the other Graph channel, so the process has one msal app and token cache
        self._api = api or GraphApi(config.app, client, attempts=attempts, max_wait=max_wait, base_wait=base_wait,
                                    sleep=sleep)
        self._messages = f"{config.graph_url}/users/{quote(config.sender, safe='@')}/messages"

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt:
        """Deliver through a draft. An answer lost for good is ``TRANSIENT`` here, never ``AMBIGUOUS``: the
        next attempt finds out what happened (by the checkpoint or the key) before doing anything."""
        try:
            return self._send(message, progress, checkpoint)
        except DeliveryError as exc:
            if not exc.ambiguous:
                raise
            raise DeliveryError(f"{exc}; the next attempt checks the mailbox first", outcome=Outcome.TRANSIENT,
                                reason=exc.reason, retry_after=exc.retry_after) from None

    def _send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt:
        payload = draft_payload(message)  # refuses what cannot be sent before any request
        found = None
        if progress:
            if len(progress) > MAX_PROGRESS or not progress.isprintable():
                raise DeliveryError("the saved progress is not a Graph message id", permanent=True)
            found = self._read(progress)
        if found is None:
            found = self._look_up(message.key)
        if found is None:
            found = self._create(message.key, payload)
        if not found.is_draft:
            return self._receipt(found.id, already=True)
        if found.id != progress:
            checkpoint(found.id)
        return self._send_draft(found.id)

    # -- reading -----------------------------------------------------------------------------------

    def _url(self, message_id: str) -> str:
        return f"{self._messages}/{quote(message_id, safe='')}"

    def _read_once(self, message_id: str) -> httpx.Response:
        return self._api.request("GET", self._url(message_id), params={"$select": "id,isDraft"},
                                 headers=IMMUTABLE_IDS)

    def _read(self, message_id: str) -> _Found | None:
        """The message with this id, or ``None`` when the mailbox no longer has it."""
        what = "Graph: read the draft"
        response = self._api.call(lambda: self._read_once(message_id), what, idempotent=True)
        return self._found_or_gone(response, what, message_id)

    def _found_or_gone(self, response: httpx.Response, what: str, message_id: str) -> _Found | None:
        if response.status_code == 404 and error_code(response) in ("ErrorItemNotFound", ""):
            return None
        if not response.is_success:
            raise failure(response, what)
        body = _json(response, what)
        return _Found(str(body.get("id") or message_id), bool(body.get("isDraft")))

    def _look_up_once(self, key: str) -> httpx.Response:
        return self._api.request("GET", self._messages, headers=IMMUTABLE_IDS,
                                 params={"$filter": key_filter(key), "$select": "id,isDraft", "$top": "25"})

    def _look_up(self, key: str) -> _Found | None:
        """A message tagged with ``key``: one already sent if any, else a draft, else ``None``."""
        what = "Graph: look for the message by its key"
        response = self._api.call(lambda: self._look_up_once(key), what, idempotent=True)
        if not response.is_success:
            raise failure(response, what)
        return _pick(response, what)

    # -- acting ------------------------------------------------------------------------------------

    def _create(self, key: str, payload: dict[str, Any]) -> _Found:
        what = "Graph: create the draft"

        def create() -> httpx.Response:
            return self._api.request("POST", self._messages, json=payload, headers=IMMUTABLE_IDS)

        def settled() -> tuple[httpx.Response, _Found | None]:
            response = self._look_up_once(key)
            return response, (_pick(response, what) if response.is_success else None)

        response, found = self._at_most_once(what, create, settled)
        if found is not None:
            return found
        if not response.is_success:
            raise failure(response, what, {404: "the sender mailbox does not exist or has no Exchange Online "
                                                "licence"})
        body = _json(response, what)
        draft_id = body.get("id")
        if not isinstance(draft_id, str) or not draft_id:
            raise DeliveryError(f"{what}: Graph answered without the draft's id", permanent=False)
        if len(draft_id) > MAX_PROGRESS:
            raise DeliveryError(f"{what}: the draft's id is longer than the progress kept ({MAX_PROGRESS})",
                                permanent=True)
        return _Found(draft_id, is_draft=True)

    def _send_draft(self, draft_id: str) -> Receipt:
        what = "Graph: send the draft"

        def send() -> httpx.Response:
            return self._api.request("POST", f"{self._url(draft_id)}/send", headers=IMMUTABLE_IDS)

        def settled() -> tuple[httpx.Response, _Found | None]:
            response = self._read_once(draft_id)
            if response.status_code in (404, *range(200, 300)):
                found = self._found_or_gone(response, what, draft_id)
                return response, (found if found is not None and not found.is_draft else None)
            return response, None

        response, sent = self._at_most_once(what, send, settled)
        if sent is not None:
            return self._receipt(draft_id, already=False)
        if response.is_success:  # 202 Accepted (a success from ``settled`` comes with ``sent``)
            return self._receipt(draft_id, already=False)
        if response.status_code == 404:  # Graph's answer for a message that is no longer a draft, or gone
            found = self._read(draft_id)
            if found is not None and not found.is_draft:
                return self._receipt(draft_id, already=False)
            state = "is still a draft" if found is not None else "is gone"
            raise DeliveryError(f"{what}: HTTP 404 {error_code(response) or ''}".rstrip()
                                + f"; the message {state}, the next attempt checks again", permanent=False)
        raise failure(response, what)

    def _at_most_once(self, what: str, act: Callable[[], httpx.Response],
                      settled: Callable[[], tuple[httpx.Response, _Found | None]]
                      ) -> tuple[httpx.Response, _Found | None]:
        """``act`` with bounded retries, never repeated blindly: after a try whose outcome is unknown (its
        answer was lost), ``settled`` first checks whether it took effect.

        Returns the last response and, when ``settled`` found the effect, what it found.
        """
        unsure = False
        outcome: _Found | None = None

        def attempt() -> httpx.Response:
            nonlocal unsure, outcome
            if unsure:
                checked, outcome = settled()
                if outcome is not None or not checked.is_success:
                    return checked  # done already, or a failure (retried when transient)
            unsure = True
            try:
                response = act()
            except httpx.TransportError as exc:
                unsure = http_exception(exc)[0] is Outcome.AMBIGUOUS  # else it failed before it left
                raise
            # a gateway gave up (504): Graph may have done it
            unsure = http_status(response.status_code)[0] is Outcome.AMBIGUOUS
            return response

        # safe to repeat: every repeat after a lost answer first checks whether it took effect
        return self._api.call(attempt, what, idempotent=True), outcome

    def _receipt(self, message_id: str, *, already: bool) -> Receipt:
        detail = (f"already sent from {self._config.sender} by an earlier attempt" if already
                  else f"accepted by Microsoft Graph from {self._config.sender}")
        return Receipt(provider_id=message_id, detail=detail)


def _pick(response: httpx.Response, what: str) -> _Found | None:
    """From a list answer: a message already sent if there is one, else the first draft, else ``None``."""
    values = _json(response, what).get("value")
    if not isinstance(values, list):
        raise DeliveryError(f"{what}: Graph's answer has no list of messages", permanent=False)
    found = [_Found(str(v["id"]), bool(v.get("isDraft"))) for v in values if isinstance(v, dict) and v.get("id")]
    return next((f for f in found if not f.is_draft), found[0] if found else None)


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise DeliveryError(f"{what}: Graph's answer (HTTP {response.status_code}) is not a JSON object",
                            permanent=False)
    return body
