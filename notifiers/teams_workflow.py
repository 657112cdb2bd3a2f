"""Teams through a Power Automate "Workflows" webhook (the successor of Office 365 connectors).

``message.recipient`` is the NAME of a configured webhook; its URL is a secret (the ``sig`` query
parameter is a credential) and never appears in an exception, a receipt or a log line: errors name the
webhook, and a logging filter on the ``httpx`` logger masks ``sig`` in its request lines.

The body posted is the Workflows "message" envelope around one Adaptive Card (``workflow_payload``):
``message.card`` when given, else a minimal card from ``subject``/``text`` with an "Open" button to
``message.link``. Each ``message.mentions`` whose text appears in the card becomes an ``msteams`` mention
entity. The trigger answers 202 when it accepts the request.

Size: a Workflows payload may be at most 28 KB. A bigger card is split between its body elements into
parts that each fit: the first body element (the heading) is repeated on each part with "(part i of n)"
when it fits, and the actions go on the last part. A single element too big on its own cannot be sent
(permanent failure). Splitting is deterministic, so every attempt of a message makes the same parts.

Exactly once, as far as a webhook allows: after each accepted part, ``checkpoint(str(parts_posted))``;
a later attempt receives that back as ``progress`` and posts only the parts after it. What no client can
fix: a part whose request reached the service but whose answer was lost (a read timeout, a 504, a
dropped connection) may or may not have been posted, because a Workflows trigger has no idempotency key.
Such a send fails ``AMBIGUOUS`` (``notifiers.outcome``), is not repeated within the attempt, and the
delivery step applies ``delivery.on_ambiguous.teams_channel`` (by default ``hold``). Each POST is
retried within the attempt on transient answers only (429, 503, connection failures; ``notifiers.retry``),
honouring ``Retry-After``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, ClassVar

import httpx
import tenacity

from notifiers.base import Checkpoint, DeliveryError, Mention, Message, Receipt
from notifiers.outcome import Outcome, http_exception, http_status
from notifiers.retry import call_with_retries, retry_after_seconds

MAX_PAYLOAD_BYTES = 28 * 1024
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SIG = re.compile(r"(?i)\bsig=[^&\s\"'>]*")


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class TeamsWorkflowConfig:
    """Webhook name → trigger URL. The URLs are secrets: ``repr`` shows only the names."""

    webhooks: Mapping[str, str]

    def __post_init__(self) -> None:
        webhooks = dict(self.webhooks)
        for name, url in webhooks.items():
            if not name:
                raise ValueError("a Teams webhook needs a name")
            try:
                parsed = httpx.URL(url)
            except (httpx.InvalidURL, TypeError):
                raise ValueError(f"the URL of Teams webhook {name!r} is not a URL") from None
            secure = parsed.scheme == "https" or (parsed.scheme == "http" and parsed.host in _LOOPBACK)
            if not parsed.host or not secure:
                raise ValueError(f"the URL of Teams webhook {name!r} must be https://")
        object.__setattr__(self, "webhooks", MappingProxyType(webhooks))

    def __repr__(self) -> str:
        return f"TeamsWorkflowConfig(webhooks=<{', '.join(sorted(self.webhooks)) or 'none'}>)"


def workflow_payload(card: Mapping[str, Any]) -> dict[str, Any]:
    """The body a Workflows trigger expects: a "message" carrying one Adaptive Card."""
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }


def message_payload(message: Message) -> dict[str, Any]:
    """The whole, unsplit payload for ``message`` (the sink writes this; the webhook may get it in parts)."""
    return workflow_payload(with_mentions(build_card(message), message.mentions))


def encode(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes posted (compact UTF-8 JSON): what the 28 KB limit is measured on."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def build_card(message: Message) -> dict[str, Any]:
    """A private copy of ``message.card``, or a minimal card from the subject, text and link."""
    if message.card is None:
        # RichTextBlock/TextRun: the schema shows a run's text as it is, never as markdown (a TextBlock's
        # "[pay](https://…)" would be a live link).
        body: list[dict[str, Any]] = [
            {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": message.subject, "weight": "Bolder",
                                                   "size": "Medium"}]},
        ]
        body += [{"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": paragraph.strip()}]}
                 for paragraph in re.split(r"\n\s*\n", message.text) if paragraph.strip()]
        card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION,
                                "body": body}
        if message.link:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": message.link}]
        return card
    try:
        card = json.loads(json.dumps(message.card, allow_nan=False, default=_plain))
    except (TypeError, ValueError):
        raise DeliveryError("the card is not plain JSON", permanent=True) from None
    if not isinstance(card, dict) or card.get("type", "AdaptiveCard") != "AdaptiveCard":
        raise DeliveryError("the card is not an Adaptive Card", permanent=True)
    if not isinstance(card.get("body"), list):
        raise DeliveryError("the card has no body list", permanent=True)
    card.setdefault("type", "AdaptiveCard")
    card.setdefault("$schema", CARD_SCHEMA)
    card.setdefault("version", CARD_VERSION)
    return card


def _plain(value: object) -> object:
    """Lets ``json`` copy read-only mappings (``MappingProxyType``...) as objects."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def with_mentions(card: Mapping[str, Any], mentions: Sequence[Mention]) -> dict[str, Any]:
    """``card`` with an ``msteams`` mention entity for each mention whose text appears in it.

    Entities already in the card are kept when their text still appears (after a split, a part keeps
    only the mentions it shows); other ``msteams`` settings (``width``...) are kept as they are.
    """
    result = {key: value for key, value in card.items() if key != "msteams"}
    msteams = dict(card.get("msteams") or {})
    present = list(_strings(result))
    wanted = [entity for entity in msteams.get("entities") or []
              if not (isinstance(entity, Mapping) and entity.get("type") == "mention")
              or _appears(entity.get("text"), present)]
    wanted += [{"type": "mention", "text": m.text, "mentioned": {"id": m.id, "name": m.name}}
               for m in mentions if _appears(m.text, present)]
    unique = list({json.dumps(entity, sort_keys=True): entity for entity in wanted}.values())
    if unique:
        msteams["entities"] = unique
    else:
        msteams.pop("entities", None)
    if msteams:
        result["msteams"] = msteams
    return result


