"""``checker config check``: validate the settings and try every connection they name, sending nothing.

One line per check, ``<check>: ok`` (with what was found) or ``<check>: FAILED: <what is wrong>. <how to
fix it>``; the work is ``checker.preflight``'s, this module only prints. Exit status 0 when every check
passes, 2 otherwise. No line carries a secret.
"""

from __future__ import annotations

import sys

import click
from pydantic import ValidationError
from pydantic_settings import SettingsError

from checker import literal
from checker.cli.common import EXIT_CANNOT_RUN, reports_failures, settings_problems
from checker.preflight import Check, run_checks
from checker.settings import Settings, secrets_dir, settings_file

SETTINGS_FIX = ("Fix each setting named: an environment variable (CHECKER_ + the path in upper case, levels joined "
                "by __), .env, a file in the secrets directory, or the settings file")


@click.group()
def config() -> None:
    """The settings: `config check` validates them and tries each connection."""


@config.command("check")
@reports_failures
def config_check() -> None:
    """Validate the settings and the profile, then try each source, the state database and every channel
    that is on (SMTP or Graph login, webhook TLS). Nothing is sent, posted or migrated."""
    where = _where()
    try:
        settings = Settings()
    except ValidationError as exc:
        _show(Check("settings", False, f"the settings are not valid: {settings_problems(exc)}. {SETTINGS_FIX}."))
        sys.exit(EXIT_CANNOT_RUN)
    except SettingsError as exc:
        _show(Check("settings", False, f"the settings cannot be read: {exc}. {SETTINGS_FIX}."))
        sys.exit(EXIT_CANNOT_RUN)
    except OSError as exc:
        _show(Check("settings", False, f"the settings cannot be read: {exc.strerror or exc.__class__.__name__} "
                    f"({exc.filename}). Make the file or folder readable by this user, or correct its path."))
        sys.exit(EXIT_CANNOT_RUN)
    _show(Check("settings", True, where))
    results = [_show(check) for check in run_checks(settings)]
    failures = sum(1 for check in results if not check.ok)
    total = len(results) + 1
    if failures:
        literal.echo(f"{failures} of {total} checks FAILED.")
        sys.exit(EXIT_CANNOT_RUN)
    literal.echo(f"All {total} checks passed.")


def _where() -> str:
    file = settings_file()
    folder = secrets_dir()
    return (f"settings file {file}{'' if file.is_file() else ' (none)'}; secrets directory {folder}"
            f"{'' if folder.is_dir() else ' (none)'}")


def _show(check: Check) -> Check:
    if check.ok:
        literal.echo(f"{check.name}: ok" + (f" ({check.detail})" if check.detail else ""))
    else:
        literal.echo(f"{check.name}: FAILED: {check.detail}")
    return check
