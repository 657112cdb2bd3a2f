"""Acting from Teams: the activity feed's one link is a signed "choose" page; a channel card carries no links.

A Teams activity-feed notification holds one link (Graph's ``topic.webUrl``). With the action links on, that
link is the adviser's own "choose" page for the most urgent item: it shows initials and the case reference,
what each action does, and two buttons (acknowledge; snooze until a date, with a reason). Pressing one uses
the link. The notification goes through the local Graph server (``servers.graph``, real msal and HTTPS), and
the page is served by the actions listener; the test stands in for the authority's reverse proxy by opening
``<public_url>/act/<token>`` at the listener's local address.

The caseload (as in test_action_links): C1 (pa.one) and C2 (pa.two) are in custody, released Thu 10 Dec
2026, so their pre-release review invitation (three months before release) fell due on Thu 10 Sep 2026 and
is long overdue on Mon 23 Nov 2026; on Mon 30 Nov, five working days later, each is at its next overdue
repeat (reminders repeat every 5 working days), so without an action the adviser is told again.
"""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import trustme
from servers.graph import CLIENT_ID, CLIENT_SECRET, SENDER, TENANT, GraphTestServer
from sqlalchemy import func, select
from support.action_links import Clock, forged, item_of, refused
from support.browser import Browser
from support.caseload import custody_case, write_csv

from checker.actions.server import ActionServer
from checker.actions.tokens import CHOOSE, LinkKeys
from checker.app import App
from checker.channels import build_channels
from checker.settings import (
    ActionsSettings,
    DeliverySettings,
    GraphSettings,
    RoutingSettings,
    Settings,
    TeamsSettings,
)
from checker.sources import CsvSource
from checker.state.schema import link_action, notification, suppression

pytest_plugins = ["servers.graph_fixtures"]
pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
SECRET = "test-secret-for-action-links-0123456789"  # noqa: S105 - a made-up secret for the test
PUBLIC = "https://checker.example.gov.uk"  # the reverse proxy's address (Graph takes only https links)
CASES = "https://cases.example.gov.uk/people/{case_ref}"
MONDAY = date(2026, 11, 23)
NEXT_MONDAY = date(2026, 11, 30)
PA, PA2 = "pa.one@example.org", "pa.two@example.org"
HOSTILE = "C<i>2</i>&amp;"  # pa.two's case: a case reference that must show as text, not markup
USERS = {PA: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", PA2: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}


class World:
    """Email to a sink, activity feeds through the local Graph, a channel to a sink, the actions listener."""

    def __init__(self, tmp_path: Path, graph: GraphTestServer, *, links: bool = True) -> None:
        self.tmp_path, self.graph = tmp_path, graph
        self.clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
        self.settings = Settings(
            state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
            delivery=DeliverySettings(email="sink", teams_activity="graph", teams_channel="sink",
                                      sink_dir=tmp_path / "outbox", window="any_time", case_url_template=CASES),
            graph=GraphSettings(tenant_id=TENANT, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, sender=SENDER,
                                authority_host=graph.authority_host, graph_url=graph.graph_url,
                                ca_file=graph.write_ca(tmp_path)),
            teams=TeamsSettings(team_channels={"North": "https://teams.invalid/north"}),
            routing=RoutingSettings(operator_email="ops@example.org"),
            actions=ActionsSettings(public_url=PUBLIC, port=0, secret=SECRET) if links else ActionsSettings(),
        )
        self.app = App.from_settings(self.settings)
        self.server: ActionServer | None = None
        service = self.app.action_service(self.clock)
        if service is not None:
            self.server = ActionServer("127.0.0.1", 0, service)
            self.server.start()
        self.cases = write_csv(tmp_path / "cases.csv", [
            custody_case("C1", "2026-12-10", adviser=PA),
            custody_case(HOSTILE, "2026-12-10", adviser=PA2, given_name="<b>x", family_name="Khan")])

    def tick(self, as_of: date) -> None:
        self.clock.now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        with build_channels(self.settings) as channels:
            self.app.tick(CsvSource(self.cases, None)).run_once(
                as_of, self.clock.now, self.app.delivery(channels, clock=self.clock), digests=False)

    def feed(self, to: str) -> list[str]:
        """The webUrl of each activity-feed notification ``to`` received, in order."""
        return [a.body["topic"]["webUrl"] for a in self.graph.activities if a.user == to]

    def local(self, public: str) -> str:
        """What the reverse proxy does: ``<public_url>/act/...`` to the listener."""
        assert self.server is not None
        assert public.startswith(f"{PUBLIC}/act/"), public
        return f"http://127.0.0.1:{self.server.port}{public[len(PUBLIC):]}"

    def count(self, table: object, *where: object) -> int:
        with self.app.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]

    def told(self, case_ref: str, channel: str, since: date) -> int:
        start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
        return self.count(notification, notification.c.case_ref == case_ref, notification.c.channel == channel,
                          notification.c.stage.startswith("overdue-"), notification.c.created_at >= start)

    def cards(self) -> list[str]:
        return [p.read_text(encoding="utf-8") for p in sorted((self.tmp_path / "outbox").glob("*.json"))]

    def email_text(self, to: str) -> str:
        for path in sorted((self.tmp_path / "outbox").glob("*.eml")):
            mail = email.message_from_bytes(path.read_bytes())
            if mail["To"] == to:
                for part in mail.walk():
                    if part.get_content_type() == "text/plain":
                        payload = part.get_payload(decode=True)
                        assert isinstance(payload, bytes)
                        return payload.decode(part.get_content_charset() or "utf-8")
        raise AssertionError(f"no email to {to}")

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


