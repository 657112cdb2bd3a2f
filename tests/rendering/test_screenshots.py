"""Look at the emails as a person will: headless Chromium renders them, we check the picture and the text.

The HTML and PNG files are kept in ``artifacts/screenshots/`` at the repository root (git-ignored; CI
keeps the folder as an artefact) so a person can open them. Without Chromium these tests skip on a
developer's machine and fail under CI (``CI`` set).
"""

from __future__ import annotations

import html
import re
import struct
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import chromium_path

from checker.rendering import render_digest, render_reminder
from rendering.hostile import PAYLOAD, Page, benign, emails, hostile
from rendering.samples import AS_OF, CASE_URL, digest_payload, dispute, escalated, facts, overdue

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WIDTH, HEIGHT = 900, 1400
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium() -> str:
    return chromium_path()


@pytest.fixture(scope="module")
def artifacts() -> Iterator[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def run_chromium(chromium: str, profile: Path, *arguments: str) -> str:
    completed = subprocess.run(  # a dbus error line on stderr is harmless
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *arguments],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def visible_text(dom: str) -> str:
    body = re.sub(r"<head>.*?</head>|<div style=\"display:none[^>]*>.*?</div>", " ", dom, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- a PNG reader, enough to tell a picture from a blank page (stdlib only) --------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of pixels) of an 8-bit RGB or RGBA PNG, unfiltered."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, header, compressed = 8, b"", b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        chunk = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            compressed += chunk
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour in (2, 6), interlace) == (8, True, 0), "only 8-bit RGB(A), non-interlaced PNGs"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(compressed)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for x in range(stride):
            left = row[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                row[x] = (row[x] + left) & 0xFF
            elif kind == 2:
                row[x] = (row[x] + up) & 0xFF
            elif kind == 3:
                row[x] = (row[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                nearest = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                row[x] = (row[x] + nearest) & 0xFF
        rows.append(bytes(row))
        previous = row
    return width, height, rows


def assert_not_blank(png: Path) -> None:
    data = png.read_bytes()
    assert len(data) > 20_000, f"{png} is only {len(data)} bytes"
    width, height, rows = png_pixels(data)
    assert (width, height) == (WIDTH, HEIGHT)
    channels = len(rows[0]) // width
    colours = {row[x:x + 3] for row in rows[::7] for x in range(0, len(row), channels * 5)}
    assert len(colours) > 50, f"{png} has only {len(colours)} colours: blank?"
    background = rows[5][:3]
    sampled = [row[x:x + 3] for row in rows[::7] for x in range(0, len(row), channels * 5)]
    painted = sum(1 for pixel in sampled if pixel != background) / len(sampled)
    assert painted > 0.2, f"only {painted:.0%} of {png} differs from the background"


def shoot(chromium: str, artifacts: Path, tmp_path: Path, name: str, markup: str) -> tuple[Path, str]:
    page = artifacts / f"{name}.html"
    page.write_text(markup, encoding="utf-8")
    png = artifacts / f"{name}.png"
    png.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path / "profile", f"--screenshot={png}", page.as_uri())
    assert png.is_file(), "Chromium wrote no screenshot"
    dom = run_chromium(chromium, tmp_path / "profile", "--dump-dom", page.as_uri())
    return png, visible_text(dom)


# --- the emails -----------------------------------------------------------------------------------------


def test_adviser_reminder_email_looks_right(chromium: str, artifacts: Path, tmp_path: Path) -> None:
    items = [
        overdue(),
        dispute(),
        facts(case_ref="C2", given_name="Amy", family_name="Lee", initials="A.L.", due_date="2026-11-25",
              working_days_to_go=2, stage="lead-5", obligation="pathway-plan-review",
              title="Review the pathway plan", citation="000 §7, 002 §7.2",
              change_note="The due date moved from 2026-10-31 to 2026-11-25."),
    ]
    message = render_reminder("reminder", "email", "pa.one@council.example", items, AS_OF, "k", CASE_URL,
                              contact="the Leaving Care systems team")
    png, text = shoot(chromium, artifacts, tmp_path, "reminder-adviser", message.html or "")
    assert_not_blank(png)
    for expected in ("Sam Khan (C1)", "Jo Bloggs (C3)", "Amy Lee (C2)", "Fri 6 Nov 2026", "Fri 20 Nov 2026",
                     "Wed 25 Nov 2026", "11 working days overdue", "2 working days to go", "Open case C1",
                     "must now go to stage 3", "What changed:", "Lancashire protocol 000 §7"):
        assert expected in text, expected


def test_manager_escalation_email_looks_right(chromium: str, artifacts: Path, tmp_path: Path) -> None:
    items = [escalated(), escalated(case_ref="C8", initials="R.T.", due_date="2026-10-09", working_days_overdue=31,
                                    title="Review the pathway plan", obligation="pathway-plan-review"),
             facts(case_ref="C5", given_name=None, family_name=None, initials="M.O.",
                   routing_note="No personal adviser is allocated; sent to the team manager.", adviser_email=None)]
    message = render_reminder("reminder", "email", "manager@council.example", items, AS_OF, "k", CASE_URL)
    png, text = shoot(chromium, artifacts, tmp_path, "reminder-manager", message.html or "")
    assert_not_blank(png)
    for expected in ("R.T. (C8)", "S.K. (C1)", "M.O. (C5)", "Fri 9 Oct 2026", "31 working days overdue",
                     "Escalated", "Why this came to you:"):
        assert expected in text, expected
    assert "Sam" not in text
    assert "Khan" not in text


def test_weekly_digest_email_looks_right(chromium: str, artifacts: Path, tmp_path: Path) -> None:
    message = render_digest("email", "manager@council.example", digest_payload(), "k", CASE_URL)
    png, text = shoot(chromium, artifacts, tmp_path, "digest", message.html or "")
    assert_not_blank(png)
    for expected in ("S.K. (C1)", "D.R. (C4)", "J.B. (C7)", "C9", "A.L. (C2)", "Fri 6 Nov 2026", "Tue 1 Sep 2026",
                     "Thu 19 Nov 2026", "Working days overdue", "pa.one@council.example",
                     "No personal adviser allocated", "Became overdue since Mon 16 Nov 2026",
                     "Completed since Mon 16 Nov 2026"):
        assert expected in text, expected


# --- markup in the data, as a browser sees it ------------------------------------------------------------

LIVE_ELEMENTS = ("a", "img", "script", "iframe", "object", "embed", "form", "input", "link", "meta", "style", "svg",
                 "base")


def dom(chromium: str, tmp_path: Path, page: Path) -> str:
    """The document as Chromium holds it after loading ``page`` and running whatever scripts it has."""
    return run_chromium(chromium, tmp_path / "profile", "--virtual-time-budget=3000", "--dump-dom", page.as_uri())


@pytest.mark.parametrize("kind", ["reminder-dispute", "reminder-escalation", "reminder-adviser", "digest",
                                  "operator"])
def test_markup_in_the_data_makes_no_element_in_chromium(chromium: str, artifacts: Path, tmp_path: Path,
                                                         kind: str) -> None:
    """Every field holds a link, an image with onerror, a script: the DOM has not one element more."""
    plain, attacked = emails(benign)[kind].html or "", emails(hostile)[kind].html or ""
    (artifacts / f"markup-{kind}.html").write_text(attacked, encoding="utf-8")
    (tmp_path / "plain.html").write_text(plain, encoding="utf-8")
    before = Page(dom(chromium, tmp_path, tmp_path / "plain.html"))
    after_dom = dom(chromium, tmp_path, artifacts / f"markup-{kind}.html")
    after = Page(after_dom)
    for tag in LIVE_ELEMENTS:
        made = sum(1 for t, _ in after.elements if t == tag) - sum(1 for t, _ in before.elements if t == tag)
        assert made == 0, f"{made} <{tag}> element(s) came from the data"
    assert after.elements == before.elements
    assert "pwned" not in after_dom.replace("dataset.pwned", "")  # no event handler or script ran
    assert all(url.startswith(CASE_URL.removesuffix("{case_ref}")) for url in after.urls)
    assert PAYLOAD in after.visible  # the markup is there for a person to read, as text


def test_markup_in_a_dispute_ref_reads_as_text_on_the_screenshot(chromium: str, artifacts: Path,
                                                                 tmp_path: Path) -> None:
    ref = '<a href="https://evil.example/pay">Pay the deposit here</a><img src=x onerror="alert(1)">'
    message = render_reminder("reminder", "email", "pa.one@council.example", [dispute(ref=ref)], AS_OF, "k",
                              CASE_URL)
    png, text = shoot(chromium, artifacts, tmp_path, "reminder-markup-in-dispute-ref", message.html or "")
    assert_not_blank(png)
    assert f"Dispute {ref} is at stage 2" in text


# --- the checker's own check ----------------------------------------------------------------------------


def synthetic_png(width: int, height: int, pixel: bytes, *, stripes: bool = False) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b""
    for y in range(height):
        colour = bytes((y * 37 % 256, y * 91 % 256, y * 13 % 256)) if stripes else pixel
        rows += b"\x00" + colour * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_png_reader_tells_a_blank_page_from_a_picture(tmp_path: Path) -> None:
    width, height, rows = png_pixels(synthetic_png(4, 3, b"\x01\x02\x03", stripes=True))
    assert (width, height) == (4, 3)
    assert rows[2][:3] == bytes((74, 182, 26))
    blank = tmp_path / "blank.png"
    blank.write_bytes(synthetic_png(WIDTH, HEIGHT, b"\xff\xff\xff"))
    with pytest.raises(AssertionError, match="bytes"):
        assert_not_blank(blank)
