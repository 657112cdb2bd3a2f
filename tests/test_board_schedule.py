"""The board's scheduled messages: the quarter's report in the first working week after the quarter ends, to
the head of service and the configured list, once; the annual protocol review reminder a month before its
date. Delivered for real: the sink, the local SMTP server, the local Graph server."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import httpx
import pytest
from servers.graph import GraphTestServer
from servers.smtp import PASSWORD, SmtpTestServer
from sqlalchemy import select
from support.board_fixture import make_history
from support.history import history_settings

from checker.app import App
from checker.board.build import build_report
from checker.board.period import Quarter
from checker.board.schedule import plan_board_messages, quarter_to_send, report_email, review_due
from checker.channels import build_channels
from checker.daemon import Daemon
from checker.metrics import Metrics
from checker.profiles import load_profile
from checker.settings import HealthSettings, ReportSettings
from checker.state.retention import purge_personal_data
from checker.state.schema import due_occurrence, outbox
from notifiers.graph_mail import GraphMailConfig, GraphMailNotifier
from notifiers.smtp import SmtpConfig, SmtpNotifier

pytest_plugins = ["servers.graph_fixtures", "servers.smtp_fixtures"]
HOS, CHAIR = "hos@example.org", "chair@example.org"
THURSDAY_1_OCT = date(2026, 10, 1)  # the first working day after 2026Q3


@pytest.fixture(scope="module")
def history_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    make_history(folder).engine.dispose()
    return folder


@pytest.fixture
def app(history_folder: Path, tmp_path: Path) -> Iterator[App]:
    state = tmp_path / "state.sqlite"
    state.write_bytes((history_folder / "state.sqlite").read_bytes())  # each test gets its own copy
    made = App.from_settings(history_settings(tmp_path, report=ReportSettings(recipients=(CHAIR,)),
                                              health=HealthSettings(host="127.0.0.1", port=0)))
    yield made
    made.engine.dispose()


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=UTC)


def keys(app: App, prefix: str) -> list[tuple[str, str]]:
    with app.engine.connect() as connection:
        return [(r.key, r.state) for r in connection.execute(
            select(outbox.c.key, outbox.c.state).where(outbox.c.key.startswith(prefix)).order_by(outbox.c.id))]


def read_eml(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def assert_report_email(mail: EmailMessage) -> None:
    assert mail["Subject"] == "Protocol compliance report 2026Q3: 43% of deadlines met on time"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "8 obligation deadlines of the service fell due in 2026Q3" in text.get_content()
    files = {part.get_filename(): part for part in mail.iter_attachments()}
    assert set(files) == {"checker-report-2026Q3.html", "checker-report-2026Q3.csv"}
    assert "<table>" in files["checker-report-2026Q3.html"].get_content()
    assert "compliance,1,on-time rate,40%" in files["checker-report-2026Q3.csv"].get_content()
    inline = [part for part in mail.walk() if part.get_content_type() == "image/png"]
    assert len(inline) == 3
    body = html.get_content()
    for part in inline:
        assert f"cid:{part['Content-ID'].strip('<>')}" in body  # shown in the body, as Outlook shows pictures
        assert part.get_content()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_report_is_due_in_the_first_working_days_after_the_quarter(app: App) -> None:
    profile = app.profile
    assert quarter_to_send(THURSDAY_1_OCT, profile) == Quarter(2026, 3)
    assert quarter_to_send(date(2026, 9, 30), profile) is None
    assert quarter_to_send(date(2026, 11, 2), profile) is None
    assert quarter_to_send(date(2027, 1, 1), profile) is None  # New Year's Day is no working day
    assert quarter_to_send(date(2027, 1, 4), profile) == Quarter(2026, 4)


def test_the_daemon_sends_the_quarters_report_once_to_the_head_of_service_and_the_list(app: App,
                                                                                        tmp_path: Path) -> None:
    sink = tmp_path / "outbox"  # a new sink folder: the history's messages went to another
    now = [at(date(2026, 9, 30))]
    with build_channels(app.settings) as channels:
        daemon = Daemon(app.settings, app, channels, Metrics(), clock=lambda: now[0])
        daemon.board()  # the last day of the quarter: nothing yet
        assert keys(app, "report:") == []
        for day in (THURSDAY_1_OCT, THURSDAY_1_OCT, date(2026, 10, 2), date(2026, 10, 7)):
            now[0] = at(day)
            daemon.board()
        daemon.leadership.release()
    assert keys(app, "report:") == [(f"report:2026Q3:{HOS}", "sent"), (f"report:2026Q3:{CHAIR}", "sent")]
    new = sorted(sink.iterdir())
    assert len(new) == 2
    mails = [read_eml(path) for path in new]
    assert sorted(m["To"] for m in mails) == [CHAIR, HOS]
    for mail in mails:
        assert_report_email(mail)


def test_the_report_goes_through_smtp_with_its_attachments(app: App, smtp: SmtpTestServer, tmp_path: Path) -> None:
    built = build_report(app.engine, app.profile, Quarter(2026, 3), generated=THURSDAY_1_OCT)
    notifier = SmtpNotifier(SmtpConfig(smtp.host, smtp.port, "checker@council.example", "checker", PASSWORD,
                                       ca_file=smtp.write_ca(tmp_path)))
    notifier.send(report_email(built, f"report:2026Q3:{HOS}", HOS), None, lambda _p: None)
    assert [m.rcpt_tos for m in smtp.received] == [(HOS,)]
    assert_report_email(smtp.received[0].message)


def test_the_report_goes_through_graph_with_its_attachments(app: App, graph_server: GraphTestServer,
                                                            graph_client: httpx.Client) -> None:
    from servers.graph import CLIENT_ID, CLIENT_SECRET, SENDER, TENANT  # noqa: PLC0415 - the server's identity

    built = build_report(app.engine, app.profile, Quarter(2026, 3), generated=THURSDAY_1_OCT)
    notifier = GraphMailNotifier(GraphMailConfig(TENANT, CLIENT_ID, CLIENT_SECRET, None, None,
                                                 graph_server.authority_host, graph_server.graph_url, sender=SENDER),
                                 graph_client)
    notifier.send(report_email(built, f"report:2026Q3:{HOS}", HOS), None, lambda _p: None)
    [mail] = graph_server.sent
    assert mail.to == [HOS]
    files = {a["name"]: a for a in mail.attachments}
    assert {name for name, a in files.items() if not a["isInline"]} == {"checker-report-2026Q3.html",
                                                                        "checker-report-2026Q3.csv"}
    pictures = [a for a in files.values() if a["isInline"]]
    assert len(pictures) == 3
    for picture in pictures:
        assert picture["contentType"] == "image/png"
        assert f"cid:{picture['contentId']}" in mail.content


def test_the_annual_review_reminder_goes_a_month_before_once(app: App, tmp_path: Path) -> None:
    text = app.profile.path.read_text(encoding="utf-8").replace('# annual_review = "04-01"',
                                                                 'annual_review = "04-01"')
    assert 'annual_review = "04-01"' in text
    (tmp_path / "with-review.toml").write_text(text, encoding="utf-8")
    profile = load_profile(str(tmp_path / "with-review.toml"), None)
    assert profile.annual_review == (4, 1)
    assert review_due(date(2026, 2, 28), profile) is None
    assert review_due(date(2026, 3, 1), profile) == date(2026, 4, 1)
    assert review_due(date(2026, 4, 1), profile) == date(2026, 4, 1)
    assert review_due(date(2026, 4, 2), profile) is None

    def plan(day: date) -> int:
        return plan_board_messages(app.engine, profile, today=day, now=at(day), head_of_service=HOS,
                                   recipients=(), threshold=5).reviews

    assert [plan(date(2026, 2, 27)), plan(date(2026, 3, 2)), plan(date(2026, 3, 3)), plan(date(2027, 3, 5))] \
        == [0, 1, 0, 1]
    assert [k for k, _ in keys(app, "review:")] == [f"review:lancashire:2026-04-01:{HOS}",
                                                    f"review:lancashire:2027-04-01:{HOS}"]
    assert app.profile.annual_review is None  # the bundled profile sets no date: no reminder


def test_a_report_whose_key_retention_erased_is_not_sent_again(app: App) -> None:
    def plan(day: date) -> int:
        return plan_board_messages(app.engine, app.profile, today=day, now=at(day), head_of_service=HOS,
                                   recipients=(), threshold=5).reports

    assert plan(THURSDAY_1_OCT) == 1
    with app.engine.begin() as connection:  # as if delivered
        connection.execute(outbox.update().where(outbox.c.key.startswith("report:"))
                           .values(state="sent", sent_at=at(THURSDAY_1_OCT)))
    erased = purge_personal_data(app.engine, at(date(2026, 10, 5)), timedelta(days=1))  # a very short keep
    assert erased.messages >= 1
    assert keys(app, "report:") == []
    assert plan(date(2026, 10, 6)) == 0
    with app.engine.connect() as connection:  # the board's history loses the advisers of what ended long ago
        advisers = connection.execute(select(due_occurrence.c.adviser_email).where(
            due_occurrence.c.ended_on < date(2026, 10, 4))).scalars().all()
    assert advisers
    assert set(advisers) == {None}
