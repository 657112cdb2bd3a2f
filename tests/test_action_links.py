"""Acting from the message: the acknowledge and snooze links, end to end in headless Chromium.

A tick sends the adviser an email whose items carry two signed links; the link's page (served by the actions
listener) only shows what will happen; its button records the action; the next tick does not repeat the
reminder, and the manager's next digest shows what the adviser did. A forged, expired, reused or other
recipient's link gets a plain refusal page and nothing is recorded.

The caseload: C1 and C2 are in custody, released 10 Dec 2026, so their pre-release review invitation
(three months before release) fell due on Thu 10 Sep 2026 and is long overdue on Mon 23 Nov 2026. Five
working days later (Mon 30 Nov) each is at its next overdue repeat (reminders repeat every 5 working days),
so without an acknowledgement the adviser is told again.
"""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message as EmailMessage
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pydantic import ValidationError
from sqlalchemy import func, select
from support.action_links import Clock, forged, item_of, refused
from support.browser import Browser
from support.caseload import custody_case, write_csv

from checker.actions.server import ActionServer
from checker.actions.tokens import LinkKeys
from checker.app import App
from checker.board.audit import audit_events
from checker.channels import build_channels
from checker.cli import main
from checker.daemon import Daemon
from checker.health import HealthServerError
from checker.metrics import Metrics
from checker.settings import (
    ActionsSettings,
    DeliverySettings,
    HealthSettings,
    RoutingSettings,
    ScheduleSettings,
    Settings,
)
from checker.sources import CsvSource
from checker.state.schema import link_action, notification, suppression

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SECRET = "test-secret-for-action-links-0123456789"  # noqa: S105 - a made-up secret for the test
MONDAY = date(2026, 11, 23)
NEXT_MONDAY = date(2026, 11, 30)
PA = "pa.one@example.org"
ACK = re.compile(r"I'm on it \(acknowledge\): (\S+)")
SNOOZE = re.compile(r"Snooze: (\S+)")
NEVER = "0 3 29 2 1"  # a crontab that fires only on a Monday 29 February: not during a test


def settings_for(tmp_path: Path, public_url: str) -> Settings:
    return Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="sink", sink_dir=tmp_path / "outbox", window="any_time"),
        routing=RoutingSettings(operator_email="ops@example.org"),
        actions=ActionsSettings(public_url=public_url, port=0, secret=SECRET),
    )


class World:
    """A state database, the actions listener on a free port, and ticks on chosen days."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        first = App.from_settings(settings_for(tmp_path, "http://127.0.0.1:1"))
        service = first.action_service(self.clock)
        assert service is not None
        self.server = ActionServer("127.0.0.1", 0, service)
        self.server.start()
        self.base = f"http://127.0.0.1:{self.server.port}"
        self.settings = settings_for(tmp_path, self.base)
        self.app = App.from_settings(self.settings)
        self.cases = write_csv(tmp_path / "cases.csv", [
            custody_case("C1", "2026-12-10", adviser=PA),
            custody_case("C2", "2026-12-10", adviser="pa.two@example.org")])

    def tick(self, as_of: date, *, digests: bool = False) -> None:
        self.clock.now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        with build_channels(self.settings) as channels:
            self.app.tick(CsvSource(self.cases, None)).run_once(
                as_of, self.clock.now, self.app.delivery(channels, clock=self.clock), digests=digests)

    def mails(self, to: str) -> list[EmailMessage]:
        found = []
        for path in sorted((self.tmp_path / "outbox").glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes())
            if mail["To"] == to:
                found.append(mail)
        return found

    def count(self, table: object, *where: object) -> int:
        with self.app.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]

    def close(self) -> None:
        self.server.stop()


def body(mail: EmailMessage, kind: str = "plain") -> str:
    for part in mail.walk():
        if part.get_content_type() == f"text/{kind}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{kind} part")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def links(world: World, to: str = PA, case_ref: str = "C1") -> tuple[str, str]:
    """The acknowledge and snooze links of ``case_ref``'s item in the newest email to ``to``."""
    text = body(world.mails(to)[-1])
    item = text[text.index(f"({case_ref})"):]
    ack, snooze = ACK.search(item), SNOOZE.search(item)
    assert ack, text
    assert snooze, text
    return ack.group(1), snooze.group(1)


def owner_reminders(world: World, case_ref: str, since: date) -> int:
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    return world.count(notification, notification.c.case_ref == case_ref, notification.c.channel == "email",
                       notification.c.stage.startswith("overdue-"), notification.c.created_at >= start)


