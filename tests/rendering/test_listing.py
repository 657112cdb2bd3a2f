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
