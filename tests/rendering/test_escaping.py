"""Everything rendered is escaped, whatever its template: markup in any field is shown, never obeyed.

Every field of every message kind (reminders to an adviser, escalations, disputes at each stage, the
weekly digest, operator alerts, the Teams channel card and the activity feed) is filled with markup
(``hostile``): a link, an image with an event handler, a script breaking out of an attribute, template
syntax, a ``javascript:`` URL, an entity, a Markdown link and an RFC 2047 encoded word. The message must
have exactly the elements and attributes it has with plain values (``benign``), and show each value,
as text, exactly as often. The pages are also opened in Chromium (test_screenshots.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from checker.rendering import RenderingError, bundled_templates_dir
from checker.rendering import render_reminder as reminder
from checker.rendering.environment import UNSAFE_FILTERS, environment
from rendering.hostile import (
    CONTACT,
    DIGEST_ITEM_FIELDS,
    MARKERS,
    PAYLOAD,
    REMINDER_FIELDS,
    Page,
    Value,
    benign,
    emails,
    hostile,
    teams,
)
from rendering.samples import AS_OF, CASE_URL, dispute, overdue

REPOSITORY = Path(__file__).resolve().parents[2]
CASE_PAGE = CASE_URL.removesuffix("{case_ref}")


FIELDS = (*REMINDER_FIELDS, *DIGEST_ITEM_FIELDS, CONTACT, "team2", "group_adviser", "subject", "line1", "line2")
EMAILS = sorted(emails(benign))
TEAMS = sorted(teams(benign))


def shown(text: str, value: Value) -> dict[str, int]:
    """How often each field's value appears in ``text``."""
    return {field: text.count(value(field)) for field in FIELDS}


@pytest.mark.parametrize("kind", EMAILS)
def test_markup_in_any_field_adds_no_element_or_link_to_an_html_email(kind: str) -> None:
    plain, attacked = emails(benign)[kind], emails(hostile)[kind]
    assert plain.html is not None
    assert attacked.html is not None
    before, after = Page(plain.html), Page(attacked.html)
    assert after.elements == before.elements  # not one tag or attribute more: nothing live came from the data
    assert all(url.startswith(CASE_PAGE) for url in after.urls), after.urls
    assert len(after.urls) == len(before.urls)
    assert shown(after.visible, hostile) == shown(before.visible, benign)  # every value shown, as text
    assert sum(shown(after.visible, hostile).values()) > 0


@pytest.mark.parametrize("kind", EMAILS)
def test_the_plain_text_email_shows_every_value_exactly_as_it_is(kind: str) -> None:
    plain, attacked = emails(benign)[kind], emails(hostile)[kind]
    assert shown(attacked.text, hostile) == shown(plain.text, benign)
    assert sum(shown(attacked.text, hostile).values()) > 0
    for escaped in ("&lt;", "&gt;", "&#34;", "&#39;", "&amp;amp;"):  # HTML escaping has no place in plain text
        assert escaped not in attacked.text
    assert "49" not in attacked.text  # template syntax in the data is never evaluated


@pytest.mark.parametrize("kind", EMAILS + TEAMS)
def test_a_subject_shows_the_data_as_one_line_of_text(kind: str) -> None:
    message = {**emails(hostile), **teams(hostile)}[kind]
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert "49" not in message.subject


def card_texts(element: Any, kind: str) -> list[str]:
    """The ``text`` of every element of type ``kind`` in a card."""
    if isinstance(element, list):
        return [t for e in element for t in card_texts(e, kind)]
    if not isinstance(element, dict):
        return []
    found = [element["text"]] if element.get("type") == kind and "text" in element else []
    return found + [t for v in element.values() for t in card_texts(v, kind)]


def card_urls(element: Any) -> list[str]:
    if isinstance(element, list):
        return [u for e in element for u in card_urls(e)]
    if not isinstance(element, dict):
        return []
    found = [element["url"]] if "url" in element else []
    return found + [u for v in element.values() for u in card_urls(v)]


@pytest.mark.parametrize("kind", [k for k in TEAMS if k.startswith("card-")])
def test_markup_in_any_field_is_plain_text_on_a_teams_card(kind: str) -> None:
    plain, attacked = teams(benign)[kind], teams(hostile)[kind]
    runs = " ".join(card_texts(attacked.card, "TextRun"))
    assert shown(runs, hostile) == shown(" ".join(card_texts(plain.card, "TextRun")), benign)
    assert sum(shown(runs, hostile).values()) > 0
    for text in card_texts(attacked.card, "TextBlock"):  # a TextBlock is markdown: data in it is escaped
        bare = re.sub(r"<at>[^<>\s]+</at>", "", text)
        assert not re.search(r"(?<!\\)[\[\]<>*_`]", bare), text
    assert attacked.mentions == ()  # a mention needs a plain address, never markup
    assert all(url.startswith(CASE_PAGE) for url in card_urls(attacked.card))
    assert attacked.link is not None
    assert attacked.link.startswith(CASE_PAGE)


@pytest.mark.parametrize("kind", [k for k in TEAMS if k.startswith("activity-")])
def test_the_activity_feed_links_only_to_the_case(kind: str) -> None:
    attacked = teams(hostile)[kind]
    assert attacked.link is not None
    assert attacked.link.startswith(CASE_PAGE)
    assert "\n" not in attacked.text


# --- the reproduction in the issue ----------------------------------------------------------------------


