"""The quarterly report as an email, within the same byte budget as every other email.

``delivery.max_message_bytes`` (``checker/rendering/budget.py``) keeps each email small enough for the
transports to carry; the board's email is rendered when it is planned, so it is fitted here. It is made
in the first of these versions that fits:

1. the summary and the charts in the body (inline pictures), the report page and ``figures.csv`` attached;
2. the same, the two files in one ``.zip``;
3. no charts in the body (the report page has them), the two files zipped;
4. no charts, the report page left out, ``figures.csv`` zipped;
5. the summary and the table in the body only.

Each version's last paragraph says what is attached, what was left out to keep the email under the
budget, and that the checker operator can make the whole report (``checker report``).
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from checker.board.build import BuiltReport
from checker.board.figures import long_date
from checker.rendering.budget import DEFAULT_BUDGET, email_size
from checker.rendering.environment import environment
from notifiers.base import Attachment, Message

_TEMPLATES = Path(__file__).with_name("templates")


def _megabytes(budget: int) -> str:
    """'2 MB', '0.2 MB', '0.14 MB': rounded down, so the email is never over what it says."""
    hundredths = budget // 10_000
    return f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0").rstrip(".") + " MB"


def _attach(name: str, data: bytes, kind: str, cid: str | None = None) -> Attachment:
    return Attachment(name, kind, base64.b64encode(data).decode("ascii"), cid)


def _zip(built: BuiltReport, files: dict[str, bytes]) -> Attachment:
    out = io.BytesIO()
    day = built.report.quarter.end
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():  # a fixed time stamp: the same bytes each time it is made
            archive.writestr(zipfile.ZipInfo(name, (day.year, day.month, day.day, 0, 0, 0)), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return _attach(f"{built.stem}.zip", out.getvalue(), "application/zip")


def _versions(built: BuiltReport, budget: int) -> Iterator[tuple[bool, tuple[Attachment, ...], str]]:
    """(charts in the body, attachments, closing paragraph), fullest first."""
    page, figures = f"{built.stem}.html", f"{built.stem}.csv"
    files = {page: built.html.encode("utf-8"), figures: built.csv_files["figures.csv"]}
    under = f"to keep this email under {_megabytes(budget)}"
    team = f" --team {built.report.team}" if built.report.team else ""
    command = f"checker report --period {built.report.quarter.label}{team} --out FOLDER"
    yield True, (_attach(page, files[page], "text/html"), _attach(figures, files[figures], "text/csv")), (
        "The full report is attached: it opens in any browser and prints, and its figures are in the CSV file.")
    both = _zip(built, files)
    yield True, (both,), (f"The full report and its figures are attached in one compressed file ({both.filename}), "
                          f"{under}: the report opens in any browser and prints.")
    yield False, (both,), (f"The charts are not shown here, {under}; they are in the full report, attached with "
                           f"its figures in one compressed file ({both.filename}).")
    only = _zip(built, {figures: files[figures]})
    yield False, (only,), (f"The full report and its charts are left out, {under}; its figures are attached, "
                           f"compressed ({only.filename}). The checker operator can make the full report "
                           f"({command}).")
    yield False, (), (f"The full report, its charts and its figures are left out, {under}. The checker operator "
                      f"can make them ({command}).")


def report_email(built: BuiltReport, key: str, recipient: str, budget: int = DEFAULT_BUDGET) -> Message:
    """The report's email to ``recipient``: the fullest version within ``budget`` bytes (see the docstring)."""
    report = built.report
    label = report.quarter.label
    overall = next((r for r in report.table("trend").rows if r[0] == label and r[1] == "all obligations"), None)
    rate = f": {overall[4]} of deadlines met on time" if overall and overall[4] else ""
    subject = f"Protocol compliance report {report.quarter}{rate}"
    cids = {name: f"{name.removesuffix('.png')}.{label}@checker" for name in built.png_files}
    template = environment(_TEMPLATES).get_template("email.html")

    def made(charts: bool, files: tuple[Attachment, ...], closing: str) -> Message:
        pictures = cids if charts else {}
        html = template.render(report=report, pictures=pictures, compliance=report.table("compliance"),
                               closing=closing)
        text = "\n".join([f"Protocol compliance report, {report.quarter} ({long_date(report.quarter.start)} to "
                          f"{long_date(report.quarter.end)})", "", *report.summary, "", closing])
        inline = tuple(_attach(name, data, "image/png", pictures[name]) for name, data in built.png_files.items()
                       if name in pictures)
        return Message(key=key, recipient=recipient, subject=subject, text=text, html=html,
                       attachments=(*files, *inline))

    *fuller, last = _versions(built, budget)
    for version in fuller:
        message = made(*version)
        if email_size(message) <= budget:
            return message
    return made(*last)
