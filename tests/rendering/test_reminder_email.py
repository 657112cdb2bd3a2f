"""Reminder and escalation emails: subjects, order, names, escaping, notes, disputes and the footer."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from checker.rendering import RenderingError, render_reminder
from notifiers.base import Message
from rendering.samples import AS_OF, CASE_URL, dispute, escalated, facts, mixed_items, overdue

NAMES = ("Sam", "Khan", "Amy", "Lee", "Dan", "Roe", "Jo", "Bloggs")


def names_in(text: str) -> list[str]:
    return [name for name in NAMES if re.search(rf"\b{name}\b", text)]


def email(items: list[dict[str, Any]], recipient: str = "pa.one@council.example", **options: Any) -> Message:
    return render_reminder("reminder", "email", recipient, items, AS_OF, "reminder:1:email:x", CASE_URL, **options)


def visible(markup: str) -> str:
    """The HTML's text, roughly as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    body = re.sub(r"<title>.*?</title>|<div style=\"display:none[^>]*>.*?</div>", " ", markup, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- subjects -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("items", "subject"), [
    ([facts()], "Due by Tue 1 Dec: join the Part 6 housing register (C1)"),
    ([facts(due_date=AS_OF, working_days_to_go=0, stage="due")], "Due today: join the Part 6 housing register (C1)"),
    ([overdue()], "Overdue: join the Part 6 housing register (C1) — act now"),
    ([overdue(), overdue(case_ref="C2")], "Overdue: 2 housing protocol actions — act now"),
    ([facts(), facts(case_ref="C2", due_date="2026-11-25"), facts(case_ref="C3", due_date="2026-12-08")],
     "3 housing protocol actions due: first by Wed 25 Nov"),
    (mixed_items(), "Overdue: 2 housing protocol actions — act now (2 more due from Wed 25 Nov to Tue 8 Dec)"),
    ([escalated()], "Escalated: join the Part 6 housing register (C1), overdue since Sat 7 Nov 2026"),
    ([escalated(), escalated(case_ref="C2")], "Escalated: 2 housing protocol actions — act now"),
    ([dispute()], "Overdue: dispute D7 (C3) must go to stage 3 — act now"),
    ([dispute(dispute_stage=4, escalate_to_stage=4)], "Overdue: dispute D7 (C3) at stage 4 — resolve now"),
    ([facts(change_note="The due date moved from 2026-10-31 to 2026-12-01.")],
     "Due date changed, now due by Tue 1 Dec: join the Part 6 housing register (C1)"),
    ([facts(due_date="2027-01-04")], "Due by Mon 4 Jan 2027: join the Part 6 housing register (C1)"),
])
def test_subject_says_what_to_do_and_by_when(items: list[dict[str, Any]], subject: str) -> None:
    assert email(items).subject == subject


def test_subjects_never_carry_names_and_are_one_line() -> None:
    cases = [[facts()], [overdue()], mixed_items(), [dispute()], [facts(case_ref="C1\r\nBcc: x@evil")]]
    for items in cases:
        subject = email(items).subject
        assert not names_in(subject), subject
        assert "\n" not in subject
        assert "\r" not in subject


# --- order and content ----------------------------------------------------------------------------------


def test_overdue_first_most_overdue_first_then_due_soonest() -> None:
    message = email(mixed_items())
    order = [m.group(1) for m in re.finditer(r"Open the case: https://cms.example/people/(\w+)", message.text)]
    assert order == ["C1", "C4", "C1", "C2"]
    titles = re.findall(r"^\d\. (.+)$", message.text, flags=re.M)
    assert titles == ["Join the Part 6 housing register", "Join the Part 6 housing register",
                      "Renew the housing register", "Review the pathway plan"]
    assert visible(message.html or "").index("11 working days overdue") < visible(message.html or "").index(
        "3 working days overdue") < visible(message.html or "").index("2 working days to go")


