"""The go-live summary as a person sees it: the 300-case demo's first tick, one adviser's summary in Chromium.

Kept as ``artifacts/screenshots/go-live-summary.png`` (and ``.html``) for a person to look at.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from click.testing import CliRunner

from checker.cli import main
from rendering.test_screenshots import artifacts, assert_not_blank, chromium, shoot

pytestmark = pytest.mark.slow
__all__ = ["artifacts", "chromium"]  # fixtures, used by name


def test_go_live_summary_email_looks_right(chromium: str, artifacts: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKER_GO_LIVE__SUMMARY", raising=False)  # the shipped default: on
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path / "demo"), "--as-of", "2026-12-02"])
    assert result.exit_code == 0, result.output
    path = sorted((tmp_path / "demo" / "outbox").glob("summary_*_email_pa.*.eml"))[0]
    mail = cast(EmailMessage, message_from_bytes(path.read_bytes(), policy=policy.default))
    markup = cast(EmailMessage, mail.get_body(("html",))).get_content()
    png, text = shoot(chromium, artifacts, tmp_path, "go-live-summary", markup)
    assert_not_blank(png)
    total = re.search(r"tracked: (\d+) housing protocol actions", str(mail["Subject"]))
    assert total is not None
    for expected in ("By action and age", "Most urgent", "Overdue over 20 working days", "Due later",
                     "attached CSV file", "checker snooze CASE_REF OBLIGATION", "Done when",
                     f"{total.group(1)} housing protocol actions for you"):
        assert expected in text, expected
