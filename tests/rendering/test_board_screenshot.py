"""The board's report as a person sees it: headless Chromium renders the page; the charts show, the tables are
there, and it prints. The page, its screenshot and its PDF are kept in ``artifacts/screenshots/``."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from support.board_fixture import make_history

from checker.board.build import build_report
from checker.board.period import Quarter
from rendering.test_screenshots import CHROMIUM_FLAGS, artifacts, chromium, png_pixels, visible_text

__all__ = ["artifacts", "chromium"]  # the fixtures, shared with the emails' screenshots
pytestmark = pytest.mark.slow
BLUE = bytes((0x1D, 0x70, 0xB8))  # the charts' bars and line (checker/board/charts.py)
WIDTH, HEIGHT = 1000, 5200


def browse(chromium: str, profile: Path, *arguments: str) -> str:
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           f"--window-size={WIDTH},{HEIGHT}", *arguments],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def blue_pixels(png: Path) -> int:
    width, _height, rows = png_pixels(png.read_bytes())
    channels = len(rows[0]) // width
    return sum(1 for row in rows for x in range(0, len(row), channels) if row[x:x + 3] == BLUE)


def test_the_report_page_shows_its_charts_and_tables_and_prints(chromium: str, artifacts: Path,
                                                                tmp_path: Path) -> None:
    app = make_history(tmp_path)
    try:
        built = build_report(app.engine, app.profile, Quarter(2026, 3), generated=date(2026, 10, 9))
    finally:
        app.engine.dispose()
    page = artifacts / "board-report.html"
    page.write_text(built.html, encoding="utf-8")
    shot, pdf = artifacts / "board-report.png", artifacts / "board-report.pdf"
    browse(chromium, tmp_path / "profile", f"--screenshot={shot}", page.as_uri())
    browse(chromium, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    dom = browse(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())

    # Charts visible: the page with its pictures has far more of their blue than the page without them.
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"<figure>.*?</figure>", "", built.html, flags=re.S), encoding="utf-8")
    bare_shot = tmp_path / "bare.png"
    browse(chromium, tmp_path / "profile", f"--screenshot={bare_shot}", bare.as_uri())
    assert blue_pixels(shot) > blue_pixels(bare_shot) + 20_000

    assert dom.count("<table>") == sum(1 for t in built.report.tables if t.rows)
    assert dom.count("<img ") == 3
    text = visible_text(dom)
    for expected in ("Protocol compliance report, 2026Q3", "1 July 2026 to 30 September 2026",
                     "Obligations due in 2026Q3, by obligation",
                     "Invite partners to the pre-release pathway plan review",
                     "40%", "Escalations told in the period", "not recorded", "Appendix: what each figure means"):
        assert expected in text, expected
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000
