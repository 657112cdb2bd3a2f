"""The one error rendering raises: a message could not be rendered (bad facts or a broken template)."""

from __future__ import annotations


class RenderingError(Exception):
    """A message could not be rendered. The text names the template (and line) or the missing fact."""