def _appears(text: object, strings: Sequence[str]) -> bool:
    return isinstance(text, str) and bool(text) and any(text in s for s in strings)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class _Prefix(Enum):
    HEADING = "heading"  # the heading, labelled "(part i of n)"
    LABEL = "label"  # only a small "(part i of n)" line
    NONE = "none"


def split_card(card: Mapping[str, Any], mentions: Sequence[Mention] = ()) -> list[bytes]:
    """The encoded payloads for ``card``: one when it fits in 28 KB, else parts that each fit.

    Raises ``DeliveryError(permanent=True)`` when one body element (or the actions) cannot fit alone.
    """
    whole = encode(workflow_payload(with_mentions(card, mentions)))
    if len(whole) <= MAX_PAYLOAD_BYTES:
        return [whole]
    return _Splitter(card, mentions).parts()


class _Splitter:
    """Splits an oversized card between its body elements (see the module docstring)."""

    def __init__(self, card: Mapping[str, Any], mentions: Sequence[Mention]) -> None:
        body: list[Any] = list(card.get("body") or [])
        if not body:
            raise DeliveryError("the card is over 28 KB and has no body to split", permanent=True)
        self.heading, self.rest = body[0], body[1:]
        self.actions = list(card.get("actions") or [])
        self.base = {key: value for key, value in card.items() if key not in ("body", "actions")}
        self.mentions = mentions
        self.widest = "9" * len(str(len(body) + 2))  # no part number or count can be wider than this

    def parts(self) -> list[bytes]:
        plans = self._plans(self._groups())
        count = str(len(plans))
        parts = [self._part(prefix, elements, last, str(number), count)
                 for number, (prefix, elements, last) in enumerate(plans, start=1)]
        if any(len(p) > MAX_PAYLOAD_BYTES for p in parts):  # cannot happen: sizes were measured with wider numbers
            raise DeliveryError("could not split the card to fit 28 KB", permanent=True)
        return parts

    def _groups(self) -> list[list[Any]]:
        """The elements after the heading, packed from the end backwards so the actions land on the last
        part. A group of several elements always fits under the heading; a lone element may need less."""
        groups: list[list[Any]] = []  # last part first
        current: list[Any] = []
        for element in reversed(self.rest):
            building_last = not groups
            if self._fits(_Prefix.HEADING, [element, *current], building_last):
                current.insert(0, element)
                continue
            if current:
                groups.append(current)
                current = []
            elif building_last and self.actions:
                if any(self._fits(prefix, [element], True) for prefix in _Prefix):
                    groups.append([element])  # alone with the actions, under a label or nothing
                    continue
                groups.append([])  # the actions alone on the last part
            if self._fits(_Prefix.HEADING, [element], False):
                current = [element]
            else:
                groups.append([element])
        if current or not groups:
            groups.append(current)
        groups.reverse()
        return groups

    def _plans(self, groups: list[list[Any]]) -> list[tuple[_Prefix, list[Any], bool]]:
        """Each part's prefix: the heading when it fits. The first part must show it (it is content there)."""
        plans: list[tuple[_Prefix, list[Any], bool]] = []
        for index, elements in enumerate(groups):
            last = index == len(groups) - 1
            if index == 0 and not self._fits(_Prefix.HEADING, elements, last):
                if not self._fits(_Prefix.HEADING, [], False):
                    raise DeliveryError("the card's heading alone is over 28 KB", permanent=True)
                plans.append((_Prefix.HEADING, [], False))
            prefix = next((p for p in _Prefix if self._fits(p, elements, last)), None)
            if prefix is None:
                what = "one body element" if elements else "the card's actions"
                raise DeliveryError(f"{what} alone is over 28 KB: the card cannot be split to fit", permanent=True)
            plans.append((prefix, elements, last))
        return plans

    def _fits(self, prefix: _Prefix, elements: list[Any], last: bool) -> bool:
        return len(self._part(prefix, elements, last, self.widest, self.widest)) <= MAX_PAYLOAD_BYTES

    def _part(self, prefix: _Prefix, elements: list[Any], last: bool, number: str, count: str) -> bytes:
        label = f"(part {number} of {count})"
        label_block = {"type": "TextBlock", "text": label, "isSubtle": True, "wrap": True}
        head: list[Any] = []
        if prefix is _Prefix.HEADING:
            heading = self.heading
            text = heading.get("text") if isinstance(heading, dict) else None
            if isinstance(text, str) and heading.get("type") == "TextBlock":
                head = [{**heading, "text": f"{text} {label}"}]
            else:
                head = [heading, label_block]
        elif prefix is _Prefix.LABEL:
            head = [label_block]
        card = {**self.base, "body": head + elements}
        if last and self.actions:
            card["actions"] = self.actions
        return encode(workflow_payload(with_mentions(card, self.mentions)))


