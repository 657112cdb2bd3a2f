"""Where the bundled configuration lives.

``config/`` is data that ships with the product (architecture: "config/ ships inside the installed
package"). In a wheel it is installed as ``checker/_bundled_config``; in a source checkout or an
editable install it is the repository's ``config/`` folder. An operator points settings at their own
copy to override it.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_config_dir() -> Path:
    """The configuration folder shipped with this installation."""
    for candidate in (_PACKAGE / "_bundled_config", _PACKAGE.parent / "config"):
        if (candidate / "obligations.toml").is_file():
            return candidate
    raise FileNotFoundError(
        "the bundled config/ folder is missing from this installation; reinstall the package"
    )
