"""Issue 12 item 1: go-live without a flood, and an item cap on every message.

The first tick on an empty state database, and the first after an outage of more than
``go_live.outage_working_days`` working days (3 by default), send each recipient ONE summary: counts by
obligation and age, the ``go_live.urgent_items`` most urgent items (10 by default) and every item in an
attached CSV. Later ticks send only what changes. No message lists more than
``delivery.max_items_per_message`` items (25 by default); the rest are counted.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from rendering.samples import AS_OF, CASE_URL, digest_item, digest_payload, overdue
from sqlalchemy import select
from support.caseload import custody_case, write_csv

from checker.app import App
from checker.cli import main
from checker.rendering import render_digest, render_reminder
from checker.settings import DeliverySettings, GoLiveSettings, RoutingSettings, Settings, TeamsSettings
from checker.sources import CsvSource
from checker.state.schema import notification, outbox
from notifiers.base import Attachment, Message
from notifiers.graph_mail import draft_payload

URGENT, CAP = 10, 25
BUDGET = 2_000_000  # delivery.max_message_bytes


@pytest.fixture
def go_live_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECKER_GO_LIVE__SUMMARY", raising=False)  # the shipped default: on


def _mail(path: Path) -> EmailMessage:
    return cast(EmailMessage, message_from_bytes(path.read_bytes(), policy=policy.default))


def _csv_rows(mail: EmailMessage) -> list[dict[str, str]]:
    """The rows of the one CSV file attached, as it is or zipped (an email over the byte budget)."""
    files = [p for p in mail.iter_attachments() if p.get_content_type() in ("text/csv", "application/zip")]
    assert len(files) == 1
    data = cast(bytes, files[0].get_payload(decode=True))
    if files[0].get_content_type() == "application/zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            [name] = archive.namelist()  # the CSV alone: nothing was cut
            assert name.endswith(".csv")
            data = archive.read(name)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def body_text(mail: EmailMessage) -> str:
    return cast(EmailMessage, mail.get_body(("plain",))).get_content().replace("\r\n", "\n")


def assert_one_summary_each(sink: Path) -> int:
    """Every recipient got exactly one message, a summary within the caps (items listed, and bytes: the
    email as the sink wrote it, and as Graph would take it); returns how many recipients."""
    by_recipient: dict[str, list[str]] = defaultdict(list)
    for path in sorted(sink.iterdir()):
        assert path.stat().st_size <= BUDGET, path.name
        if path.name.startswith("operator_"):
            continue  # the operator's data-quality alert goes as on any tick
        recipient = str(_mail(path)["To"]) if path.suffix == ".eml" else path.name
        by_recipient[recipient].append(path.name)
    assert by_recipient
    for recipient, names in by_recipient.items():
        assert len(names) == 1, (recipient, names)
        assert names[0].startswith("summary_"), names
        mail = _mail(sink / names[0])
        body = body_text(mail)
        total = int(re.search(r"tracked: (\d+) housing protocol actions? for you", str(mail["Subject"]))
                    .group(1))  # type: ignore[union-attr]
        listed = re.findall(r"^\d+\. ", body.split("MOST URGENT")[1], re.M)
        assert len(listed) == min(total, URGENT)
        more = re.search(r"^And (\d+) more, listed with these in the attached CSV", body, re.M)
        assert (int(more.group(1)) if more else 0) == total - len(listed)
        assert len(_csv_rows(mail)) == total
        assert re.search(rf"^All: {total}\b", body, re.M)
        graph = draft_payload(Message(key="k", recipient=str(mail["To"]), subject=str(mail["Subject"]), text="",
                                      html=cast(EmailMessage, mail.get_body(("html",))).get_content(),
                                      attachments=tuple(_attachment(p) for p in mail.iter_attachments())))
        assert len(json.dumps(graph).encode("utf-8")) <= BUDGET, recipient
    return len(by_recipient)


def _attachment(part: EmailMessage) -> Attachment:
    data = cast(bytes, part.get_payload(decode=True))
    return Attachment(part.get_filename() or "", part.get_content_type(), base64.b64encode(data).decode("ascii"))


def test_go_live_on_the_300_case_demo_sends_each_recipient_one_summary(go_live_on: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path), "--as-of", "2026-12-02"])
    assert result.exit_code == 0, result.output
    assert assert_one_summary_each(tmp_path / "outbox") > 10


@pytest.mark.slow
def test_go_live_on_a_10000_case_backlog_sends_each_recipient_one_summary(go_live_on: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(tmp_path), "--cases", "10000", "--as-of", "2026-12-02",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output[-2000:]
    assert assert_one_summary_each(tmp_path / "outbox") > 10
    # the head of service's summary lists every escalated item: about 3 MB with its CSV as it is, so the CSV
    # goes zipped (and whole: _csv_rows checks the zip holds the CSV alone, with a row per item)
    [hos] = (tmp_path / "outbox").glob("summary_*_email_hos.*.eml")
    mail = _mail(hos)
    [name] = [p.get_filename() or "" for p in mail.iter_attachments()]
    assert re.fullmatch(r"housing-protocol-items-\d{4}-\d\d-\d\d\.zip", name), name
    assert "it is compressed (.zip) to keep this email under 2 MB" in body_text(mail)


# --- from then on, only what changes; and again after an outage ---------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> App:
    return App.from_settings(Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}", go_live=GoLiveSettings(),
        delivery=DeliverySettings(teams_channel="sink", sink_dir=tmp_path / "sink"),
        teams=TeamsSettings(team_channels={"North": "https://teams.invalid/north"}),
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org")))


def tick(app: App, tmp_path: Path, as_of: date, release: str = "2027-02-16") -> Any:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", release), custody_case("C2", "2027-03-10")])
    now = datetime(as_of.year, as_of.month, as_of.day, 7, tzinfo=UTC)
    return app.tick(CsvSource(cases)).plan(as_of, now, digests=None)


def messages(app: App, run_id: int) -> list[tuple[str, str, str]]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(outbox).where(outbox.c.run_id == run_id).order_by(outbox.c.id))
        return [(r.kind, r.recipient, r.channel) for r in rows]


def test_after_go_live_only_changes_are_sent_and_an_outage_brings_a_summary_again(app: App, tmp_path: Path) -> None:
    # Tue 24 Nov 2026: C1's review (due Mon 16 Nov) is 6 working days overdue (overdue-1, and escalated to
    # the team manager at 5); C2's (due Thu 10 Dec) is within 20 working days (lead-20). First tick: one
    # summary each, nothing on Teams, no digest.
    first = tick(app, tmp_path, date(2026, 11, 24))
    assert first.go_live == "the first check on this state database"
    assert sorted(messages(app, first.run_id)) == [("summary", "pa.one@example.org", "email"),
                                                   ("summary", "tm.north@example.org", "email")]
    with app.engine.connect() as connection:
        channel = list(connection.execute(select(notification).where(notification.c.channel == "teams_channel")))
    assert channel
    assert {r.state for r in channel} == {"cancelled"}
    # Wed 25 Nov: 7 working days overdue is still overdue-1, C2 still lead-20; the week's digest is not
    # sent in the go-live's week: nothing at all is sent.
    second = tick(app, tmp_path, date(2026, 11, 25))
    assert second.go_live is None
    assert messages(app, second.run_id) == []
    # Fri 4 Dec, 7 working days after the last tick (more than 3): C1 is overdue-2 (14 working days) and C2
    # reached its 5-day lead: a summary again, not a reminder each.
    third = tick(app, tmp_path, date(2026, 12, 4))
    assert third.go_live == "the first check for 7 working days"
    assert {kind for kind, _, _ in messages(app, third.run_id)} == {"summary"}
    # Mon 7 Dec, an ordinary tick: only what changed. C1 is 15 working days overdue: the adviser's overdue-2
    # (11 to 15) was told on Friday, but the team manager's escalation (at 5, repeated every 5) reaches its
    # 2nd repeat ((15 - 5) // 5); C2 (3 to go) stays at lead-5. And a new week's digest.
    fourth = tick(app, tmp_path, date(2026, 12, 7))
    assert fourth.go_live is None
    assert sorted(messages(app, fourth.run_id)) == [("digest", "tm.north@example.org", "email"),
                                                    ("reminder", "tm.north@example.org", "email")]


def test_the_outage_setting_decides_what_counts_as_an_outage(tmp_path: Path) -> None:
    app = App.from_settings(Settings(state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
                                     go_live=GoLiveSettings(outage_working_days=10)))
    tick(app, tmp_path, date(2026, 11, 23))
    assert tick(app, tmp_path, date(2026, 12, 3)).go_live is None  # 8 working days: within 10


def test_go_live_can_be_switched_off(tmp_path: Path) -> None:
    app = App.from_settings(Settings(state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
                                     go_live=GoLiveSettings(summary=False)))
    report = tick(app, tmp_path, date(2026, 11, 23))
    assert report.go_live is None
    kinds = {kind for kind, _, _ in messages(app, report.run_id)}
    assert "reminder" in kinds
    assert "summary" not in kinds


def test_settings_have_the_documented_defaults() -> None:
    settings = GoLiveSettings()
    assert (settings.summary, settings.outage_working_days, settings.urgent_items) == (True, 3, URGENT)
    assert DeliverySettings().max_items_per_message == CAP


# --- the item cap on every message ---------------------------------------------------------------------


def _many(n: int) -> list[dict[str, Any]]:
    return [overdue(case_ref=f"C{i:03d}", obligation=f"ob-{i}", working_days_overdue=11) for i in range(n)]


def test_a_reminder_email_lists_at_most_the_cap_and_attaches_the_rest() -> None:
    message = render_reminder("reminder", "email", "pa@x.example", _many(37), AS_OF, "k", CASE_URL, max_items=CAP)
    assert "You have 37 housing protocol actions overdue." in message.text
    assert len(re.findall(r"^\d+\. ", message.text, re.M)) == CAP
    assert "And 12 more, not listed here: every item of this message is in the attached CSV file." in message.text
    assert "And 12 more" in (message.html or "")
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(message.attachments[0].content_base64)
                                           .decode("utf-8-sig"))))
    assert len(rows) == 37
    assert "Sam" not in json.dumps(rows)  # initials and case references only
    small = render_reminder("reminder", "email", "pa@x.example", _many(3), AS_OF, "k", CASE_URL, max_items=CAP)
    assert small.attachments == ()
    assert "more, not listed" not in small.text


def test_a_channel_card_lists_at_most_the_cap_and_counts_the_rest() -> None:
    message = render_reminder("reminder", "teams_channel", "https://teams.invalid/north", _many(37), AS_OF, "k",
                              CASE_URL, max_items=CAP)
    card = cast(dict[str, Any], message.card)
    assert len([b for b in card["body"] if b["type"] == "Container"]) == CAP
    assert card["body"][-1]["text"].startswith("And 12 more, not listed here")
    assert card["body"][0]["text"].startswith("Preston: 37 housing protocol actions overdue")


def test_a_csv_cell_that_a_spreadsheet_would_run_is_quoted() -> None:
    message = render_reminder("reminder", "email", "pa@x.example",
                              [*_many(30), overdue(case_ref="=HYPERLINK(1)", initials="=1+1")], AS_OF, "k",
                              CASE_URL, max_items=CAP)
    text = base64.b64decode(message.attachments[0].content_base64).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert "\n=" not in text
    assert ",=" not in text


def test_a_digest_lists_at_most_the_cap_and_attaches_every_overdue_item() -> None:
    rows = [digest_item(f"C{i:02d}", "A.B.", "Review the pathway plan", "2026-11-18", 3, "1-5", "pa@x.example")
            for i in range(30)]
    payload = digest_payload(overdue_by_adviser=[{"adviser": "pa@x.example", "items": rows}],
                             bucket_counts={"1-5": 30}, became_overdue=[], completed=[])
    message = render_digest("email", "tm@x.example", payload, "k", CASE_URL, max_items=CAP)
    assert message.text.count("https://cms.example/people/C") == CAP
    assert "And 5 more overdue, not listed here: every overdue item is in the attached CSV file." in message.text
    assert "pa@x.example (30 overdue)" in message.text
    attached = base64.b64decode(message.attachments[0].content_base64).decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(attached)))) == 30
