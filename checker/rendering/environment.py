"""The Jinja2 environment: the operator's templates first, then the bundled ones.

- An operator overrides a template by putting a file of the same name in ``templates_dir``; every
  template they do not override comes from ``config/templates/`` (``bundled_templates_dir``).
- ``.html`` templates are autoescaped: every value from the data appears as text, never as markup.
  ``.txt`` templates are not escaped (plain text has no markup) and contain no HTML.
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

from checker.paths import bundled_config_dir
from checker.rendering.errors import RenderingError


def bundled_templates_dir() -> Path:
    return bundled_config_dir() / "templates"


def sentence(text: str) -> str:
    """The text with its first letter in capitals (Jinja's ``capitalize`` lowers all the rest)."""
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    folders = [str(templates_dir)] if templates_dir is not None else []
    folders.append(str(bundled_templates_dir()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders, encoding="utf-8"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["sentence"] = sentence
    return env


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """The environment for ``templates_dir`` (or the bundled templates only); cached per folder."""
    if templates_dir is not None:
        templates_dir = Path(templates_dir).resolve()
        if not templates_dir.is_dir():
            raise RenderingError(f"the templates folder {templates_dir} does not exist")
    return _environment(templates_dir)


def _template_line(traceback: TracebackType | None, filename: str | None) -> int | None:
    line = None
    while traceback is not None:
        if filename and traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def render(templates_dir: Path | None, name: str, context: Mapping[str, Any]) -> str:
    """Render template ``name`` with ``context``; any template fault becomes a ``RenderingError``."""
    env = environment(templates_dir)
    try:
        template = env.get_template(name)
    except jinja2.TemplateNotFound:
        raise RenderingError(f"template {name!r} not found in {templates_dir or bundled_templates_dir()}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderingError(f"template {exc.filename or name}, line {exc.lineno}: {exc.message}") from exc
    try:
        return template.render(context)
    except Exception as exc:  # a filter or test can fail with any error: name the template all the same
        line = _template_line(exc.__traceback__, template.filename)
        where = f"{template.filename or name}" + (f", line {line}" if line else "")
        raise RenderingError(f"template {where}: {exc.__class__.__name__}: {exc}") from exc
