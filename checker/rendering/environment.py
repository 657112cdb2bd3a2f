"""The Jinja2 environments: the operator's templates first, then the bundled ones; one escaping policy.

- An operator overrides a template by putting a file of the same name in ``templates_dir``; every
  template they do not override comes from ``config/templates/`` (``bundled_templates_dir``).
- Escaping (see docs/architecture.md, "Escaping"): an HTML body is rendered by the HTML environment,
  which autoescapes EVERY template it loads, whatever its extension: a ``.txt`` macro file imported by
  an HTML template (``_phrases.txt``) escapes the data it prints like the HTML around it. A plain-text
  body is rendered by the text environment, which escapes nothing: plain text has no markup, so each
  value is written exactly once, as itself (no ``&amp;`` in a text email).
- Nothing in a template can turn that off: the HTML environment has no ``safe`` or ``urlize`` filter
  (``UNSAFE_FILTERS``) and refuses ``{% autoescape %}`` blocks, so an override using one is an error
  naming its file and line, not a hole.
- ``StrictUndefined``: a misspelt variable in a template is an error, never an empty string. Every
  template error is raised as ``RenderingError`` naming the template file and, where known, its line.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from checker.paths import bundled_config_dir
from checker.rendering.errors import RenderingError

# Filters that mark text as markup: with them a value from the data could become live HTML.
UNSAFE_FILTERS = ("safe", "urlize")


def bundled_templates_dir() -> Path:
    return bundled_config_dir() / "templates"


def sentence(text: str) -> str:
    """The text with its first letter in capitals (Jinja's ``capitalize`` lowers all the rest).

    Already-escaped markup (a macro's output in an HTML template) stays markup: its first character is
    a letter, ``&`` or ``<``, and upper-casing one of those never changes what the markup means.
    """
    if isinstance(text, Markup):
        return Markup(str.upper(text[:1]) + str(text[1:]))  # noqa: S704 - ``text`` is escaped markup already
    return text[:1].upper() + text[1:]


class _HtmlEnvironment(jinja2.Environment):
    """Autoescapes everything; a template that turns autoescaping off does not compile."""

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all(nodes.EvalContextModifier):  # {% autoescape %} blocks
            raise jinja2.TemplateSyntaxError("an HTML template may not turn autoescaping off "
                                             "({% autoescape %}): data must never become markup",
                                             node.lineno, name, filename)
        return tree


@functools.lru_cache(maxsize=16)
def _environment(templates_dir: Path | None, html: bool) -> jinja2.Environment:
    folders = [str(templates_dir)] if templates_dir is not None else []
    folders.append(str(bundled_templates_dir()))
    kind = _HtmlEnvironment if html else jinja2.Environment
    env = kind(
        loader=jinja2.FileSystemLoader(folders, encoding="utf-8"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["sentence"] = sentence
    if html:
        for name in UNSAFE_FILTERS:
            del env.filters[name]
    return env


def environment(templates_dir: Path | None = None, *, html: bool = True) -> jinja2.Environment:
    """The HTML (``html=True``) or plain-text environment for ``templates_dir``; cached per folder."""
    if templates_dir is not None:
        templates_dir = Path(templates_dir).resolve()
        if not templates_dir.is_dir():
            raise RenderingError(f"the templates folder {templates_dir} does not exist")
    return _environment(templates_dir, html)


def _template_line(traceback: TracebackType | None, filename: str | None) -> int | None:
    line = None
    while traceback is not None:
        if filename and traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def render(templates_dir: Path | None, name: str, context: Mapping[str, Any]) -> str:
    """Render template ``name`` with ``context``; any template fault becomes a ``RenderingError``.

    A ``.html`` template is an HTML body (everything escaped); any other is a plain-text body.
    """
    env = environment(templates_dir, html=name.endswith(".html"))
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound as exc:
        missing = exc.name if exc.name and exc.name != name else name
        raise RenderingError(f"template {missing!r} not found in {templates_dir or bundled_templates_dir()}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderingError(f"template {exc.filename or name}, line {exc.lineno}: {exc.message}") from exc
    try:
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:  # an imported template that does not compile
        raise RenderingError(f"template {exc.filename or exc.name}, line {exc.lineno}: {exc.message}") from exc
    except Exception as exc:  # a filter or test can fail with any error: name the template all the same
        line = _template_line(exc.__traceback__, template.filename)
        where = f"{template.filename or name}" + (f", line {line}" if line else "")
        raise RenderingError(f"template {where}: {exc.__class__.__name__}: {exc}") from exc