@pytest.fixture
def world(tmp_path: Path, graph_ca: trustme.CA) -> Iterator[World]:
    with GraphTestServer(graph_ca, users=dict(USERS)) as graph:
        w = World(tmp_path, graph)
        yield w
        w.close()


def chooser(world: World, to: str = PA) -> str:
    (url,) = world.feed(to)
    assert LinkKeys(SECRET).check(url.rsplit("/", 1)[1]).action == CHOOSE
    return world.local(url)


def test_the_feed_link_is_a_choose_page_and_acknowledging_there_stops_the_repeat(
        world: World, browser: Browser) -> None:
    world.tick(MONDAY)
    (public,) = world.feed(PA)
    assert public.startswith(f"{PUBLIC}/act/")  # not the case's page: the adviser's own chooser
    assert public not in world.email_text(PA)  # a link of its own, apart from the email's two
    url = world.local(public)

    browser.open(url)
    page = browser.text()
    assert "Act on a reminder" in page
    assert "S.K. (C1)" in page
    assert "Sam" not in page
    assert "Khan" not in page
    assert "Due Thu 10 Sep 2026." in page
    assert "repeat reminders about this item stop until its next stage" in page
    assert "stop until the date you choose (at most 28 days ahead)" in page
    assert "Escalation to your managers goes on" in page
    assert browser.evaluate("document.querySelector('a').href") == "https://cases.example.gov.uk/people/C1"
    assert browser.evaluate("document.querySelectorAll('form').length") == 2
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.screenshot(ARTIFACTS / "teams-choose-page.png")
    for _ in range(3):  # a scanner or a preview opening the link records nothing
        assert httpx.get(url).status_code == 200
    assert world.count(link_action) == 0

    browser.click("#acknowledge")
    assert "Acknowledged." in browser.text()
    with world.app.engine.connect() as connection:
        (row,) = connection.execute(select(link_action)).all()
    assert (row.action, row.case_ref, row.recipient) == ("acknowledge", "C1", PA)

    # The chooser acts once: its other button is refused too, and nothing more is recorded.
    assert "already been used" in refused(browser, url)
    csrf = LinkKeys(SECRET).csrf(url.rsplit("/", 1)[1])
    again = httpx.post(url, data={"csrf": csrf, "choice": "snooze", "until": "2026-11-30", "reason": "x"})
    assert again.status_code == 410
    assert world.count(link_action) == 1
    assert world.count(suppression) == 0

    world.tick(NEXT_MONDAY)
    assert world.told("C1", "email", NEXT_MONDAY) == 0  # acknowledged: no repeat, by email or in the feed
    assert world.told("C1", "teams_activity", NEXT_MONDAY) == 0
    assert len(world.feed(PA)) == 1
    assert world.told(HOSTILE, "email", NEXT_MONDAY) == 1  # the control case is told again
    assert world.told(HOSTILE, "teams_activity", NEXT_MONDAY) == 1
    assert len(world.feed(PA2)) == 2


def test_the_page_shows_initials_and_case_reference_as_text(world: World, browser: Browser) -> None:
    world.tick(MONDAY)
    url = chooser(world, PA2)
    html = httpx.get(url).text
    assert "<i>2</i>" not in html
    assert "<b>x" not in html
    assert "C&lt;i&gt;2&lt;/i&gt;&amp;amp;" in html
    browser.open(url)
    assert f"<.K. ({HOSTILE})" in browser.text()  # the initials of "<b>x Khan", shown as typed
    assert browser.evaluate("document.querySelectorAll('i, b').length") == 0
    assert browser.evaluate("document.querySelector('a').href") == (
        "https://cases.example.gov.uk/people/C%3Ci%3E2%3C%2Fi%3E%26amp%3B")


