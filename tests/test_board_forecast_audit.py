"""``checker forecast`` (what falls due per week and adviser) and ``checker audit export`` (every ledger event in a
period), run as a manager or an inspector runs them."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.board_fixture import make_history
from support.caseload import custody_case, write_csv
from support.history import history_settings

from checker.app import App
from checker.cli import main
from checker.sources import CsvSource

MONDAY = date(2026, 11, 23)


def forecast_state(tmp_path: Path) -> str:
    """One check on Monday 23 Nov 2026; each pre-release review is due three months before release."""
    rows = [
        custody_case("F1", "2027-02-25", "pa.one@example.org"),   # due Wed 25 Nov: week of 23 Nov
        custody_case("F2", "2027-02-26", "pa.two@example.org"),   # due Thu 26 Nov: week of 23 Nov
        custody_case("F3", "2027-03-02", "pa.one@example.org"),   # due Wed 2 Dec: week of 30 Nov
        custody_case("F4", "2027-03-03", "pa.one@example.org"),   # due Thu 3 Dec: week of 30 Nov
        custody_case("F5", "2027-03-22", "pa.one@example.org"),   # due Tue 22 Dec: the fifth week
        custody_case("F6", "2027-02-16", "pa.one@example.org"),   # due 16 Nov: overdue, not "becomes due"
        custody_case("F7", "2027-03-04", "pa.two@example.org", release_review_invited_on="2026-11-20"),  # met
        custody_case("F8", "2027-03-01", "pa.three@example.org", team="South"),  # due Tue 1 Dec
    ]
    app = App.from_settings(history_settings(tmp_path))
    app.tick(CsvSource(write_csv(tmp_path / "cases.csv", rows))).plan(MONDAY, datetime(2026, 11, 23, 7, tzinfo=UTC),
                                                                      digests=False)
    app.engine.dispose()
    return f"sqlite:///{tmp_path / 'state.sqlite'}"


def run(*arguments: str) -> str:
    result = CliRunner().invoke(main, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def test_forecast_per_week_and_adviser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKER_STATE_URL", forecast_state(tmp_path))
    three = json.loads(run("forecast", "--weeks", "3", "--as-of", "2026-11-23", "--format", "json"))
    assert three == [
        {"week_starting": "2026-11-23", "adviser": "pa.one@example.org", "team": "North", "due": 1},
        {"week_starting": "2026-11-23", "adviser": "pa.two@example.org", "team": "North", "due": 1},
        {"week_starting": "2026-11-30", "adviser": "pa.one@example.org", "team": "North", "due": 2},
        {"week_starting": "2026-11-30", "adviser": "pa.three@example.org", "team": "South", "due": 1},
    ]
    five = list(csv.DictReader(io.StringIO(run("forecast", "--weeks", "5", "--as-of", "2026-11-25",
                                               "--team", "North", "--format", "csv"))))
    assert [(r["week_starting"], r["adviser"], r["due"]) for r in five] == [
        ("2026-11-23", "pa.one@example.org", "1"),  # from Wednesday 25th on: F2 on the 26th, F1 due that day
        ("2026-11-23", "pa.two@example.org", "1"),
        ("2026-11-30", "pa.one@example.org", "2"),
        ("2026-12-21", "pa.one@example.org", "1"),
    ]
    table = run("forecast", "--weeks", "3", "--as-of", "2026-11-23")
    assert "2026-11-30     pa.one@example.org" in table
    assert "5 due in 3 weeks." in table


@pytest.fixture(scope="module")
def history_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("history")
    make_history(folder).engine.dispose()
    return f"sqlite:///{folder / 'state.sqlite'}"


def test_audit_export_of_one_young_person_lists_who_was_told_what_and_when(history_url: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKER_STATE_URL", history_url)
    events = json.loads(run("audit", "export", "--from", "2026-07-01", "--to", "2026-09-30", "--case", "C4",
                            "--format", "json"))
    assert {e["case_ref"] for e in events} == {"C4"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    escalations = [(e["at"][:10], e["recipient"], e["detail"]) for e in events if e["event"] == "escalation sent"]
    # Due Mon 20 Jul; working days overdue: 5 on Mon 27 Jul (the manager), 10 on Mon 3 Aug and 15 on Mon 10 Aug
    # (the manager again, every 5), 20 on Mon 17 Aug (the senior manager), 30 on Tue 1 Sep (Mon 31 Aug is a bank
    # holiday: the senior manager again, every 10), 40 on Tue 15 Sep (the head of service; again at 60, in Oct).
    assert escalations == [("2026-07-27", "tm.north@example.org", "escalated-manager, due 2026-07-20"),
                           ("2026-08-03", "tm.north@example.org", "escalated-manager-repeat-1, due 2026-07-20"),
                           ("2026-08-10", "tm.north@example.org", "escalated-manager-repeat-2, due 2026-07-20"),
                           ("2026-08-17", "sm@example.org", "escalated-senior_manager, due 2026-07-20"),
                           ("2026-09-01", "sm@example.org", "escalated-senior_manager-repeat-1, due 2026-07-20"),
                           ("2026-09-15", "hos@example.org", "escalated-head_of_service, due 2026-07-20")]
    # Due Mon 20 Jul: lead-5 on 13 Jul, due on the 20th, then overdue-0 to overdue-10 (1 to 51 working days late).
    reminders = [e for e in events if e["event"] == "reminder sent"]
    assert [e["detail"].split(",")[0] for e in reminders] == ["lead-5", "due"] + [f"overdue-{k}" for k in range(11)]
    assert {(e["recipient"], e["channel"]) for e in reminders} == {("pa.c4@example.org", "email")}
    assert [(e["at"][:10], e["detail"]) for e in events if e["event"] == "status_changed"] == [
        ("2026-07-21", "pending -> overdue")]


def test_audit_export_of_the_whole_ledger_has_snoozes_waivers_and_alerts(history_url: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHECKER_STATE_URL", history_url)
    rows = list(csv.DictReader(io.StringIO(run("audit", "export", "--from", "2026-07-01", "--to", "2026-09-30")),
                               ))
    assert list(rows[0]) == ["at", "case_ref", "obligation", "ref", "event", "detail", "recipient", "channel", "by"]
    decisions = [(r["at"][:10], r["case_ref"], r["event"], r["detail"], r["by"]) for r in rows
                 if r["event"] in ("snooze", "waive")]
    assert decisions == [("2026-07-01", "C7", "waive", "until 2026-07-31: Release date under review", "tm.south"),
                         ("2026-09-02", "C3", "snooze", "until 2026-09-15: In hospital", "tm.north")]
    alerts = [r for r in rows if r["event"] == "operator sent"]
    assert [r["at"][:10] for r in alerts] == ["2026-08-03"]  # the data error, once that week
    assert alerts[0]["recipient"] == "ops@example.org"
    counted = Counter(r["event"] for r in rows)
    # C4 six times (above); C3 (due Tue 1 Sep) to the manager on 8, 15 and 22 Sep and the senior manager on
    # 29 Sep; D2 to stage 2 once.
    assert counted["escalation sent"] == 11
    assert all(r["at"] >= "2026-07-01" and r["at"] < "2026-10-01" for r in rows)
    refused = CliRunner().invoke(main, ["audit", "export", "--from", "2026-09-30", "--to", "2026-07-01"])
    assert refused.exit_code == 2
