"""The weekly manager digest: subject, buckets, sections by adviser, what changed, no names, escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest

from checker.rendering import RenderingError, render_digest
from notifiers.base import Message
from rendering.samples import CASE_URL, digest_item, digest_payload
from rendering.test_reminder_email import visible


def digest(payload: dict[str, Any] | None = None, **options: Any) -> Message:
    return render_digest("email", "manager@council.example", payload or digest_payload(), "digest:2026-W48:m",
                         CASE_URL, **options)


def test_subject_names_the_team_the_count_and_the_week() -> None:
    assert digest().subject == "Weekly overdue digest — Preston: 4 overdue (w/c 23 Nov)"
    thursday = digest(digest_payload(as_of="2026-11-26", teams=["Preston", "Lancaster", "Chorley"]))
    assert thursday.subject == "Weekly overdue digest — Preston, Lancaster and 1 more: 4 overdue (w/c 23 Nov)"
    empty = digest(digest_payload(overdue_by_adviser=[], bucket_counts={"1-5": 0, "6-20": 0, "over 20": 0},
                                  teams=[]))
    assert empty.subject == "Weekly overdue digest: nothing overdue (w/c 23 Nov)"


def test_buckets_are_counted_and_labelled() -> None:
    message = digest()
    assert "Overdue 1 to 5 working days: 2" in message.text
    assert "Overdue 6 to 20 working days: 1" in message.text
    assert "Overdue over 20 working days: 1" in message.text
    page = visible(message.html or "")
    assert "2 overdue 1 to 5 working days" in page
    assert "1 overdue over 20 working days" in page


def test_overdue_items_are_grouped_by_adviser_most_overdue_first() -> None:
    text = digest().text
    section = text.split("OVERDUE BY PERSONAL ADVISER", 1)[1].split("BECAME OVERDUE", 1)[0]
    heads = re.findall(r"^(\S.*) \(\d+ overdue\)$", section, flags=re.M)
    assert heads == ["pa.one@council.example", "pa.two@council.example", "No personal adviser allocated"]
    rows = re.findall(r"^- (.+?):", section, flags=re.M)
    assert rows == ["S.K. (C1)", "D.R. (C4)", "J.B. (C7)", "C9"]
    assert "- S.K. (C1): Join the Part 6 housing register — due Fri 6 Nov 2026, 11 working days overdue " \
           "(Lancashire protocol 000 §7)" in section
    assert "https://cms.example/people/C1" in section


def test_became_overdue_and_completed_sections() -> None:
    message = digest()
    assert "BECAME OVERDUE SINCE MON 16 NOV 2026" in message.text
    assert "- J.B. (C7): Renew the housing register (was due Fri 20 Nov 2026; adviser pa.two@council.example)" \
        in message.text
    assert "COMPLETED SINCE MON 16 NOV 2026" in message.text
    assert "- A.L. (C2): Join the Part 6 housing register (completed Thu 19 Nov 2026; adviser " \
           "pa.one@council.example)" in message.text
    page = visible(message.html or "")
    assert "Became overdue since Mon 16 Nov 2026" in page
    assert "Completed since Mon 16 Nov 2026" in page
    assert 'href="https://cms.example/people/C2"' in (message.html or "")


def test_a_first_digest_without_since_and_with_empty_sections() -> None:
    message = digest(digest_payload(since=None, became_overdue=[], completed=[]))
    assert "BECAME OVERDUE IN THE PAST WEEK" in message.text
    assert message.text.count("None.") == 2
    assert visible(message.html or "").count("None.") == 2


def test_a_digest_never_names_anyone() -> None:
    payload = digest_payload()
    payload["overdue_by_adviser"][0]["items"][0] |= {"given_name": "Sam", "family_name": "Khan"}
    message = digest(payload)
    for text in (message.subject, message.text, message.html or ""):
        assert "Sam" not in text
        assert "Khan" not in text


def test_digest_data_is_escaped_in_html() -> None:
    hostile = digest_item("<script>x</script>", 'A&"B', "<b>Join</b>", "2026-11-06", 11, "6-20", "<i>pa</i>@x")
    message = digest(digest_payload(overdue_by_adviser=[{"adviser": "<i>pa</i>@x", "items": [hostile]}]))
    markup = message.html or ""
    assert "<script>" not in markup
    assert "<b>Join" not in markup
    assert "<i>pa" not in markup
    page = visible(markup)
    assert 'A&"B (<script>x</script>)' in page
    assert "<b>Join</b>" in page
    assert "<i>pa</i>@x" in page
    assert "%3Cscript%3Ex%3C%2Fscript%3E" in markup


def test_digest_goes_by_email_only_and_needs_case_refs() -> None:
    with pytest.raises(RenderingError, match="by email"):
        render_digest("teams_channel", "m", digest_payload(), "k", CASE_URL)
    with pytest.raises(RenderingError, match="no case_ref"):
        digest(digest_payload(completed=[{"title": "x"}]))
