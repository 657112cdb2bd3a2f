"""The board's quarterly report: figures counted by hand on a small caseload ticked day by day (see
``support/board_fixture.py`` for every date and why), the same figures from PostgreSQL, the CSV files, the
self-contained HTML page, and small-number suppression."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.board_fixture import make_history

from checker.app import App
from checker.board.build import BuiltReport, build_report, render_html
from checker.board.charts import charts
from checker.board.figures import MONITORING, Report, Table
from checker.board.period import Quarter
from checker.cli import main
from checker.cli.common import today_in_london

Q3 = Quarter(2026, 3)
TODAY = date(2026, 10, 9)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = make_history(tmp_path_factory.mktemp("history"))
    yield app
    app.engine.dispose()


def rows(built: BuiltReport, name: str) -> list[tuple[str, ...]]:
    return [tuple(r) for r in built.report.table(name).rows]


def test_the_quarters_figures_are_the_hand_counted_ones(history: App) -> None:
    built = build_report(history.engine, history.profile, Q3, generated=TODAY)
    cites = {o.id: o.citation for o in history.profile.obligations}  # as the profile cites them
    assert rows(built, "compliance") == [
        # C1, C8 on time; C2 5 working days late; C3, C4 not met by 30 Sep; C7 gone on 15 Jul: 2 of 5 = 40%
        ("custody-release-review", "Invite partners to the pre-release pathway plan review",
         cites["custody-release-review"], "6", "2", "1", "2", "1", "40%", "5", "5"),
        # D1 resolved a day early; D2 never resolved
        ("dispute-escalation", "Resolve the dispute at this stage or escalate it", cites["dispute-escalation"],
         "2", "1", "0", "1", "0", "50%", "", ""),
    ]
    assert rows(built, "teams") == [("North", "7", "3", "1", "3", "0", "43%"),
                                    ("South", "1", "0", "0", "0", "1", "")]
    assert rows(built, "trend") == [
        ("2025Q4", "all obligations", "0", "0", ""), ("2026Q1", "all obligations", "0", "0", ""),
        # Q2: C5 on time, C6 4 working days late
        ("2026Q2", "custody-release-review", "2", "1", "50%"), ("2026Q2", "all obligations", "2", "1", "50%"),
        ("2026Q3", "custody-release-review", "6", "2", "40%"), ("2026Q3", "dispute-escalation", "2", "1", "50%"),
        ("2026Q3", "all obligations", "8", "3", "43%")]
    # On 30 Sep: D2 19 working days overdue; C3 21; C4 51 (31 Aug is a bank holiday).
    assert rows(built, "backlog_age") == [("1-5", "0"), ("6-20", "1"), ("21-60", "2"), ("over 60", "0")]
    assert rows(built, "backlog_owner") == [("adviser", "3")]
    assert rows(built, "escalations") == [
        ("dispute-stage-2", "still open", "1"),             # D2 on 4 Sep
        ("escalated-head_of_service", "met", "1"),          # C4 on 15 Sep, invited 5 Oct
        ("escalated-manager", "met", "1"),                  # C4 on 27 Jul
        ("escalated-manager", "still open", "1"),           # C3 on 8 Sep
        ("escalated-senior_manager", "met", "1"),           # C4 on 17 Aug
        ("escalated-senior_manager", "still open", "1"),    # C3 on 29 Sep
    ]
    assert rows(built, "disputes") == [("1", "2", "1", "1")]
    assert rows(built, "snoozes_waivers") == [("snooze", "In hospital", "1"),
                                              ("waive", "Release date under review", "1")]
    assert rows(built, "acknowledgements") == [("all obligations", "0")]  # none acknowledged in the fixture
    assert rows(built, "data_quality_cases") == [("most rejected by one check in the period", "1"),
                                                 ("rejected by the period's last check", "0")]
    assert rows(built, "data_errors") == [("date_of_birth", "1", "1", "0", "7")]  # 3 Aug to 10 Aug
    switched_on = {o.id for o in history.profile.obligations}
    assert [value for _, _, value in rows(built, "monitoring")] == [  # none of these was met in the fixture
        "0" if switched_on & set(obligations) else "not recorded" for _, _, obligations in MONITORING]
    assert rows(built, "monitoring")[0][2] == "not recorded"  # no case record carries an accommodation type
    assert built.report.summary == [
        "8 obligation deadlines of the service fell due in 2026Q3: 3 met on time, 1 met late, 3 not met by "
        "30 September 2026, 1 no longer applied.",
        "3 were overdue at the end of the period."]


def test_breakdowns_below_team_level_suppress_small_numbers(history: App) -> None:
    built = build_report(history.engine, history.profile, Q3, generated=TODAY)
    assert rows(built, "compliance_by_team") == [
        ("North", "custody-release-review", "5", "<5", "<5", "<5", "0", "suppressed", "suppressed", "suppressed"),
        ("South", "custody-release-review", "<5", "0", "0", "0", "<5", "", "", ""),
        ("North", "dispute-escalation", "<5", "<5", "0", "<5", "0", "suppressed", "", ""),
    ]
    north = build_report(history.engine, history.profile, Q3, team="North", generated=TODAY)
    assert rows(north, "compliance")[0][3:] == ("5", "<5", "<5", "<5", "0", "suppressed", "suppressed", "suppressed")
    assert rows(north, "backlog_age") == [("1-5", "0"), ("6-20", "<5"), ("21-60", "<5"), ("over 60", "0")]
    assert north.report.rate_by_obligation == [("custody-release-review", None), ("dispute-escalation", None)]
    assert north.report.summary[0].startswith("7 obligation deadlines of team North")  # a team's total is shown
    lower = build_report(history.engine, history.profile, Q3, team="North", threshold=2, generated=TODAY)
    assert rows(lower, "compliance")[0][3:9] == ("5", "2", "<2", "2", "0", "40%")


@pytest.mark.postgres
def test_postgresql_gives_the_same_figures(history: App, fresh_postgres_url: str, tmp_path: Path) -> None:
    on_postgres = make_history(tmp_path, fresh_postgres_url)
    try:
        for team in (None, "North"):
            expected = build_report(history.engine, history.profile, Q3, team=team, generated=TODAY).report.tables
            assert build_report(on_postgres.engine, on_postgres.profile, Q3, team=team,
                                generated=TODAY).report.tables == expected
    finally:
        on_postgres.engine.dispose()


def test_checker_report_writes_the_page_the_csv_files_and_the_charts(history: App, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKER_STATE_URL", str(history.engine.url))
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["report", "--period", "2026Q3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "8 obligation deadlines" in result.output
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "figures.csv", "compliance.csv", "teams.csv", "trend.csv", "backlog_age.csv",
            "escalations.csv", "disputes.csv", "snoozes_waivers.csv", "data_errors.csv", "monitoring.csv",
            "on_time_rate.png", "trend.png", "backlog.png"} <= names
    with (out / "compliance.csv").open(newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[1][:9] == ["custody-release-review", "Invite partners to the pre-release pathway plan review",
                            "000 §14", "6", "2", "1", "2", "1", "40%"]
    for name in ("on_time_rate.png", "trend.png", "backlog.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page), "the page must not load anything"
    assert page.count('src="data:image/png;base64,') == 3
    assert page.count("<table>") == len([t for t in history_tables(history) if t.rows])
    assert "@media print" in page
    assert "Appendix: what each figure means" in page
    bad = CliRunner().invoke(main, ["report", "--period", "2026Q5", "--out", str(out)])
    assert bad.exit_code == 2
    assert "'2026Q5' is not a quarter" in bad.output


def test_a_quarter_still_in_progress_is_refused(tmp_path: Path) -> None:
    # Its deadlines still to come would count as "not met"; the daemon sends a quarter's report only after it.
    today = today_in_london()
    current = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    result = CliRunner().invoke(main, ["report", "--period", current, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "its report can be made from the next day" in result.output
    assert not (tmp_path / "out").exists()


def history_tables(history: App) -> list[Table]:
    return build_report(history.engine, history.profile, Q3, generated=TODAY).report.tables


def test_every_value_on_the_page_is_escaped() -> None:
    report = Report(Q3, "<b>Team</b>", "Protocol & co", 5,
                    tables=[Table("t", "A <i>title</i>", ("col<umn>",), [("<script>alert(1)</script>",)])],
                    summary=["1 < 2 & \"quoted\""])
    page = render_html(report, charts(report), TODAY)
    assert "<script>" not in page
    assert "<i>" not in page
    assert "<b>Team" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "1 &lt; 2 &amp; &#34;quoted&#34;" in page


def test_the_figures_csv_holds_every_table_cell(history: App) -> None:
    built = build_report(history.engine, history.profile, Q3, generated=TODAY)
    long = list(csv.DictReader(io.StringIO(built.csv_files["figures.csv"].decode("utf-8"))))
    assert len(long) == sum(len(t.rows) * len(t.columns) for t in built.report.tables)
    assert {"table": "compliance", "row": "1", "column": "on-time rate", "value": "40%"} in long


def test_quarters() -> None:
    assert Quarter.parse("2026q3") == Quarter.parse("2026-Q3") == Q3
    assert (Q3.start, Q3.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert [q.label for q in Quarter(2026, 1).last(3)] == ["2025Q3", "2025Q4", "2026Q1"]
    assert Quarter.containing(date(2026, 12, 31)) == Quarter(2026, 4)
    with pytest.raises(ValueError, match="write it like 2026Q3"):
        Quarter.parse("Q3 2026")
