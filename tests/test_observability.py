"""The daemon's observability against real parts: metrics from a real tick, the health endpoints over
real HTTP, readiness from a real state database, and JSON logs that name nobody.

The personal-data test runs a whole tick at DEBUG through the local sink on a caseload of distinctive
names and dates of birth (with bad rows among them) and then looks for every one of them in what was
logged.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.channels import build_channels
from checker.cli.run import run_tick
from checker.health import HealthServer
from checker.logs import CHATTY_LOGGERS, HANDLER_NAME, OWN_LOGGERS, configure_logging
from checker.metrics import Metrics
from checker.settings import DeliverySettings, RoutingSettings, Settings
from checker.sources import CsvSource, SourceError
from checker.state.readiness import readiness
from checker.state.runs import recent_runs
from checker.tick import TickReport

MONDAY = date(2026, 11, 23)
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(hours=30)
# Case refs no metric label or answer may carry.
CASES = [custody_case("CASE-7731", "2026-12-10"), custody_case("CASE-7732", "2027-01-20", adviser="pa.two@example.org"),
         custody_case("CASE-7733", "2026-09-01")]


def settings_for(tmp_path: Path) -> Settings:
    return Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="sink", window="any_time", sink_dir=tmp_path / "outbox"),
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
    )


def tick(app: App, settings: Settings, tmp_path: Path, rows: list[dict[str, str]] = CASES,
         now: datetime = MONDAY_NOON) -> TickReport:
    cases = write_csv(tmp_path / "cases.csv", rows)
    with build_channels(settings, echo=False) as channels:
        return app.tick(CsvSource(cases, None)).run_once(MONDAY, now, app.delivery(channels, clock=lambda: now))


def samples(body: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by name and labels."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


def value(body: bytes, name: str, **labels: str) -> float:
    return samples(body)[(name, frozenset(labels.items()))]


# Metrics


def test_metrics_after_a_real_tick_count_findings_by_obligation_and_status_and_messages_sent(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    report = tick(App.from_settings(settings), settings, tmp_path)
    assert report.delivery.sent > 0
    assert report.by_obligation[("custody-release-review", "overdue")] >= 2
    metrics = Metrics()
    metrics.observe_tick(report, 2.5)
    body, content_type = metrics.exposition()

    assert content_type.startswith("text/plain")
    for (obligation, status), count in report.by_obligation.items():
        assert value(body, "checker_findings", obligation=obligation, status=status) == count
    assert value(body, "checker_messages_sent_total") == report.delivery.sent
    assert value(body, "checker_ticks_total", outcome="ok") == 1
    assert value(body, "checker_ticks_total", outcome="failed") == 0
    assert value(body, "checker_source_rows") == report.cases_read == 3
    assert value(body, "checker_data_errors") == report.data_errors
    assert value(body, "checker_tick_duration_seconds_count") == 1
    assert value(body, "checker_tick_duration_seconds_sum") == 2.5
    assert value(body, "checker_last_tick_success_timestamp_seconds") > 0
    assert b"CASE-77" not in body
    assert b"@" not in body  # no address in any label


def test_findings_of_an_earlier_tick_drop_to_zero_and_delivery_passes_add_up() -> None:
    metrics = Metrics()
    first = TickReport(1, MONDAY, cases_read=2, by_obligation=Counter({("pathway-plan-review", "overdue"): 2}))
    metrics.observe_tick(first, 1.0)
    metrics.observe_tick(TickReport(2, MONDAY, cases_read=2,
                                    by_obligation=Counter({("pathway-plan-review", "met"): 2})), 1.0)
    first.delivery.sent, first.delivery.parked = 3, 1
    metrics.observe_delivery(first.delivery)
    metrics.observe_delivery(first.delivery)
    metrics.tick_failed("aborted")
    metrics.set_leader(True)
    body, _ = metrics.exposition()
    assert value(body, "checker_findings", obligation="pathway-plan-review", status="overdue") == 0
    assert value(body, "checker_findings", obligation="pathway-plan-review", status="met") == 2
    assert value(body, "checker_messages_sent_total") == 6
    assert value(body, "checker_messages_parked_total") == 2
    assert value(body, "checker_ticks_total", outcome="aborted") == 1
    assert value(body, "checker_is_leader") == 1
    with pytest.raises(ValueError, match="'failed' or 'aborted'"):
        metrics.tick_failed("ok")


def test_each_metrics_has_a_registry_of_its_own() -> None:
    one, two = Metrics(), Metrics()
    one.tick_failed("failed")
    assert value(one.exposition()[0], "checker_ticks_total", outcome="failed") == 1
    assert value(two.exposition()[0], "checker_ticks_total", outcome="failed") == 0


# Readiness against a real state database


def test_not_ready_before_any_tick_ready_after_one_and_not_once_it_is_too_old(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    app = App.from_settings(settings)
    assert readiness(app.engine, MONDAY_NOON, MAX_AGE) == (False, "no successful tick yet")

    tick(app, settings, tmp_path)
    ready, reason = readiness(app.engine, MONDAY_NOON + timedelta(hours=29), MAX_AGE)
    assert ready
    assert reason == "the last successful tick finished at 2026-11-23T12:00:00+00:00 (within 30 h)"

    ready, reason = readiness(app.engine, MONDAY_NOON + timedelta(hours=31), MAX_AGE)
    assert not ready
    assert reason == "the last successful tick finished at 2026-11-23T12:00:00+00:00 (older than 30 h)"


def test_a_failed_tick_after_a_good_one_leaves_readiness_to_the_good_one(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    app = App.from_settings(settings)
    tick(app, settings, tmp_path)
    with pytest.raises(SourceError, match=r"missing\.csv"):
        app.tick(CsvSource(tmp_path / "missing.csv", None)).plan(MONDAY, MONDAY_NOON + timedelta(hours=40))
    assert [r.outcome for r in recent_runs(app.engine, 2)] == ["failed", "ok"]
    ready, reason = readiness(app.engine, MONDAY_NOON + timedelta(hours=41), MAX_AGE)
    assert not ready
    assert "2026-11-23T12:00:00+00:00 (older than 30 h)" in reason


def test_not_ready_when_the_database_does_not_answer_or_was_never_migrated(tmp_path: Path) -> None:
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'state.sqlite'}")
    assert readiness(unreachable, MONDAY_NOON, MAX_AGE) == (
        False, "the state database does not answer: OperationalError")
    empty = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    assert readiness(empty, MONDAY_NOON, MAX_AGE) == (False, "the run log cannot be read: OperationalError")


# The HTTP endpoints


class Switch:
    """A readiness check whose answer the test sets (or makes it raise)."""

    def __init__(self) -> None:
        self.answer: tuple[bool, str] | Exception = (False, "no successful tick yet")

    def __call__(self) -> tuple[bool, str]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_endpoints_answer_over_http() -> None:
    switch, metrics = Switch(), Metrics()
    metrics.set_leader(True)
    with HealthServer("127.0.0.1", 0, switch, metrics) as server, \
            httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=5) as client:
        assert server.port > 0
        healthz = client.get("/healthz")
        assert (healthz.status_code, healthz.text) == (200, "ok\n")

        readyz = client.get("/readyz")
        assert (readyz.status_code, readyz.text) == (503, "no successful tick yet\n")
        switch.answer = (True, "the last successful tick finished at 2026-11-23T12:00:00+00:00 (within 30 h)")
        readyz = client.get("/readyz?verbose")
        assert (readyz.status_code, readyz.text) == (200, f"{switch.answer[1]}\n")
        switch.answer = RuntimeError("could not reach postgresql://checker:secret@db/state for CASE-7731")
        readyz = client.get("/readyz")
        assert (readyz.status_code, readyz.text) == (503, "RuntimeError\n")

        scraped = client.get("/metrics")
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        assert value(scraped.content, "checker_is_leader") == 1

        for path in ("/", "/metrics/extra", "/healthz/../secret"):
            assert client.get(path).status_code == 404
        assert "Python" not in healthz.headers.get("server", "")


def test_readyz_and_metrics_from_a_real_tick(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    app = App.from_settings(settings)
    metrics = Metrics()
    metrics.observe_tick(tick(app, settings, tmp_path), 1.0)
    with HealthServer("127.0.0.1", 0, lambda: readiness(app.engine, MONDAY_NOON + timedelta(hours=1), MAX_AGE),
                      metrics) as server:
        base = f"http://127.0.0.1:{server.port}"
        assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
        scraped = httpx.get(f"{base}/metrics", timeout=5).content
    assert value(scraped, "checker_findings", obligation="custody-release-review", status="overdue") >= 2
    assert b"CASE-77" not in scraped


def test_the_server_stops_and_frees_its_port(capsys: pytest.CaptureFixture[str]) -> None:
    server = HealthServer("127.0.0.1", 0, Switch(), Metrics())
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port
    server.start()
    port = server.port
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    server.stop()  # twice is harmless
    assert capsys.readouterr().err == ""  # no access log


# Logs


@pytest.fixture
def json_logs() -> Iterator[None]:
    """Whatever ``configure_logging`` changes is put back afterwards, for the rest of the suite."""
    names = ("", *OWN_LOGGERS, *CHATTY_LOGGERS)
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("json_logs")
def test_logs_are_json_lines_with_the_fields_and_extras_and_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("info")
    configure_logging("DEBUG")
    assert [h.get_name() for h in logging.getLogger().handlers].count(HANDLER_NAME) == 1
    logging.getLogger("checker.daemon").debug("tick %s finished", 7, extra={"run_id": 7, "outcome": "ok"})
    logging.getLogger("sqlalchemy.engine.Engine").info("SELECT ... (a statement and its parameters)")
    logging.getLogger("httpx").info("HTTP Request: GET https://graph.example/v1.0/users")
    logging.getLogger("apscheduler.scheduler").warning("job missed")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["logger"], r["level"]) for r in lines] == [("checker.daemon", "DEBUG"),
                                                           ("apscheduler.scheduler", "WARNING")]
    first = lines[0]
    assert list(first)[:4] == ["timestamp", "level", "logger", "message"]
    assert first["message"] == "tick 7 finished"
    assert (first["run_id"], first["outcome"]) == (7, "ok")
    assert datetime.fromisoformat(first["timestamp"]).utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("chatty")


GIVEN = ("Ottoline", "Peregrine", "Xanthippe", "Bartholomew", "Wilhelmina", "Cosimo", "Araminta")
FAMILY = ("Featherstonehaugh", "Quillfeather", "Abernethy-Oyelaran", "Vantongeren", "Marchbanks", "Zielinska",
          "Thistlewood")
BORN = (date(2006, 3, 17), date(2007, 8, 29), date(2009, 5, 10), date(2008, 11, 4), date(2005, 12, 31),
        date(2007, 1, 23), date(2006, 6, 14))


def named_caseload() -> list[dict[str, str]]:
    """Seven people who get reminders, and among them bad rows: a repeated case_ref, an unreadable
    date, a bad boolean and a bad email (data errors, each in the operator's alert)."""
    def person(i: int, **row: str) -> dict[str, str]:
        born = BORN[i]
        dob = born.isoformat() if i % 2 else born.strftime("%d/%m/%Y")  # both spellings are read
        return {"given_name": GIVEN[i], "family_name": FAMILY[i], "date_of_birth": dob,
                "adviser_email": f"pa.{i}@example.org", "manager_email": "tm.north@example.org",
                "team": "North", **row}
    in_care = {"looked_after_since": "2015-03-01"}
    return [
        custody_case("P-0", "2026-12-10") | person(0),
        custody_case("P-1", "2027-01-20") | person(1),
        person(2, case_ref="P-2", **in_care),  # the housing register is overdue
        person(3, case_ref="P-3", **in_care, in_custody="perhaps"),  # a bad boolean: still evaluated
        custody_case("P-4", "31/02/2027") | person(4),  # an unreadable date: rejected
        person(5, case_ref="P-5", **in_care) | {"adviser_email": "not-an-address"},
        person(6, case_ref="P-5", **in_care),  # a repeated case_ref: both rows rejected
    ]


def personal_data(rows: list[dict[str, str]]) -> set[str]:
    found: set[str] = set()
    for row, born in zip(rows, BORN, strict=True):
        found |= {row["given_name"], row["family_name"], f"{row['given_name']} {row['family_name']}",
                  born.isoformat(), born.strftime("%d/%m/%Y")}
    return found


@pytest.mark.usefixtures("json_logs")
def test_a_whole_tick_at_debug_logs_no_name_or_date_of_birth(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("DEBUG")
    settings = settings_for(tmp_path)
    rows = named_caseload()
    cases = write_csv(tmp_path / "cases.csv", rows)
    report = run_tick(App.from_settings(settings), settings, cases, None, None, MONDAY, digests=True, echo=False)
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text

    # The tick did the work that might have leaked: names were read, rendered and delivered.
    assert report.data_errors >= 3
    assert report.cases_rejected == 3  # P-4, and both rows of P-5
    assert report.delivery.sent >= 4
    delivered = " ".join(str(message_from_bytes(f.read_bytes(), policy=policy.default).get_body())
                         for f in (tmp_path / "outbox").glob("*.eml"))
    assert "Ottoline" in delivered
    # And the log captured what was logged, as JSON lines.
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert all({"timestamp", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"] == "checker.delivery" and r["level"] == "INFO" for r in records)

    leaked = sorted(value for value in personal_data(rows) if value in logged)
    assert leaked == [], f"personal data in the logs: {leaked}"