@pytest.mark.parametrize("ref", ['<a href="https://evil.example/pay">Pay the deposit here</a>',
                                 '<img src=x onerror="alert(document.cookie)">'])
@pytest.mark.parametrize("role", ["adviser", "manager", "head_of_service"])
def test_a_dispute_ref_is_not_markup_in_the_reminder_or_escalation_email(ref: str, role: str) -> None:
    for item in (dispute(ref=ref, role=role), dispute(ref=ref, role=role, dispute_stage=4, escalate_to_stage=None)):
        message = reminder("reminder", "email", "x@council.example", [item], AS_OF, "k", CASE_URL)
        assert message.html is not None
        page = Page(message.html)
        assert not any(tag == "img" for tag, _ in page.elements)
        assert all(url.startswith(CASE_PAGE) for url in page.urls)
        assert f"Dispute {ref} is at stage" in page.visible
        assert f"Dispute {ref} is at stage" in message.text


def test_a_case_link_is_always_the_case_page() -> None:
    message = reminder("reminder", "email", "pa@x", [overdue(case_ref="javascript:alert(1)//")], AS_OF, "k",
                       CASE_URL)
    assert message.html is not None
    assert f'href="{CASE_PAGE}javascript%3Aalert%281%29%2F%2F"' in message.html
    for template in ("javascript:alert('{case_ref}')", "{case_ref}", "data:text/html,{case_ref}"):
        with pytest.raises(RenderingError, match="http:// or https://"):
            reminder("reminder", "email", "pa@x", [overdue()], AS_OF, "k", template)


# --- impossible by construction -------------------------------------------------------------------------


def shipped_templates() -> list[Path]:
    return sorted(p for p in bundled_templates_dir().iterdir() if p.is_file())


@pytest.mark.parametrize("path", shipped_templates(), ids=lambda p: p.name)
def test_no_shipped_template_can_mark_data_as_markup(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for unsafe in UNSAFE_FILTERS:
        assert not re.search(rf"\|\s*{unsafe}\b|filter\s+{unsafe}\b", source), f"{path.name} uses {unsafe}"
    assert not re.search(r"\{%-?\s*autoescape", source), f"{path.name} turns autoescaping off"
    assert "Markup" not in source
    assert "__html__" not in source


def test_no_code_builds_markup_from_data() -> None:
    """Only the ``sentence`` filter makes Markup, from markup the environment escaped itself."""
    users = sorted(str(p.relative_to(REPOSITORY)) for folder in ("checker", "notifiers", "rules")
                   for p in (REPOSITORY / folder).rglob("*.py")
                   if re.search(r"\bMarkup\b|markupsafe|__html__", p.read_text(encoding="utf-8")))
    assert users == ["checker/rendering/environment.py"]


@pytest.mark.parametrize("override", ["<p>{{ items[0].who|safe }}</p>", "<p>{{ items[0].title|urlize }}</p>",
                                      "{% filter safe %}{{ items[0].who }}{% endfilter %}",
                                      "{% autoescape false %}<p>{{ items[0].who }}</p>{% endautoescape %}"])
def test_an_override_cannot_turn_escaping_off(tmp_path: Path, override: str) -> None:
    (tmp_path / "reminder.html").write_text(override, encoding="utf-8")
    with pytest.raises(RenderingError) as caught:
        reminder("reminder", "email", "pa@x", [overdue(case_ref="<script>")], AS_OF, "k", CASE_URL, tmp_path)
    assert str(tmp_path / "reminder.html") in str(caught.value)
    assert "line 1" in str(caught.value)


def test_an_overridden_macro_file_is_escaped_when_html_uses_it(tmp_path: Path) -> None:
    (tmp_path / "_phrases.txt").write_text(
        (bundled_templates_dir() / "_phrases.txt").read_text(encoding="utf-8").replace("Dispute {{ d.ref }}",
                                                                                     "Dispute ref {{ d.ref }}"),
        encoding="utf-8")
    message = reminder("reminder", "email", "pa@x", [dispute(ref="<b>D7</b>")], AS_OF, "k", CASE_URL, tmp_path)
    assert message.html is not None
    assert "Dispute ref &lt;b&gt;D7&lt;/b&gt; is at stage" in message.html
    assert "Dispute ref <b>D7</b> is at stage" in message.text


def test_every_environment_escapes_as_it_should() -> None:
    html, text = environment(None), environment(None, html=False)
    assert html.autoescape is True
    assert text.autoescape is False
    for name in UNSAFE_FILTERS:
        assert name not in html.filters
    assert html.from_string("{{ x|sentence }}").render(x="<i>") == "&lt;i&gt;"
    macro = html.from_string("{% macro m(v) %}<b>{{ v }}</b>{% endmacro %}{{ m(x)|sentence }}")
    assert macro.render(x="<i>") == "<b>&lt;i&gt;</b>"  # a macro's escaped output is not escaped twice


def test_text_mail_is_not_html_escaped() -> None:
    message = reminder("reminder", "email", "pa@x", [dispute(ref="D7 & <D8>", title='Tom & "Jerry"')], AS_OF,
                       "k", CASE_URL)
    assert "Dispute D7 & <D8> is at stage" in message.text
    assert 'Tom & "Jerry"' in message.text
    assert "&amp;" not in message.text
    assert message.html is not None
    assert "Dispute D7 &amp; &lt;D8&gt; is at stage" in message.html


def test_the_payload_holds_every_kind_of_markup() -> None:
    assert all(marker in PAYLOAD for marker in MARKERS)
