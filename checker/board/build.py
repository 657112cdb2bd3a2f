"""Building the board's quarterly report: the HTML page, the CSV files and the PNG charts.

The page is one self-contained file: no script, no link to anything outside it, the charts embedded as
``data:`` PNGs, a print stylesheet; every value is escaped by Jinja2's autoescape. Each table also goes
to ``<name>.csv``, and all of them to ``figures.csv`` in long form (table, row, column, value), which is
what the scheduled email attaches beside the page.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from checker import spreadsheet
from checker.board.charts import charts
from checker.board.figures import Report, gather, long_date
from checker.board.period import Quarter
from checker.profiles import Profile
from checker.rendering.environment import environment

DEFAULT_THRESHOLD = 5
_TEMPLATES = Path(__file__).with_name("templates")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FIGURE = re.compile(r"^(<?(0|[1-9]\d*)%?)$")  # a count, a rate or a suppressed count: right-aligned

DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("Due", "Obligation deadlines (one per young person, obligation and due date) that fell in the period; a "
            "deadline later moved to another date (a corrected release date, a dispute's next stage) counts once, "
            "at its final date."),
    ("Met on time", "Deadlines met on or before their due date."),
    ("Met late", "Deadlines met after their due date but no later than the period's last day."),
    ("Not met by period end", "Deadlines neither met nor ended by the period's last day."),
    ("No longer applied", "Deadlines that stopped applying before they were met (the young person left the "
                          "service, turned 25, or the dispute was withdrawn)."),
    ("On-time rate", "Met on time divided by due less no longer applied."),
    ("Median / 90th percentile working days late", "Of the deadlines met late, the working days from due date to "
                                                   "completion at the middle and at the 90th percentile "
                                                   "(nearest rank)."),
    ("Trend", "The on-time rate, counted the same way, for the period and the three quarters before it."),
    ("Overdue at period end", "Deadlines before the period's last day not met or ended by it, banded by working "
                              "days overdue on that day and by the role that owns them."),
    ("Escalations", "Escalation messages to a manager, senior manager, head of service or the next dispute stage "
                    "told in the period, one per deadline and stage, with how that deadline stands now."),
    ("Disputes", "Dispute stage deadlines due in the period, those resolved by its end, and the median working "
                 "days from the first known stage start to resolution."),
    ("Snoozes and waivers", "Snoozes (the adviser's reminders paused) and waivers (the obligation set aside) "
                            "recorded in the period, by the reason given."),
    ("Acknowledgements", "Reminders an adviser acknowledged (\"I'm on it\") from the link in the message, in the "
                         "period, by obligation."),
    ("Cases rejected", "Young people's records a check could not use at all because of bad data."),
    ("Data errors by field", "Errors in the case data (one per record and field) seen in the period, fixed in it, "
                             "still there at its end, and the median calendar days a fixed one stayed unfixed."),
    ("Monitoring figures", "What a protocol's own monitoring list asks for, counted from the obligations met in "
                           "the period, or not recorded where the case records do not carry it."),
    ("Suppression", "In any figure that breaks one team down, counts from 1 to the threshold less one show as "
                    "\"<threshold\" and rates or days built on them as suppressed, as statistical releases "
                    "about children do."),
)


@dataclass(frozen=True)
class BuiltReport:
    report: Report
    html: str
    csv_files: dict[str, bytes]  # file name -> content, figures.csv included
    png_files: dict[str, bytes]

    @property
    def stem(self) -> str:
        """The attachments' file name: the quarter, and the team in safe characters only."""
        team = f"-{_UNSAFE.sub('_', self.report.team)[:40]}" if self.report.team else ""
        return f"checker-report-{self.report.quarter.label}{team}"

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = [folder / "report.html"]
        written[0].write_text(self.html, encoding="utf-8")
        for name, content in {**self.csv_files, **self.png_files}.items():
            (folder / name).write_bytes(content)
            written.append(folder / name)
        return written


def _csv(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def is_figure(cell: object) -> bool:
    return bool(_FIGURE.match(str(cell)))


def render_html(report: Report, pictures: dict[str, bytes], generated: date) -> str:
    q = report.quarter
    html = environment(_TEMPLATES)  # the rendering's HTML environment: autoescaped, and it cannot be turned off
    html.tests["figure"] = is_figure
    return html.get_template("report.html").render(
        report=report, title=f"Protocol compliance report, {q}", profile_title=report.profile_title,
        period_text=f"{long_date(q.start)} to {long_date(q.end)}",
        scope=f"team {report.team}" if report.team else "the whole service", generated=long_date(generated),
        images={name: base64.b64encode(data).decode("ascii") for name, data in pictures.items()},
        charts=[("on_time_rate.png", "On-time rate by obligation"), ("trend.png", "On-time rate, last four quarters"),
                ("backlog.png", "Overdue at the period's end by working days overdue")],
        definitions=DEFINITIONS)


def build_report(engine: Engine, profile: Profile, quarter: Quarter, *, team: str | None = None,
                 threshold: int = DEFAULT_THRESHOLD, generated: date) -> BuiltReport:
    if threshold < 1:
        raise ValueError("the small-number threshold must be at least 1")
    with engine.connect() as connection:
        report = gather(connection, profile, quarter, team, threshold)
    pictures = charts(report)
    csv_files = {f"{t.name}.csv": _csv(t.columns, t.rows) for t in report.tables}
    long_rows = [(t.name, str(i), column, value) for t in report.tables for i, row in enumerate(t.rows, 1)
                 for column, value in zip(t.columns, row, strict=True)]
    csv_files["figures.csv"] = _csv(("table", "row", "column", "value"), long_rows)
    return BuiltReport(report, render_html(report, pictures, generated), csv_files, pictures)
