"""Every email within ``delivery.max_message_bytes`` (2 MB by default): over it, the CSV file is zipped, and if
that is still over, cut to its most urgent rows with a note saying how many of how many (docs/go-live.md)."""

from __future__ import annotations

import base64
import io
import json
import random
import zipfile
from datetime import date
from typing import Any

from checker.rendering.budget import email_size, fit
from checker.rendering.summary import render_summary
from checker.settings import DeliverySettings
from notifiers.base import Message
from notifiers.graph_mail import draft_payload
from notifiers.smtp import build_email
from rendering.samples import CASE_URL, overdue

DAY = date(2026, 11, 23)


def backlog(n: int) -> list[dict[str, Any]]:
    """``n`` overdue items with case references that do not repeat (so the CSV compresses as a real one)."""
    rng = random.Random(12)
    return [overdue(case_ref=f"P{rng.randrange(10**9):09d}", obligation=f"ob-{i % 7}",
                    working_days_overdue=1 + (n - i) % 400) for i in range(n)]


def summary(n: int) -> Message:
    return render_summary("hos@example.org", backlog(n), DAY, "k", CASE_URL)


def unzipped(message: Message) -> dict[str, bytes]:
    [attachment] = message.attachments
    assert attachment.filename == "housing-protocol-items-2026-11-23.zip"
    assert attachment.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment.content_base64))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_default_budget_is_2_mb() -> None:
    assert DeliverySettings().max_message_bytes == 2_000_000


def test_the_size_is_the_larger_of_mime_and_graph_json() -> None:
    message = summary(50)
    mime = len(build_email(message, "checker@budget.invalid").as_bytes())
    graph = len(json.dumps(draft_payload(message)).encode("utf-8"))
    assert email_size(message) == max(mime, graph)
    assert email_size(message) > len(message.attachments[0].content_base64)  # the file is counted base64


def test_an_email_within_the_budget_is_left_as_it_is() -> None:
    message = summary(50)
    assert fit(message, 2_000_000, DAY) is message
    assert message.attachments[0].content_type == "text/csv"


def test_over_the_budget_the_csv_is_zipped_whole_and_the_body_says_so() -> None:
    message = summary(20_000)  # about the head of service's summary on a 10,000-case backlog
    assert email_size(message) > 2_000_000
    fitted = fit(message, 2_000_000, DAY)
    assert email_size(fitted) <= 2_000_000
    files = unzipped(fitted)
    assert list(files) == ["housing-protocol-items-2026-11-23.csv"]
    assert files["housing-protocol-items-2026-11-23.csv"] == base64.b64decode(message.attachments[0].content_base64)
    note = "it is compressed (.zip) to keep this email under 2 MB; open it to find the CSV file."
    assert note in fitted.text
    assert note in (fitted.html or "")
    assert (fitted.html or "").rstrip().endswith("</html>")  # the note went inside the body
    assert fit(message, 2_000_000, DAY) == fitted  # the same bytes each time it is rendered


def test_still_over_the_budget_the_csv_keeps_its_most_urgent_rows_and_says_how_many() -> None:
    message = summary(20_000)
    fitted = fit(message, 250_000, DAY)
    size = email_size(fitted)
    assert 200_000 < size <= 250_000  # as many rows as fit, not far fewer
    files = unzipped(fitted)
    original = base64.b64decode(message.attachments[0].content_base64).decode("utf-8-sig").splitlines()
    kept = files["housing-protocol-items-2026-11-23.csv"].decode("utf-8-sig").splitlines()
    assert kept == original[:len(kept)]  # the header and the first (most urgent) rows, unchanged
    rows = len(kept) - 1
    assert 1_000 < rows < 20_000
    assert (f"lists only the {rows:,} most urgent of 20,000 items, to keep this email under 0.25 MB. The checker "
            "operator can give you the full list (checker check --format csv).") in fitted.text
    assert files["NOTE.txt"].decode().startswith(f"This file lists the {rows:,} most urgent of 20,000 items")
    # the first row is the most overdue: the summary lists the most urgent first
    assert original[1].split(",")[6] == "400"