def test_acknowledge_in_chromium_then_the_next_tick_does_not_repeat_and_the_digest_shows_it(
        world: World, browser: Browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    world.tick(MONDAY)
    ack, _snooze = links(world)
    html_mail = body(world.mails(PA)[-1], "html")
    assert f'href="{ack}"' in html_mail
    assert "I'm on it (acknowledge)" in html_mail

    browser.open(ack)
    page = browser.text()
    assert "Acknowledge a reminder" in page
    assert "S.K. (C1)" in page
    assert "Sam" not in page
    assert "Khan" not in page
    assert "repeat reminders about this item stop until its next stage" in page
    assert "Escalation to your managers goes on" in page
    browser.screenshot(ARTIFACTS / "action-link-confirmation.png")
    assert world.count(link_action) == 0  # opening the link (what a mail scanner does) records nothing

    browser.click("button[type=submit]")
    assert "Acknowledged." in browser.text()
    with world.app.engine.connect() as connection:
        (row,) = connection.execute(select(link_action)).all()
    assert (row.action, row.case_ref, row.recipient) == ("acknowledge", "C1", PA)

    world.tick(NEXT_MONDAY, digests=True)
    assert owner_reminders(world, "C1", NEXT_MONDAY) == 0  # acknowledged: no repeat
    assert owner_reminders(world, "C2", NEXT_MONDAY) == 1  # the control case is told again

    (digest,) = [m for m in world.mails("tm.north@example.org") if "digest" in (m["Subject"] or "").lower()]
    text = body(digest)
    assert "ACTED ON FROM THE MESSAGE" in text
    assert "S.K. (C1)" in text
    assert "acknowledged on Mon 23 Nov 2026" in text
    assert PA in text
    digest_html = world.tmp_path / "digest.html"
    digest_html.write_text(body(digest, "html"), encoding="utf-8")
    browser.open(digest_html.as_uri())
    shown = browser.text()
    assert "ACTED ON FROM THE MESSAGE" in shown.upper()
    assert "Acknowledged on Mon 23 Nov 2026" in shown
    browser.evaluate("[...document.querySelectorAll('div')].find(d => d.textContent.startsWith('Acted on'))"
                     ".scrollIntoView()")
    browser.screenshot(ARTIFACTS / "action-link-acknowledged-in-digest.png")

    with world.app.engine.connect() as connection:  # the audit export reads link_action (the seam)
        events = [e for e in audit_events(connection, MONDAY, NEXT_MONDAY, "C1") if e["channel"] == "link"]
    assert [(e["event"], e["recipient"]) for e in events] == [("acknowledged from the message", PA)]
    shown = CliRunner().invoke(main, ["history", "C1", "--as-of", "2026-11-30"], env={
        "CHECKER_STATE_URL": world.settings.state_url.get_secret_value(),
        "CHECKER_SETTINGS_FILE": str(world.tmp_path / "none.toml")})
    assert shown.exit_code == 0, shown.output
    # 52 working days late on Mon 23 Nov (11 Sep to 23 Nov, no bank holiday): repeat (52 - 1) // 5 = 10
    assert (f"2026-11-23 09:00 UTC  custody-release-review due 2026-09-10 overdue-10: acknowledged from the "
            f"message link issued to {PA}") in shown.output


def test_snooze_in_chromium_records_a_snooze_within_the_limit(world: World, browser: Browser) -> None:
    world.tick(MONDAY)
    _ack, snooze = links(world)
    browser.open(snooze)
    assert "Snooze a reminder" in browser.text()
    browser.evaluate("document.getElementById('until').value = '2027-03-01';"
                     "document.getElementById('reason').value = 'Waiting for the prison to reply'")
    assert browser.evaluate("document.getElementById('until').validity.valid") is False  # the page's own limit
    csrf = browser.evaluate("document.querySelector('input[name=csrf]').value")
    beyond = httpx.post(snooze, data={"csrf": csrf, "until": "2027-03-01", "reason": "Waiting"})
    assert beyond.status_code == 422
    assert "The date must be from today" in beyond.text
    assert world.count(suppression) == 0
    assert world.count(link_action) == 0
    browser.evaluate("document.getElementById('until').value = '2026-12-04'")
    browser.click("button[type=submit]")
    assert "Snoozed until Fri 4 Dec 2026." in browser.text()
    with world.app.engine.connect() as connection:
        (s,) = connection.execute(select(suppression)).all()
    assert (s.kind, s.case_ref, s.until, s.reason, s.created_by) == (
        "snooze", "C1", date(2026, 12, 4), "Waiting for the prison to reply", PA)
    world.tick(NEXT_MONDAY)
    assert owner_reminders(world, "C1", NEXT_MONDAY) == 0


def test_forged_expired_reused_and_other_recipients_links_arerefused(world: World, browser: Browser) -> None:
    world.tick(MONDAY)
    ack, snooze = links(world)
    assert "not valid" in refused(browser, forged(ack))

    keys = LinkKeys(SECRET)
    c1 = item_of(world.app.engine, "C1")
    expired = keys.issue("acknowledge", c1.instance_id, c1.due_date, c1.stage, PA, MONDAY - timedelta(days=1))
    assert "expired" in refused(browser, f"{world.base}/act/{expired}")
    # A link made for another recipient (pa.two) on pa.one's item: not this item's personal adviser.
    other = keys.issue("acknowledge", c1.instance_id, c1.due_date, c1.stage, "pa.two@example.org", NEXT_MONDAY)
    assert "not issued to the personal adviser" in refused(browser, f"{world.base}/act/{other}")
    assert world.count(link_action) == 0

    browser.open(ack)
    csrf = browser.evaluate("document.querySelector('input[name=csrf]').value")
    browser.click("button[type=submit]")
    assert world.count(link_action) == 1
    assert "already been used" in refused(browser, ack)
    again = httpx.post(ack, data={"csrf": csrf})  # replaying the form: refused, nothing more recorded
    assert again.status_code == 410
    assert "already been used" in again.text
    assert world.count(link_action) == 1

    wrong_form = httpx.post(snooze, data={"csrf": csrf, "until": "2026-11-30", "reason": "x"})
    assert wrong_form.status_code == 403  # the other link's CSRF token does not fit this link
    assert world.count(suppression) == 0
    assert world.count(link_action) == 1
    assert httpx.get(f"{world.base}/healthz").status_code == 404  # not the health listener


def test_a_scanner_opening_every_link_records_nothing(world: World) -> None:
    world.tick(MONDAY)
    for url in links(world):
        for _ in range(3):
            page = httpx.get(url)
            assert page.status_code == 200
            assert page.headers["Referrer-Policy"] == "no-referrer"
            assert page.headers["Cache-Control"] == "no-store"
    assert world.count(link_action) == 0
    assert world.count(suppression) == 0


def _daemon_settings(tmp_path: Path, **actions: object) -> Settings:
    return Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(window="any_time", sink_dir=tmp_path / "sink"),
        schedule=ScheduleSettings(tick=NEVER, retry=NEVER, digests=NEVER, catch_up=False),
        health=HealthSettings(host="127.0.0.1", port=0),
        actions=ActionsSettings(host="127.0.0.1", port=0, **actions),  # type: ignore[arg-type]
    )


