"""The report's charts as PNG pictures (matplotlib, Agg backend: no display, no browser, no network).

PNG because every mail client shows it, Outlook included (SVG it does not), and the HTML file embeds
the same bytes as ``data:`` URIs so the page stays one self-contained file. Each chart is built on its
own ``Figure`` (not pyplot's global state), so two reports built at once do not draw on each other.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from checker.board.figures import Report, long_date

_BLUE, _GREY = "#1d70b8", "#b1b4b6"


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _figure(title: str) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(7.0, 3.2))
    axes = figure.add_subplot()
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def rate_chart(rates: Sequence[tuple[str, float | None]], title: str) -> bytes:
    figure, axes = _figure(title)
    names = [name for name, _ in rates] or ["(none due)"]
    values = [100 * (rate or 0.0) for _, rate in rates] or [0.0]
    colours = [_BLUE if rate is not None else _GREY for _, rate in rates] or [_GREY]
    axes.barh(names, values, color=colours)
    axes.set_xlim(0, 100)
    axes.set_xlabel("met on time, % (grey: suppressed or none due)")
    axes.invert_yaxis()
    return _png(figure)


def trend_chart(trend: Sequence[tuple[str, float | None]], title: str) -> bytes:
    figure, axes = _figure(title)
    positions = list(range(len(trend)))
    values = [float("nan") if rate is None else 100 * rate for _, rate in trend]
    axes.plot(positions, values, marker="o", color=_BLUE)
    axes.set_xticks(positions, [label for label, _ in trend])
    if trend:
        axes.set_xlim(-0.5, len(trend) - 0.5)
    axes.set_ylim(0, 100)
    axes.set_ylabel("met on time, %")
    return _png(figure)


def backlog_chart(backlog: Sequence[tuple[str, int]], title: str) -> bytes:
    figure, axes = _figure(title)
    axes.bar([label for label, _ in backlog], [n for _, n in backlog], color=_BLUE)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("working days overdue")
    axes.set_ylabel("obligations")
    return _png(figure)


def charts(report: Report) -> dict[str, bytes]:
    """The report's charts by file name."""
    return {
        "on_time_rate.png": rate_chart(report.rate_by_obligation, f"On-time rate by obligation, {report.quarter}"),
        "trend.png": trend_chart(report.trend, "On-time rate, last four quarters"),
        "backlog.png": backlog_chart(report.backlog, f"Overdue at the end of {long_date(report.quarter.end)}, by age"),
    }
