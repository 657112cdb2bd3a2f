"""Every email within a byte budget (``delivery.max_message_bytes``, 2 MB by default; docs/go-live.md).

An email's size is measured as the transports carry it: the larger of its MIME form (SMTP, the sink) and
the JSON of its Graph draft, attachments base64-encoded in both. Graph takes a file attached in the
request that creates the draft only under 3 MB, and the request itself only up to about 4 MB; Exchange
Online's default limit for a whole message is 35 MB, and relays often take 10 to 25 MB. The bodies are
small (every message lists at most ``delivery.max_items_per_message`` items); only a CSV file attached
with every item can grow with the caseload: the head of service's go-live summary on a 10,000-case
backlog was 3 MB. So, when an email is over the budget:

1. each CSV file is attached compressed, as a ``.zip`` holding it (a CSV of items shrinks about
   tenfold), and the body says so;
2. if that is still over, the CSV keeps its most urgent rows (the files list the most urgent first) as
   many as fit, and the body and a ``NOTE.txt`` in the zip say how many of how many, and where the full
   list comes from (the operator's ``checker check --format csv``).

The note is added at the end of the plain text and before the HTML's ``</body>``, so an operator's own
templates get it too.
"""

from __future__ import annotations

import base64
import html
import io
import json
import zipfile
from dataclasses import replace
from datetime import date

from notifiers.base import Attachment, DeliveryError, Message
from notifiers.graph_mail import draft_payload
from notifiers.smtp import build_email

SENDER = "checker@budget.invalid"  # a stand-in sender of the usual length, for measuring only
DEFAULT_BUDGET = 2_000_000


def email_size(message: Message) -> int:
    """Bytes of ``message`` as the email transports carry it: the larger of MIME and the Graph draft's JSON."""
    try:
        mime = len(build_email(message, SENDER).as_bytes())
        graph = len(json.dumps(draft_payload(message)).encode("utf-8"))
    except DeliveryError:  # not expressible as email: delivery refuses it with the reason
        return 0
    return max(mime, graph)


def _csv_rows(attachment: Attachment) -> tuple[bytes, list[bytes]]:
    """(header line, data lines) of a CSV attachment; the product's CSVs hold one line per row."""
    data = base64.b64decode(attachment.content_base64)
    header, _, rest = data.partition(b"\n")
    return header + b"\n", [line + b"\n" for line in rest.split(b"\n") if line]


def _zipped(name: str, content: bytes, as_of: date, note: str | None = None) -> bytes:
    out = io.BytesIO()
    stamp = (as_of.year, as_of.month, as_of.day, 0, 0, 0)  # the same bytes each time it is rendered
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(name, stamp), content, compress_type=zipfile.ZIP_DEFLATED)
        if note:
            archive.writestr(zipfile.ZipInfo("NOTE.txt", stamp), note.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _zip_attachment(attachment: Attachment, content: bytes, as_of: date, note: str | None = None) -> Attachment:
    stem = attachment.filename.rsplit(".", 1)[0]
    data = _zipped(attachment.filename, content, as_of, note)
    return Attachment(f"{stem}.zip", "application/zip", base64.b64encode(data).decode("ascii"))


def _with_note(message: Message, attachments: tuple[Attachment, ...], note: str) -> Message:
    text = f"{message.text.rstrip()}\n\n{note}\n"
    markup = message.html
    if markup is not None:
        paragraph = f'<p style="margin:12px 0;font-size:14px;">{html.escape(note)}</p>'
        at = markup.lower().rfind("</body>")
        markup = markup[:at] + paragraph + markup[at:] if at >= 0 else markup + paragraph
    return replace(message, text=text, html=markup, attachments=attachments)


def _megabytes(budget: int) -> str:
    return f"{budget / 1_000_000:g} MB"


def fit(message: Message, budget: int, as_of: date) -> Message:
    """``message`` if it is within ``budget`` bytes; else with its CSV files zipped, and if need be cut."""
    if not message.attachments:
        return message
    # The attachments' base64 alone over the budget: the email is, too (it carries them and more), so the
    # costly measuring of the whole is left out (a go-live summary's CSV at 100,000 cases is such a file).
    if sum(len(a.content_base64) for a in message.attachments) <= budget and email_size(message) <= budget:
        return message
    csvs = [i for i, a in enumerate(message.attachments) if a.content_type == "text/csv"]
    if not csvs:
        return message
    zipped = list(message.attachments)
    for i in csvs:
        zipped[i] = _zip_attachment(message.attachments[i], base64.b64decode(message.attachments[i].content_base64),
                                    as_of)
    note = (f"About the attached file: it is compressed (.zip) to keep this email under {_megabytes(budget)}; "
            "open it to find the CSV file.")
    fitted = _with_note(message, tuple(zipped), note)
    if email_size(fitted) <= budget:
        return fitted
    return _cut(message, csvs, budget, as_of)


def _cut(message: Message, csvs: list[int], budget: int, as_of: date) -> Message:
    """The CSV files keep the same share of their most urgent rows, the largest share that fits (found by
    halving: about 20 tries of compressing, for a file of a million rows)."""
    parts = {i: _csv_rows(message.attachments[i]) for i in csvs}
    total = sum(len(rows) for _, rows in parts.values())

    def attempt(share: int) -> Message:
        attachments, kept = list(message.attachments), 0
        for i, (header, rows) in parts.items():
            keep = rows[:len(rows) * share // total]
            kept += len(keep)
            note = (f"This file lists the {len(keep):,} most urgent of {len(rows):,} items: all of them would make "
                    f"the email larger than {_megabytes(budget)}, more than email can be relied on to carry. "
                    "The checker operator can give you the full list (checker check --format csv).\n")
            attachments[i] = _zip_attachment(message.attachments[i], header + b"".join(keep), as_of, note)
        note = (f"About the attached file: it is compressed (.zip) and lists only the {kept:,} most urgent of "
                f"{total:,} items, to keep this email under {_megabytes(budget)}. The checker operator can give "
                "you the full list (checker check --format csv).")
        return _with_note(message, tuple(attachments), note)

    low, high = 0, total  # the most rows that fit: at least none (the bodies alone are small)
    best = attempt(0)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = attempt(middle)
        if email_size(candidate) <= budget:
            low, best = middle, candidate
        else:
            high = middle - 1
    return best
