"""The Adaptive Card (1.4) for a team's Teams channel: a heading, then one compact, clickable block per item.

A channel is read by many people, so a card shows initials and the case reference, never a name, and
no acknowledge or snooze links (a link acts as one adviser): when the links are on it says that each
adviser has their own, in their email and activity feed.
Each item's container opens the case when selected (``selectAction``); the card has at most
``MAX_CARD_ACTIONS`` buttons, for the most urgent cases.

Markdown: ``TextBlock`` text is read as a subset of markdown (``**bold**``, ``_italic_``, ``[t](url)``,
lists). Values from the data therefore go into ``RichTextBlock``/``TextRun`` elements, which the schema
reads as plain text; the few that sit in a ``TextBlock`` (a team name in the heading) pass through
``markdown_literal`` first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from checker.rendering import formatting as fmt
from checker.rendering.items import ItemView
from checker.rendering.listing import Listing
from notifiers.base import Mention
from notifiers.teams_workflow import MAX_PAYLOAD_BYTES, encode, with_mentions, workflow_payload

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
MAX_CARD_ACTIONS = 3
# A channel is read by the whole team and a link acts as the one adviser it was issued to, so a card
# carries no acknowledge or snooze links; it says where each adviser finds their own.
OWN_LINKS = ("To acknowledge or snooze an item: its personal adviser uses the links in their own reminder "
             "email or Teams activity feed. This channel has none, because a link here would act as one "
             "adviser for everyone who can see it.")

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()~<>#])")
_LIST_MARKER = re.compile(r"^([-+])(?=\s|$)")
_NUMBERED_MARKER = re.compile(r"^(\d+)([.)])(?=\s|$)")
_PLAIN_ADDRESS = re.compile(r"^[^<>\s\\]+@[^<>\s\\]+$")


def markdown_literal(value: object) -> str:
    """``value`` as text that a ``TextBlock`` shows literally: one line, markdown characters escaped.

    Backslash-escapes ``\\ ` * _ [ ] ( ) ~ < > #`` and a list marker at the start ('- ', '+ ', '1. ').
    """
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", fmt.one_line(str(value)))
    text = _LIST_MARKER.sub(r"\\\1", text)
    return _NUMBERED_MARKER.sub(r"\1\\\2", text)


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*runs: dict[str, Any], **style: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": list(runs), **style}


def _open(item: ItemView) -> dict[str, Any]:
    return {"type": "Action.OpenUrl", "title": fmt.one_line(f"Open case {item.case_ref}"), "url": item.case_url}


def _detail(item: ItemView) -> str:
    parts = [f"Due {item.due}" + (f" (not a working day: the next is {item.next_working_day})"
                                  if item.next_working_day else "")]
    if item.dispute is not None:
        d = item.dispute
        parts.append(f"dispute {d.ref} at stage {d.stage}" + ("" if d.at_last_stage else f", must go to stage "
                                                                                          f"{d.next_stage}"))
    if item.escalated and item.dispute is None:
        parts.append(f"escalated to the {item.recipient_role}")
    return fmt.one_line(" · ".join(parts))


def _item_block(item: ItemView, mention: Mention | None) -> dict[str, Any]:
    colour = "attention" if item.overdue else "warning"
    blocks: list[dict[str, Any]] = [
        {"type": "ColumnSet", "columns": [
            {"type": "Column", "width": "stretch", "items": [
                _rich(_run(fmt.one_line(item.initials_ref), weight="bolder"), _run(" · "),
                      _run(fmt.one_line(item.title))),
            ]},
            {"type": "Column", "width": "auto", "items": [
                _rich(_run(item.timing, color=colour, weight="bolder"), horizontalAlignment="right"),
            ]},
        ]},
        _rich(_run(_detail(item), isSubtle=True), spacing="none"),
    ]
    done = f"Done when {item.done_when}." if item.done_when else ""
    snooze = (f"To snooze: ask the checker operator to run {item.snooze}"
              if item.snooze and not item.links_elsewhere else "")
    for note in (item.change_note, item.routing_note, " ".join(n for n in (done, snooze) if n)):
        if note:
            blocks.append(_rich(_run(fmt.one_line(note), isSubtle=True, italic=True), spacing="none"))
    if mention is not None:
        blocks.append({"type": "TextBlock", "text": f"Adviser: {mention.text}", "wrap": True, "spacing": "none",
                       "isSubtle": True})
    return {"type": "Container", "separator": True, "spacing": "medium", "items": blocks,
            "selectAction": _open(item)}


def _mention(item: ItemView) -> Mention | None:
    address = item.adviser_email
    if not address or not _PLAIN_ADDRESS.match(address):
        return None
    return Mention(text=f"<at>{address}</at>", id=address, name=address)


def _heading(items: Listing) -> str:
    team = next(iter(items.teams)) if len(items.teams) == 1 else None
    what = f"{fmt.actions(items.overdue)} overdue" if items.overdue else f"{fmt.actions(items.total)} due soon"
    if items.escalated:
        what += f", {items.escalated} escalated"
    return f"{markdown_literal(team)}: {what}" if team else what[:1].upper() + what[1:]


def reminder_card(items: Listing, as_of: date, *, mention_advisers: bool = False,
                  max_items: int = 25) -> tuple[dict[str, Any], tuple[Mention, ...]]:
    """The card for ``items`` and the mentions it carries: the first items in reading order, at most
    ``max_items`` and no more than one Workflows post holds (28 KB), the rest counted at the end; so a team's
    channel gets one post per tick, never a card in parts."""
    shown = items.shown[:max_items]
    while True:
        card, mentions = _card(items, shown, as_of, mention_advisers=mention_advisers)
        if len(shown) <= 1 or one_post(card, mentions):
            return card, mentions
        shown = shown[:-1]


def one_post(card: dict[str, Any], mentions: Sequence[Mention]) -> bool:
    """Whether ``card`` goes to a Workflows webhook in one post (``notifiers.teams_workflow``)."""
    return len(encode(workflow_payload(with_mentions(card, mentions)))) <= MAX_PAYLOAD_BYTES


def _card(items: Listing, shown: Sequence[ItemView], as_of: date, *, mention_advisers: bool
          ) -> tuple[dict[str, Any], tuple[Mention, ...]]:
    mentions: dict[str, Mention] = {}
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": _heading(items), "weight": "bolder", "size": "medium", "wrap": True},
        {"type": "TextBlock", "text": f"Housing protocol deadlines as of {fmt.full_date(as_of)}. "
                                      "Select an item to open the case.",
         "isSubtle": True, "wrap": True, "spacing": "none"},
    ]
    for item in shown:
        mention = _mention(item) if mention_advisers else None
        if mention is not None:
            mentions.setdefault(mention.id, mention)
        body.append(_item_block(item, mention))
    if any(item.links_elsewhere for item in shown):
        body.append({"type": "TextBlock", "text": OWN_LINKS, "wrap": True, "isSubtle": True})
    more = items.total - len(shown)
    if more > 0:
        text = f"And {more} more, not listed here: each one's personal adviser or manager is told by email."
        body.append({"type": "TextBlock", "text": text, "wrap": True, "isSubtle": True})
    card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body,
            "actions": [_open(item) for item in shown[:MAX_CARD_ACTIONS]]}
    return card, tuple(mentions.values())
