"""A message's items are read once, as a stream, and only the listed ones are kept (``rendering/listing.py``).

Delivery hands rendering the items of a message in due-date order from the state database; a test or a daily
digest hands it a list in any order. Both give the same message, and whatever the number of items, rendering
keeps the item cap's views, the counts and the CSV rows.
"""

from __future__ import annotations

import base64
import csv
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from checker.facts import ItemFacts
from checker.rendering import render_reminder
from checker.rendering.errors import RenderingError
from checker.rendering.listing import build_listing
from checker.rendering.summary import render_summary
from rendering.samples import AS_OF, CASE_URL, dispute, escalated, mixed_items, overdue


def items() -> list[dict[str, Any]]:
    """Forty items: the mixed adviser items, a dispute, one action told twice (re-routed and escalated), and
    overdue items of many ages."""
    many = [overdue(case_ref=f"C{i:02d}", obligation=f"ob-{i % 3}", due_date=f"2026-11-{1 + i % 15:02d}",
                    working_days_overdue=16 - i % 15 if i % 15 < 15 else 1) for i in range(34)]
    twice = [overdue(case_ref="C90", routing_note="No adviser is allocated; sent to the team manager."),
             escalated(case_ref="C90")]
    return [*mixed_items(), dispute(), *twice, *many]


def stream(of: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The items as the state database yields them: by due date, then in the order they were planned."""
    yield from sorted(of, key=lambda item: item["due_date"])


@pytest.mark.parametrize("channel", ["email", "teams_channel", "teams_activity"])
def test_a_stream_and_a_shuffled_list_make_the_same_message(channel: str) -> None:
    shuffled = items()
    random.Random(7).shuffle(shuffled)
    by_list = render_reminder("reminder", channel, "tm@x.example", shuffled, AS_OF, "k", CASE_URL, max_items=10)
    by_stream = render_reminder("reminder", channel, "tm@x.example", stream(items()), AS_OF, "k", CASE_URL,
                                max_items=10)
    assert by_stream == by_list


def test_a_summary_from_a_stream_is_the_same_as_from_a_list() -> None:
    shuffled = items()
    random.Random(3).shuffle(shuffled)
    as_of = date.fromisoformat(AS_OF)
    assert (render_summary("tm@x.example", stream(items()), as_of, "k", CASE_URL, urgent=5)
            == render_summary("tm@x.example", shuffled, as_of, "k", CASE_URL, urgent=5))


def test_the_listing_keeps_the_cap_and_counts_everything() -> None:
    # 1,000 overdue items, 20 on each of 50 due dates from Tue 1 Sep 2026: the earlier, the more overdue.
    start = date(2026, 9, 1)
    many = [ItemFacts.from_json(overdue(case_ref=f"C{i:04d}", due_date=(start + timedelta(days=i % 50)).isoformat(),
                                        working_days_overdue=80 - i % 50)) for i in range(1000)]
    listing = build_listing(iter(sorted(many, key=lambda f: f.due_date)), date.fromisoformat(AS_OF), CASE_URL,
                            personal_channel=False, cap=25)
    assert (listing.total, listing.overdue, len(listing.shown), listing.more) == (1000, 1000, 25, 975)
    assert len(listing.cases) == 1000
    # The most overdue first: the 20 due on 1 Sep (C0000, C0050, … C0950), then 5 of the 2 Sep ones.
    assert [v.case_ref for v in listing.shown] == [f"C{i:04d}" for i in range(0, 1000, 50)] + [
        f"C{i:04d}" for i in range(1, 251, 50)]
    rows = list(csv.DictReader(io.StringIO(listing.csv_bytes().decode("utf-8-sig"))))
    assert len(rows) == 1000
    assert [r["due_date"] for r in rows[19:21]] == ["2026-09-01", "2026-09-02"]
    message = render_reminder("reminder", "email", "tm@x.example", iter(sorted(many, key=lambda f: f.due_date)),
                              AS_OF, "k", CASE_URL, max_items=25)
    attached = base64.b64decode(message.attachments[0].content_base64).decode("utf-8-sig")
    assert len(attached.splitlines()) == 1001  # the header and every item
    assert "And 975 more, not listed here" in message.text


def test_stored_items_and_typed_facts_make_the_same_listing() -> None:
    """An item not listed is counted and written to the CSV from the few facts that needs (``entries.brief``),
    read straight from the stored dict; the result is the one the full facts give."""
    as_of = date.fromisoformat(AS_OF)
    stored = sorted(items(), key=lambda item: item["due_date"])
    typed = [ItemFacts.from_json(item) for item in stored]
    from_dicts = build_listing(iter(stored), as_of, CASE_URL, personal_channel=True, cap=5)
    from_facts = build_listing(iter(typed), as_of, CASE_URL, personal_channel=True, cap=5)
    assert from_dicts.csv_bytes() == from_facts.csv_bytes()
    assert (from_dicts.total, from_dicts.overdue, from_dicts.escalated, from_dicts.bands, from_dicts.roles,
            from_dicts.cases, from_dicts.teams, from_dicts.rerouted) == (
        from_facts.total, from_facts.overdue, from_facts.escalated, from_facts.bands, from_facts.roles,
        from_facts.cases, from_facts.teams, from_facts.rerouted)
    assert from_dicts.shown == from_facts.shown
    assert (from_dicts.soonest_pending, from_dicts.latest_pending) == (from_facts.soonest_pending,
                                                                     from_facts.latest_pending)


@pytest.mark.parametrize(("field", "value", "says"), [
    ("working_days_overdue", -1, "working_days_overdue is negative"),
    ("due_date", "2026-13-01", "due_date is not an ISO date"),
    ("stage", "overdue-x", "stage"),
    ("dispute_stage", 7, "dispute_stage is not a dispute stage"),
])
def test_a_malformed_item_that_is_not_listed_is_still_an_error(field: str, value: object, says: str) -> None:
    # The bad item is the last and least urgent of 40: it would be neither listed nor the first pending.
    bad = {**overdue(case_ref="C99", due_date="2026-12-01", working_days_overdue=1), field: value}
    with pytest.raises(RenderingError, match=says):
        build_listing(iter([*stream(items()), bad]), date.fromisoformat(AS_OF), CASE_URL, personal_channel=True,
                      cap=5)