def test_each_item_says_what_by_when_how_late_and_where_the_rule_is() -> None:
    message = email(mixed_items())
    page = visible(message.html or "")
    for text in (message.text, page):
        assert "Join the Part 6 housing register" in text
        assert "Fri 6 Nov 2026" in text
        assert "11 working days overdue" in text
        assert "Tue 8 Dec 2026" in text
        assert "11 working days to go" in text
        assert "Lancashire protocol 000 §7; Kent protocol 002 §7.2" in text
        assert "Monday 23 November 2026" in text
    assert 'href="https://cms.example/people/C4"' in (message.html or "")
    assert "Open case C4" in page


def test_the_advisers_own_email_names_the_young_person() -> None:
    message = email(mixed_items())
    for text in (message.text, visible(message.html or "")):
        assert "Sam Khan (C1)" in text
        assert "Amy Lee (C2)" in text
        assert "Dan Roe (C4)" in text


def test_a_manager_escalation_shows_initials_only_even_if_the_facts_carry_names() -> None:
    leaky = escalated(given_name="Sam", family_name="Khan")
    message = email([leaky, dispute(role="senior_manager", stage="dispute-stage-3")], "manager@council.example")
    for text in (message.subject, message.text, message.html or ""):
        assert not names_in(text), text
    assert "S.K. (C1)" in message.text
    assert "J.B. (C3)" in visible(message.html or "")


def test_a_rerouted_adviser_reminder_shows_initials_and_says_why() -> None:
    note = "No personal adviser is allocated; sent to the team manager."
    message = email([facts(given_name="Sam", family_name="Khan", routing_note=note, adviser_email=None)],
                    "manager@council.example")
    assert "Sam" not in message.text
    assert "Sam" not in (message.html or "")
    assert f"Why this came to you: {note}" in message.text
    assert note in visible(message.html or "")
    assert "you are the personal adviser" not in message.text
    assert "came to you because their usual recipient is not recorded" in message.text


def test_a_due_date_on_a_weekend_is_announced_on_the_last_working_day() -> None:
    friday = render_reminder("reminder", "email", "pa@x", [facts(due_date="2026-11-28", working_days_to_go=0)],
                             "2026-11-27", "k", CASE_URL)
    assert "Last working day before it is due (due Sat 28 Nov 2026)" in friday.text
    assert friday.subject == "Due by Sat 28 Nov: join the Part 6 housing register (C1)"


def test_an_item_without_names_or_initials_shows_the_case_reference() -> None:
    message = email([facts(given_name=None, family_name=None, initials="")])
    assert "\n   C1\n" in message.text


def test_escalation_says_who_owns_it_and_since_when() -> None:
    message = email([escalated()], "manager@council.example")
    assert ("Escalated to you as team manager. The personal adviser (pa.one@council.example) must act; "
            "it has been overdue since Sat 7 Nov 2026 (11 working days overdue).") in message.text
    page = visible(message.html or "")
    assert "to you, as team manager" in page
    assert "The personal adviser (pa.one@council.example)" in page
    assert "Sat 7 Nov 2026 (11 working days overdue)" in page
    unallocated = email([escalated(adviser_email=None)], "manager@council.example")
    # Issue 12 item 6: not "The personal adviser (none allocated) must act", but who must allocate one.
    assert "(none allocated)" not in unallocated.text
    assert ("Escalated to you as team manager. No personal adviser is allocated to this case: the team manager "
            "must allocate one, and see that it is done meanwhile; it has been overdue since Sat 7 Nov 2026") \
        in unallocated.text
    assert "No personal adviser is allocated to this case: the team manager must allocate one" in \
        visible(unallocated.html or "")


