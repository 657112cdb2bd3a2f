"""Teams: the channel's Adaptive Card (no names, clickable items, safe markdown) and the activity feed."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from servers.webhook import card_problems, payload_problems

from checker.rendering import markdown_literal, render_reminder
from checker.rendering.cards import MAX_CARD_ACTIONS
from notifiers.base import Mention, Message
from notifiers.teams_workflow import encode, message_payload
from rendering.samples import AS_OF, CASE_URL, dispute, escalated, facts, mixed_items, overdue

NAMES = ("Sam", "Khan", "Amy", "Lee", "Dan", "Roe", "Jo", "Bloggs")


def channel_card(items: list[dict[str, Any]], **options: Any) -> Message:
    return render_reminder("reminder", "teams_channel", "preston-team", items, AS_OF, "reminder:1:teams_channel:p",
                           CASE_URL, **options)


def activity(items: list[dict[str, Any]]) -> Message:
    return render_reminder("reminder", "teams_activity", "pa.one@council.example", items, AS_OF,
                           "reminder:1:teams_activity:pa", CASE_URL)


def containers(card: Any) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e["type"] == "Container"]


def texts(element: object) -> list[str]:
    if isinstance(element, str):
        return [element]
    if isinstance(element, dict):
        return [t for v in element.values() for t in texts(v)]
    if isinstance(element, list):
        return [t for v in element for t in texts(v)]
    return []


# --- markdown_literal -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "literal"), [
    ("Preston", "Preston"),
    ("**bold** and _it_", r"\*\*bold\*\* and \_it\_"),
    ("[click](https://evil.example)", r"\[click\]\(https://evil.example\)"),
    ("- not a list", r"\- not a list"),
    ("+ not a list", r"\+ not a list"),
    ("1. not numbered", r"1\. not numbered"),
    ("S.K. 1.5 - fine", "S.K. 1.5 - fine"),
    ("a\\b `code` ~x~ <at>x</at> #h", r"a\\b \`code\` \~x\~ \<at\>x\</at\> \#h"),
    ("two\nlines\r\n- item", r"two lines - item"),
])
def test_markdown_literal_neutralises_markdown(value: str, literal: str) -> None:
    assert markdown_literal(value) == literal


# --- the channel card -----------------------------------------------------------------------------------


def test_card_is_an_adaptive_card_1_4_the_workflows_channel_accepts() -> None:
    message = channel_card(mixed_items())
    card = message.card
    assert card is not None
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card_problems(card) == []
    assert payload_problems(encode(message_payload(message))) == []
    assert card["body"][0]["type"] == "TextBlock"
    assert card["body"][0]["text"] == \
        "Preston: 2 housing protocol actions overdue"


def test_card_never_names_anyone_even_when_the_facts_do() -> None:
    message = channel_card([*mixed_items(), dispute()])  # the samples carry names: the card must drop them
    serialized = json.dumps(message.card, ensure_ascii=False)
    found = [name for name in NAMES if re.search(rf"\b{name}\b", serialized)]
    assert found == []
    assert "S.K. (C1)" in serialized
    assert "D.R. (C4)" in serialized
    assert "J.B. (C3)" in serialized
    assert not [name for name in NAMES if re.search(rf"\b{name}\b", message.subject + message.text)]


def test_one_clickable_block_per_item_in_reading_order_and_few_buttons() -> None:
    items = [overdue(case_ref=f"C{n}", working_days_overdue=n) for n in range(1, 8)]
    card = channel_card(items).card
    assert card is not None
    blocks = containers(card)
    assert [b["selectAction"]["url"] for b in blocks] == [f"https://cms.example/people/C{n}" for n in range(7, 0, -1)]
    assert all(b["selectAction"]["type"] == "Action.OpenUrl" for b in blocks)
    assert len(card["actions"]) == MAX_CARD_ACTIONS
    assert [a["title"] for a in card["actions"]] == ["Open case C7", "Open case C6", "Open case C5"]


def test_each_item_shows_title_due_date_and_overdue_days() -> None:
    card = channel_card([overdue(), dispute(), escalated(case_ref="C5")]).card
    assert card is not None
    blocks = {b["selectAction"]["url"].rsplit("/", 1)[1]: " ".join(texts(b["items"])) for b in containers(card)}
    assert "Join the Part 6 housing register" in blocks["C1"]
    assert "Due Fri 6 Nov 2026" in blocks["C1"]
    assert "11 working days overdue" in blocks["C1"]
    assert "dispute D7 at stage 2, must go to stage 3" in blocks["C3"]
    assert "escalated to the team manager" in blocks["C5"]


def test_data_goes_into_text_runs_which_do_not_read_markdown() -> None:
    hostile = overdue(case_ref="C_1*", initials="[S](x)", title="**Join** the _register_", team="Team *A*")
    card = channel_card([hostile]).card
    assert card is not None
    runs = [r["text"] for b in containers(card) for r in _runs(b)]
    assert "[S](x) (C_1*)" in runs
    assert "**Join** the _register_" in runs
    text_blocks = [e["text"] for e in _all(card) if e.get("type") == "TextBlock"]
    assert text_blocks[0] == r"Team \*A\*: 1 housing protocol action overdue"
    for text in text_blocks:  # no unescaped data in a markdown-reading TextBlock
        assert "**" not in text
        assert "_register_" not in text
        assert "[S](x)" not in text


def _all(element: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(element, dict):
        found.append(element)
        for value in element.values():
            found += _all(value)
    elif isinstance(element, list):
        for value in element:
            found += _all(value)
    return found


def _runs(element: Any) -> list[dict[str, Any]]:
    return [e for e in _all(element) if e.get("type") == "TextRun"]


def test_case_links_in_the_card_are_url_encoded() -> None:
    card = channel_card([overdue(case_ref="A/B 7")]).card
    assert card is not None
    assert containers(card)[0]["selectAction"]["url"] == "https://cms.example/people/A%2FB%207"


def test_advisers_are_mentioned_only_when_asked() -> None:
    items = [overdue(), overdue(case_ref="C2"), overdue(case_ref="C3", adviser_email="pa.two@council.example"),
             overdue(case_ref="C4", adviser_email=None)]
    quiet = channel_card(items)
    assert quiet.mentions == ()
    assert "<at>" not in json.dumps(quiet.card)
    loud = channel_card(items, mention_advisers=True)
    assert loud.mentions == (
        Mention(text="<at>pa.one@council.example</at>", id="pa.one@council.example", name="pa.one@council.example"),
        Mention(text="<at>pa.two@council.example</at>", id="pa.two@council.example", name="pa.two@council.example"),
    )
    assert loud.card is not None
    assert card_problems(loud.card) == []
    entities = message_payload(loud)["attachments"][0]["content"]["msteams"]["entities"]
    assert {e["mentioned"]["id"] for e in entities} == {"pa.one@council.example", "pa.two@council.example"}


def test_change_note_appears_on_the_card() -> None:
    card = channel_card([overdue(change_note="The due date moved from 2026-10-31 to 2026-11-06.")]).card
    assert "The due date moved from Sat 31 Oct 2026 to Fri 6 Nov 2026." in texts(card)


# --- the activity feed ----------------------------------------------------------------------------------


def test_activity_has_a_short_subject_a_nameless_preview_and_the_first_cases_link() -> None:
    message = activity(mixed_items())
    assert message.subject == "2 housing protocol actions overdue"
    assert message.text == "C1: Join the Part 6 housing register, 11 working days overdue (and 3 more)"
    assert message.link == "https://cms.example/people/C1"
    assert message.card is None
    assert message.html is None


def test_activity_for_one_pending_item() -> None:
    message = activity([facts()])
    assert message.subject == "Due by Tue 1 Dec: join the Part 6 housing register"
    assert message.text == "C1: Join the Part 6 housing register, 6 working days to go"
    assert message.link == "https://cms.example/people/C1"


def test_activity_preview_fits_the_feed_and_names_nobody() -> None:
    message = activity([overdue(title="Join the register " * 20), overdue(case_ref="C2")])
    assert len(message.text) <= 150
    assert message.text.endswith("… (and 1 more)")
    assert "Sam" not in message.text
    assert "Khan" not in message.text
    assert "S.K." not in message.text


def test_a_card_of_many_long_items_goes_in_one_post_and_counts_the_rest() -> None:
    """A team's channel hears once per tick, in one Workflows post (at most 28 KB), never a card in parts: the
    card lists as many of the first items as fit, up to the item cap, and counts the others."""
    note = "The due date moved from Mon 2 Nov 2026 to Mon 16 Nov 2026 because the release date changed. " * 3
    items = [escalated(case_ref=f"C{i:03d}", obligation=f"ob-{i}", change_note=note, working_days_overdue=30 - i % 7)
             for i in range(60)]
    message = channel_card(items, max_items=25)
    payload = encode(message_payload(message))
    assert len(payload) <= 28 * 1024
    listed = containers(message.card)
    assert 1 <= len(listed) < 25  # 25 such items would need two posts
    assert message.card is not None
    assert message.card["body"][-1]["text"].startswith(f"And {60 - len(listed)} more, not listed here")
    assert message.card["body"][0]["text"].startswith("Preston: 60 housing protocol actions overdue, 60 escalated")
    # the most overdue first: 30 working days (i % 7 == 0) before 29
    first = [texts(c) for c in listed[:2]]
    assert all(any("30 working days overdue" in t for t in block) for block in first)
    few = channel_card(items[:3], max_items=25)
    assert len(containers(few.card)) == 3
    assert "more, not listed" not in json.dumps(few.card)
