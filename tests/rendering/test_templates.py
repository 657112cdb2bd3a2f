"""Templates: bundled in config/templates, overridable file by file, autoescaped HTML, strict variables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.paths import bundled_config_dir
from checker.rendering import RenderingError, bundled_templates_dir, render_digest, render_reminder
from checker.rendering.environment import environment
from rendering.samples import AS_OF, CASE_URL, digest_payload, overdue

TEMPLATES = ("reminder.html", "reminder.txt", "digest.html", "digest.txt", "operator_alert.html",
             "operator_alert.txt")


def test_templates_are_bundled_with_the_configuration() -> None:
    folder = bundled_templates_dir()
    assert folder == bundled_config_dir() / "templates"
    for name in TEMPLATES:
        assert (folder / name).is_file(), name


@pytest.mark.parametrize("path", sorted(bundled_templates_dir().glob("*.txt")), ids=lambda p: p.name)
def test_plain_text_templates_contain_no_html(path: Path) -> None:
    assert not re.search(r"</?[a-zA-Z][^>]*>|&[a-z]+;", path.read_text(encoding="utf-8"))


def test_html_is_autoescaped_whatever_the_template_and_text_is_not() -> None:
    html, text = environment(None), environment(None, html=False)
    assert html.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert html.get_template("_ui.html").module.badge("<b>", "#000", "#fff").count("&lt;b&gt;") == 1
    owner = html.get_template("_phrases.txt").module.owner  # a .txt macro file, used from HTML
    assert "a&lt;b&gt;@x" in owner({"owner_role": "personal adviser", "adviser_email": "a<b>@x"})
    assert text.from_string("{{ x }}").render(x="<b> & c") == "<b> & c"
    assert "(a<b>@x)" in text.get_template("_phrases.txt").module.owner(
        {"owner_role": "personal adviser", "adviser_email": "a<b>@x"})


def test_an_operator_overrides_one_template_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt").write_text(
        "LOCAL: {% for item in items %}{{ item.who }} {{ item.title }} by {{ item.due }}; {% endfor %}\n",
        encoding="utf-8")
    message = render_reminder("reminder", "email", "pa@x", [overdue()], AS_OF, "k", CASE_URL, tmp_path)
    assert message.text == "LOCAL: Sam Khan (C1) Join the Part 6 housing register by Fri 6 Nov 2026; "
    assert message.html is not None
    assert "Open case C1" in message.html


def test_an_overridden_layout_applies_to_every_html_email(tmp_path: Path) -> None:
    (tmp_path / "_layout.html").write_text(
        "<html><body><h1>Council header</h1>{% block heading %}{% endblock %}{% block content %}{% endblock %}"
        "{% block footer %}{% endblock %}</body></html>", encoding="utf-8")
    reminder = render_reminder("reminder", "email", "pa@x", [overdue()], AS_OF, "k", CASE_URL, tmp_path)
    digest = render_digest("email", "m@x", digest_payload(), "k", CASE_URL, tmp_path)
    assert reminder.html is not None
    assert reminder.html.startswith("<html><body><h1>Council header</h1>")
    assert digest.html is not None
    assert digest.html.startswith("<html><body><h1>Council header</h1>")


def test_overrides_are_autoescaped_too(tmp_path: Path) -> None:
    (tmp_path / "reminder.html").write_text("{% for item in items %}<p>{{ item.who }}</p>{% endfor %}",
                                            encoding="utf-8")
    message = render_reminder("reminder", "email", "pa@x", [overdue(case_ref="<script>")], AS_OF, "k", CASE_URL,
                              tmp_path)
    assert message.html == "<p>Sam Khan (&lt;script&gt;)</p>"


def test_a_misspelt_variable_in_an_override_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "reminder.txt").write_text("Hello\n{% for item in items %}\n{{ item.titel }}\n{% endfor %}\n",
                                           encoding="utf-8")
    with pytest.raises(RenderingError) as caught:
        render_reminder("reminder", "email", "pa@x", [overdue()], AS_OF, "k", CASE_URL, tmp_path)
    text = str(caught.value)
    assert str(tmp_path / "reminder.txt") in text
    assert "line 3" in text
    assert "titel" in text
    assert "UndefinedError" in text


def test_a_misspelt_top_level_variable_is_an_error_not_an_empty_string(tmp_path: Path) -> None:
    (tmp_path / "digest.txt").write_text("{{ totl }} overdue\n", encoding="utf-8")
    with pytest.raises(RenderingError, match=r"digest\.txt, line 1: UndefinedError: 'totl' is undefined"):
        render_digest("email", "m@x", digest_payload(), "k", CASE_URL, tmp_path)


def test_a_syntax_error_in_an_override_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "reminder.html").write_text("<p>\n{% for item in items %}\n{{ item.who }}\n", encoding="utf-8")
    with pytest.raises(RenderingError, match=r"reminder\.html, line \d+: Unexpected end of template"):
        render_reminder("reminder", "email", "pa@x", [overdue()], AS_OF, "k", CASE_URL, tmp_path)


def test_a_missing_templates_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RenderingError, match="does not exist"):
        render_reminder("reminder", "email", "pa@x", [overdue()], AS_OF, "k", CASE_URL, tmp_path / "nope")