def test_dispute_says_its_stage_and_where_it_must_go() -> None:
    message = email([dispute()])
    expected = ("Dispute D7 is at stage 2 (line managers) and was not resolved in time: it must now go to stage 3 "
                "(senior manager lead for housing).")
    assert expected in message.text
    assert expected in visible(message.html or "")
    pending = email([dispute(status="pending", due_date="2026-11-25", working_days_overdue=0, working_days_to_go=2,
                             escalate_to_stage=None, stage="lead-5")])
    assert ("Dispute D7 is at stage 2 (line managers): resolve it by Wed 25 Nov 2026, or it must go to stage 3 "
            "(senior manager lead for housing).") in pending.text
    last = email([dispute(dispute_stage=4, escalate_to_stage=4)])
    assert "stage 4 (head of service), the last stage, and was not resolved in time: resolve it now." in last.text


def test_change_note_is_shown_with_uk_dates() -> None:
    message = email([facts(change_note="The due date moved from 2026-10-31 to 2026-12-15.")])
    expected = "What changed: The due date moved from Sat 31 Oct 2026 to Tue 15 Dec 2026."
    assert expected in message.text
    assert expected in visible(message.html or "")


def test_footer_says_why_and_who_to_contact_without_personal_data() -> None:
    message = email([overdue()], contact="the Leaving Care systems team (lc-systems@council.example)")
    footer = message.text.split("\n--\n", 1)[1]
    assert "Why you got this: you are the personal adviser for this case." in footer
    assert "contact the Leaving Care systems team (lc-systems@council.example)" in footer
    assert not names_in(footer)
    assert "C1" not in footer
    page = visible(message.html or "")
    assert "Why you got this" in page[page.index("Open case C1"):]


# --- escaping -------------------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script>'


def test_data_is_text_in_html_never_markup() -> None:
    item = overdue(case_ref=HOSTILE, given_name='Sam & "Jo"', family_name="<b>Khan</b>",
                   title="Join <i>the</i> register", change_note="<img src=x onerror=alert(1)>",
                   routing_note=None)
    message = email([item])
    markup = message.html or ""
    assert "<script>" not in markup
    assert "<b>Khan" not in markup
    assert "<img" not in markup
    assert "<i>the" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "Sam &amp; &#34;Jo&#34;" in markup
    page = visible(markup)
    assert f'Sam & "Jo" <b>Khan</b> ({HOSTILE})' in page
    assert "Join <i>the</i> register" in page
    assert 'href="https://cms.example/people/%3Cscript%3Ealert%281%29%3C%2Fscript%3E"' in markup


def test_plain_text_shows_data_as_it_is() -> None:
    message = email([overdue(given_name='Sam & "Jo"', case_ref="C&1")])
    assert 'Sam & "Jo" Khan (C&1)' in message.text
    assert "&amp;" not in message.text
    assert "&#34;" not in message.text
    assert "https://cms.example/people/C%261" in message.text


def test_html_is_a_standalone_email_document() -> None:
    markup = email(mixed_items()).html or ""
    assert markup.startswith("<!DOCTYPE html>")
    assert "<script" not in markup.lower()
    assert "<link" not in markup.lower()
    assert "<style" not in markup.lower()
    assert "src=" not in markup  # no external assets


# --- bad input ------------------------------------------------------------------------------------------


def test_bad_input_is_a_clear_rendering_error() -> None:
    with pytest.raises(RenderingError, match="at least one item"):
        email([])
    with pytest.raises(RenderingError, match="no 'title'"):
        email([facts(title=None)])
    with pytest.raises(RenderingError, match="not an ISO date"):
        email([facts(due_date="01/12/2026")])
    with pytest.raises(RenderingError, match="unknown channel"):
        render_reminder("reminder", "fax", "x", [facts()], AS_OF, "k", CASE_URL)
    with pytest.raises(RenderingError, match="not 'digest'"):
        render_reminder("digest", "email", "x", [facts()], AS_OF, "k", CASE_URL)


def test_key_and_recipient_pass_through() -> None:
    message = render_reminder("reminder", "email", "pa@x.example", [facts()], AS_OF, "reminder:7:email:pa", CASE_URL)
    assert message.key == "reminder:7:email:pa"
    assert message.recipient == "pa@x.example"
