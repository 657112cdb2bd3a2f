"""Issue 12 item 6: the wording defects found in the demo's outbox, each asserted on the rendered message.

Dates are worked out by hand: the pre-release review of a custody case (000 §14) is due three months before
the release date, so a release on Tue 16 Feb 2027 makes it due Mon 16 Nov 2026; completing it means filling
in ``release_review_invited_on``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from rendering.samples import AS_OF, CASE_URL, escalated, facts, overdue
from sqlalchemy import select
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.cli import main
from checker.rendering import render_digest, render_reminder
from checker.settings import DeliverySettings, RoutingSettings, Settings, TeamsSettings
from checker.sources import CsvSource
from checker.state.schema import notification, outbox

MANAGER = "tm.north@example.org"


def noon(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def app(tmp_path: Path) -> App:
    return App.from_settings(Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
        delivery=DeliverySettings(teams_channel="sink", sink_dir=tmp_path / "sink"),
        teams=TeamsSettings(team_channels={"North": "https://teams.invalid/north"})))


def tick(app: App, tmp_path: Path, rows: list[dict[str, str]], as_of: date, now: datetime | None = None,
         digests: bool = False) -> None:
    app.tick(CsvSource(write_csv(tmp_path / "cases.csv", rows))).plan(as_of, now or noon(as_of), digests=digests)


def planned(app: App, **where: str) -> list[Any]:
    query = select(notification).where(notification.c.state == "planned")
    for column, value in where.items():
        query = query.where(notification.c[column] == value)
    with app.engine.connect() as connection:
        return list(connection.execute(query.order_by(notification.c.id)))


def rendered_reminder(app: App, recipient: str, channel: str, as_of: date) -> Any:
    rows = planned(app, recipient=recipient, channel=channel)
    assert rows, f"nothing planned for {recipient} on {channel}"
    return render_reminder("reminder", channel, recipient, [json.loads(r.facts) for r in rows], as_of, "k", CASE_URL)


def digest_text(app: App) -> str:
    with app.engine.connect() as connection:
        row = connection.execute(select(outbox).where(outbox.c.kind == "digest")).one()
    return render_digest("email", row.recipient, json.loads(row.payload), row.key, CASE_URL).text


# --- the same item twice, and the channel card's count --------------------------------------------------


def test_an_unallocated_overdue_item_reaches_the_team_manager_once_not_twice(app: App, tmp_path: Path) -> None:
    # No adviser: the owner's overdue reminder is re-routed to the team manager, and at 5 working days
    # overdue (Mon 23 Nov, due Mon 16 Nov) it is escalated to the team manager too: one action, one entry.
    tick(app, tmp_path, [custody_case("C1", "2027-02-16", adviser="")], date(2026, 11, 23))
    assert len(planned(app, recipient=MANAGER, channel="email")) == 2  # two routes planned ...
    message = rendered_reminder(app, MANAGER, "email", date(2026, 11, 23))
    assert message.text.count("Open the case: https://cms.example/people/C1") == 1  # ... one entry shown
    assert "You have 1 housing protocol action overdue." in message.text
    assert "Why this came to you: No personal adviser is allocated; sent to the team manager." in message.text
    assert message.subject.startswith("Escalated: invite partners")


def test_a_channel_card_counts_the_actions_it_lists(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, [custody_case("C1", "2027-02-16", adviser=""), custody_case("C2", "2027-02-16")],
         date(2026, 11, 23))
    card = cast(dict[str, Any], rendered_reminder(app, "https://teams.invalid/north", "teams_channel",
                                                  date(2026, 11, 23)).card)
    listed = [b for b in card["body"] if b["type"] == "Container"]
    assert len(listed) == 2
    assert card["body"][0]["text"].startswith("North: 2 housing protocol actions overdue")


# --- the subject, the unallocated owner, done-when, snooze, weekends, plurals ------------------------------


def test_the_subject_does_not_say_due_by_the_first_date_when_others_fall_later() -> None:
    pending = [facts(case_ref=ref, due_date=due, working_days_to_go=to_go)
               for ref, due, to_go in (("C2", "2026-12-07", 10), ("C3", "2027-01-11", 33), ("C4", "2027-01-12", 34))]
    message = render_reminder("reminder", "email", "pa@x.example", [overdue(), *pending], AS_OF, "k", CASE_URL)
    assert "(3 more due by Mon 7 Dec)" not in message.subject
    assert message.subject.endswith("(3 more due from Mon 7 Dec to Tue 12 Jan 2027)")
    same_day = [facts(case_ref=ref, due_date="2026-12-07", working_days_to_go=10) for ref in ("C2", "C3")]
    message = render_reminder("reminder", "email", "pa@x.example", [overdue(), *same_day], AS_OF, "k", CASE_URL)
    assert message.subject.endswith("(2 more due by Mon 7 Dec)")


def test_an_unallocated_item_says_so_and_who_must_allocate() -> None:
    message = render_reminder("reminder", "email", "tm@x.example", [escalated(adviser_email=None)], AS_OF, "k",
                              CASE_URL)
    assert "(none allocated)" not in message.text
    assert "No personal adviser is allocated to this case: the team manager must allocate one" in message.text


def test_each_item_says_what_counts_as_done_and_how_to_snooze(app: App, tmp_path: Path) -> None:
    tick(app, tmp_path, [custody_case("C1", "2027-02-16")], date(2026, 11, 23))
    obligation = planned(app, recipient="pa.one@example.org")[0].obligation
    message = rendered_reminder(app, "pa.one@example.org", "email", date(2026, 11, 23))
    assert ("Done when the case record's field release_review_invited_on holds the date it was done."
            in message.text)
    assert (f'ask the checker operator to run: checker snooze C1 {obligation} --until YYYY-MM-DD --reason "why"'
            in message.text)
    assert "release_review_invited_on" in (message.html or "")
    card = json.dumps(rendered_reminder(app, "https://teams.invalid/north", "teams_channel", date(2026, 11, 23)).card)
    assert "release_review_invited_on" in card
    assert f"checker snooze C1 {obligation}" in card


def test_a_due_date_on_a_weekend_names_the_next_working_day(app: App, tmp_path: Path) -> None:
    # Release Mon 15 Feb 2027: the review is due Sun 15 Nov 2026; the next working day is Mon 16 Nov.
    tick(app, tmp_path, [custody_case("C1", "2027-02-15")], date(2026, 11, 23))
    message = rendered_reminder(app, "pa.one@example.org", "email", date(2026, 11, 23))
    assert "(due Sun 15 Nov 2026, not a working day: the next is Mon 16 Nov 2026)" in message.text


def test_one_working_day_is_singular() -> None:
    message = render_reminder("reminder", "email", "pa@x.example",
                              [overdue(due_date="2026-11-20", working_days_overdue=1)], AS_OF, "k", CASE_URL)
    assert "1 working day overdue" in message.text
    assert "1 working days" not in message.text


# --- the digest's "became overdue" ---------------------------------------------------------------------


def test_a_first_digest_lists_what_became_overdue_in_the_past_week(app: App, tmp_path: Path) -> None:
    # First tick ever, Mon 30 Nov: C1 due Mon 16 Nov (overdue since 17 Nov, before the week began on 23 Nov);
    # C2 due Fri 27 Nov (release Sat 27 Feb 2027), overdue since Sat 28 Nov: it became overdue this week.
    tick(app, tmp_path, [custody_case("C1", "2027-02-16"), custody_case("C2", "2027-02-27")], date(2026, 11, 30),
         digests=True)
    text = digest_text(app)
    became = text.split("BECAME OVERDUE SINCE MON 23 NOV 2026")[1].split("COMPLETED")[0]
    assert "C2" in became
    assert "None." not in became
    assert "C1" not in became


def test_an_item_moved_back_to_pending_is_not_listed_as_became_overdue(app: App, tmp_path: Path) -> None:
    c1 = custody_case("C1", "2027-02-16")  # due Mon 16 Nov: overdue throughout, so there is a digest
    tick(app, tmp_path, [c1, custody_case("C3", "2027-02-20")], date(2026, 11, 19))  # C3 due Fri 20 Nov
    tick(app, tmp_path, [c1, custody_case("C3", "2027-02-20")], date(2026, 11, 23), noon(date(2026, 11, 23), 13))
    tick(app, tmp_path, [c1, custody_case("C3", "2027-03-10")], date(2026, 11, 24))  # now due Thu 10 Dec
    tick(app, tmp_path, [c1, custody_case("C3", "2027-03-10")], date(2026, 11, 30), digests=True)
    became = digest_text(app).split("BECAME OVERDUE")[1].split("COMPLETED")[0]
    assert "C3" not in became


# --- the demo's whole outbox ---------------------------------------------------------------------------


def _emails(folder: Path) -> list[EmailMessage]:
    return [cast(EmailMessage, message_from_bytes(p.read_bytes(), policy=policy.default))
            for p in sorted(folder.glob("reminder_*_email_*.eml"))]


def test_the_demo_outbox_lists_each_action_once_and_counts_what_it_lists(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path), "--as-of", "2026-12-02"])
    assert result.exit_code == 0, result.output
    sink = tmp_path / "outbox"
    for mail in _emails(sink):
        body = cast(EmailMessage, mail.get_body(("plain",))).get_content().replace("\r\n", "\n")
        entries = re.findall(r"^\d+\. (.+)\n   (.+)\n   .+\(due (.+?)\)$", body, re.M)
        assert 0 < len(entries) <= 25, mail["subject"]
        assert [e for e, n in Counter(entries).items() if n > 1] == [], mail["To"]
        assert "(none allocated)" not in body
        assert body.count("Done when the ") == len(entries)
        assert body.count("checker snooze ") == len(entries)
    for path in sorted(sink.glob("reminder_*_teams_channel_*.json")):
        card = json.loads(path.read_text())["attachments"][0]["content"]
        listed = [b for b in card["body"] if b["type"] == "Container"]
        heading = card["body"][0]["text"]
        count = re.search(r"(\d+) housing protocol actions? (?:overdue|due soon)", heading)
        assert count is not None, heading
        overdue_listed = sum(1 for b in listed if "overdue" in json.dumps(b))
        more = re.search(r"^And (\d+) more, not listed here", card["body"][-1].get("text", ""))
        assert len(listed) <= 25  # delivery.max_items_per_message
        assert int(count.group(1)) == overdue_listed + (int(more.group(1)) if more else 0), path.name