class _RedactSig(logging.Filter):
    """Masks ``sig=...`` in records of the ``httpx`` logger, which logs every request's full URL at INFO."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True
        if _SIG.search(text):
            record.msg, record.args = _SIG.sub("sig=REDACTED", text), None
        return True


_REDACT_SIG = _RedactSig()


class TeamsWorkflowNotifier:
    """Posts ``Message``s as Adaptive Cards to named Workflows webhooks."""

    channel: ClassVar[str] = "teams_workflow"
    resumable: ClassVar[bool] = False

    def __init__(self, config: TeamsWorkflowConfig, client: httpx.Client, *, attempts: int = 4,
                 max_wait: float = 60.0, base_wait: float = 1.0,
                 sleep: Callable[[float], None] = tenacity.nap.sleep) -> None:
        self._config = config
        self._client = client
        self._retry = functools.partial(call_with_retries, attempts=attempts, max_wait=max_wait,
                                        base_wait=base_wait, sleep=sleep)
        httpx_logger = logging.getLogger("httpx")
        if _REDACT_SIG not in httpx_logger.filters:
            httpx_logger.addFilter(_REDACT_SIG)

    def send(self, message: Message, progress: str | None, checkpoint: Checkpoint) -> Receipt:
        name = message.recipient
        url = self._config.webhooks.get(name)
        if url is None:
            raise DeliveryError(f"no Teams webhook named {name!r} is configured", permanent=True)
        parts = split_card(build_card(message), message.mentions)
        count = len(parts)
        done = _parts_done(progress, count)
        run_id: str | None = None
        for index in range(done, count):
            what = f"Teams webhook {name!r}" + (f" part {index + 1} of {count}" if count > 1 else "")
            post = functools.partial(self._client.post, url, content=parts[index],
                                     headers={"Content-Type": "application/json"})
            try:
                response = self._retry(post, what=what)
            except httpx.HTTPError as exc:  # not a transport error (those were mapped): name it, not the URL
                outcome, reason = http_exception(exc)
                raise DeliveryError(f"{what}: {exc.__class__.__name__}", outcome=outcome, reason=reason) from None
            _check(response, what)
            run_id = response.headers.get("x-ms-workflow-run-id") or run_id
            checkpoint(str(index + 1))
        if done >= count:
            return Receipt(detail=f"webhook {name!r}: all {count} part(s) had already been posted")
        resumed = f", resumed after part {done}" if done else ""
        return Receipt(provider_id=run_id, detail=f"accepted by webhook {name!r} in {count} part(s){resumed}")


def _parts_done(progress: str | None, count: int) -> int:
    if progress is None or progress == "":
        return 0
    if not re.fullmatch(r"[0-9]{1,9}", progress) or int(progress) > count:
        raise DeliveryError(f"the saved progress {progress[:20]!r} does not fit this message's {count} part(s)",
                            permanent=True)
    return int(progress)


def _check(response: httpx.Response, what: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    code = _error_code(response)
    hint = {400: ": the card was refused", 401: ": check the webhook's URL and sig",
            403: ": check the webhook's URL and sig", 404: ": the workflow is gone or disabled"}.get(status, "")
    outcome, reason = http_status(status)
    retry_after = retry_after_seconds(response) if outcome is not Outcome.REFUSED else None
    raise DeliveryError(f"{what}: HTTP {status}{code}{hint}", outcome=outcome, reason=reason, retry_after=retry_after)


def _error_code(response: httpx.Response) -> str:
    """The service's error code (``{"error": {"code": "..."}}``) when it is a plain token, else nothing."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    code = error.get("code") if isinstance(error, Mapping) else None
    return f" {code}" if isinstance(code, str) and _ERROR_CODE.match(code) else ""