def test_the_daemon_serves_the_pages_on_a_listener_of_their_own_only_when_configured(tmp_path: Path) -> None:
    off = _daemon_settings(tmp_path)
    with build_channels(off) as channels:
        assert Daemon(off, App.from_settings(off), channels, Metrics()).actions is None  # off unless configured
    on = _daemon_settings(tmp_path, public_url="https://checker.example.gov.uk", secret=SECRET)
    with build_channels(on) as channels:
        daemon = Daemon(on, App.from_settings(on), channels, Metrics())
        daemon.start()
        try:
            assert daemon.actions is not None
            pages = f"http://127.0.0.1:{daemon.actions.port}"
            assert daemon.actions.port != daemon.health.port
            assert httpx.get(f"{pages}/metrics").status_code == 404  # health and metrics stay on their own port
            refused = httpx.get(f"{pages}/act/not-a-token")
            assert refused.status_code == 403
            assert "not valid" in refused.text
        finally:
            daemon.stop()


def test_links_without_a_secret_are_a_settings_error_saying_which_setting(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CHECKER_ACTIONS__SECRET"):
        _daemon_settings(tmp_path, public_url="https://checker.example.gov.uk")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        _daemon_settings(tmp_path, public_url="https://checker.example.gov.uk",
                         secret="short")  # noqa: S106 - too short on purpose
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2026-12-10")])
    done = CliRunner().invoke(main, ["run", "--once", "--cases", str(cases), "--as-of", "2026-11-23"], env={
        "CHECKER_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}", "CHECKER_ACTIONS__PUBLIC_URL": "https://x.example",
        "CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml")})
    assert done.exit_code != 0
    assert not isinstance(done.exception, ValueError)  # said plainly, not a traceback
    assert "CHECKER_ACTIONS__SECRET" in done.stderr


def test_a_busy_actions_port_is_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = _daemon_settings(tmp_path, public_url="https://checker.example.gov.uk", secret=SECRET)
        settings = settings.model_copy(update={"actions": settings.actions.model_copy(update={"port": port})})
        with build_channels(settings) as channels:
            daemon = Daemon(settings, App.from_settings(settings), channels, Metrics())
            with pytest.raises(HealthServerError, match=f"on 127.0.0.1:{port}: the port is in use") as raised:
                daemon.start()
    assert "\n" not in str(raised.value)