def test_snooze_from_the_choose_page_within_the_profiles_limit(world: World, browser: Browser) -> None:
    world.tick(MONDAY)
    url = chooser(world)
    browser.open(url)
    browser.evaluate("document.getElementById('until').value = '2027-03-01';"
                     "document.getElementById('reason').value = 'Waiting for the prison to reply'")
    assert browser.evaluate("document.getElementById('until').validity.valid") is False  # the page's own limit
    csrf = browser.evaluate("document.querySelector('input[name=csrf]').value")
    # 28 days from Mon 23 Nov 2026 is Mon 21 Dec 2026: a day later is refused, whatever the browser allows.
    beyond = httpx.post(url, data={"csrf": csrf, "choice": "snooze", "until": "2026-12-22", "reason": "Waiting"})
    assert beyond.status_code == 422
    assert "The date must be from today to Mon 21 Dec 2026 (28 days)" in beyond.text
    assert 'id="acknowledge"' in beyond.text  # the choose page again, both buttons
    assert world.count(suppression) == 0
    assert world.count(link_action) == 0

    browser.evaluate("document.getElementById('until').value = '2026-12-04'")
    browser.click("#snooze")
    assert "Snoozed until Fri 4 Dec 2026." in browser.text()
    with world.app.engine.connect() as connection:
        (s,) = connection.execute(select(suppression)).all()
        (a,) = connection.execute(select(link_action)).all()
    assert (s.kind, s.case_ref, s.until, s.reason, s.created_by) == (
        "snooze", "C1", date(2026, 12, 4), "Waiting for the prison to reply", PA)
    assert (a.action, a.recipient, a.snooze_until) == ("snooze", PA, date(2026, 12, 4))
    world.tick(NEXT_MONDAY)
    assert world.told("C1", "email", NEXT_MONDAY) == 0
    assert world.told("C1", "teams_activity", NEXT_MONDAY) == 0


def test_forged_expired_other_recipients_reused_and_unchosen_links_arerefused(
        world: World, browser: Browser) -> None:
    world.tick(MONDAY)
    url = chooser(world)
    prefix, token = url.rsplit("/", 1)
    assert "not valid" in refused(browser, forged(url))

    keys = LinkKeys(SECRET)
    c1 = item_of(world.app.engine, "C1")
    expired = keys.issue(CHOOSE, c1.instance_id, c1.due_date, c1.stage, PA, MONDAY - timedelta(days=1))
    assert "expired" in refused(browser, f"{prefix}/{expired}")
    other = keys.issue(CHOOSE, c1.instance_id, c1.due_date, c1.stage, PA2, NEXT_MONDAY)  # pa.two's, on pa.one's item
    assert "not issued to the personal adviser" in refused(browser, f"{prefix}/{other}")
    other_csrf = keys.csrf(other)
    posted = httpx.post(f"{prefix}/{other}", data={"csrf": other_csrf, "choice": "acknowledge"})
    assert posted.status_code == 403
    # pa.two's own chooser is for pa.two's item; it does not reach pa.one's.
    assert "S.K. (C1)" not in httpx.get(chooser(world, PA2)).text

    csrf = keys.csrf(token)
    unchosen = httpx.post(url, data={"csrf": csrf})
    assert unchosen.status_code == 400
    assert "Press one of the two buttons on the page" in unchosen.text
    wrong = httpx.post(url, data={"csrf": keys.csrf(other), "choice": "acknowledge"})
    assert wrong.status_code == 403  # another link's CSRF token does not fit this link
    assert world.count(link_action) == 0
    assert world.count(suppression) == 0

    browser.open(url)
    browser.click("#acknowledge")
    assert world.count(link_action) == 1
    assert "already been used" in refused(browser, url)
    assert httpx.post(url, data={"csrf": csrf, "choice": "acknowledge"}).status_code == 410
    assert world.count(link_action) == 1


def test_a_channel_card_carries_no_links_and_says_where_each_advisers_are(world: World) -> None:
    world.tick(MONDAY)
    (card,) = world.cards()
    assert "/act/" not in card
    text = " ".join(json.loads(card)["attachments"][0]["content"]["body"].__repr__().split())
    assert "its personal adviser uses the links in their own reminder email or Teams activity feed" in text
    assert "ask the checker operator to run" not in text  # the links replace the operator's command
    assert "Sam" not in card
    assert "S.K. (C1)" in text


def test_without_links_the_feed_opens_the_case_and_the_card_names_the_command(
        tmp_path: Path, graph_ca: trustme.CA) -> None:
    with GraphTestServer(graph_ca, users=dict(USERS)) as graph:
        world = World(tmp_path, graph, links=False)
        world.tick(MONDAY)
        assert world.feed(PA) == ["https://cases.example.gov.uk/people/C1"]
    (card,) = world.cards()
    assert "links in their own reminder email" not in card
    assert "ask the checker operator to run checker snooze C1" in card
