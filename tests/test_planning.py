"""Planning: findings become notification items and outbox messages, once, for the right people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from support.caseload import DISPUTE_COLUMNS, custody_case, write_csv

from checker.app import App
from checker.planning.guard import TickAbortedError
from checker.settings import DeliverySettings, RoleAddressSettings, RoutingSettings, Settings, TeamsSettings
from checker.sources import CsvSource, SourceError
from checker.state import suppressions
from checker.state.schema import instance_event, notification, obligation_instance, outbox, run

MONDAY = date(2026, 11, 23)
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
@pytest.fixture
def app(tmp_path: Path) -> App:
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        routing=RoutingSettings(operator_email="ops@example.org", senior_manager="sm@example.org",
                                head_of_service="hos@example.org"),
    )
    return App.from_settings(settings)


def plan(app: App, tmp_path: Path, rows: list[dict[str, str]], as_of: date = MONDAY,
         now: datetime = MONDAY_NOON, disputes: list[dict[str, str]] | None = None, **kw: Any) -> Any:
    cases = write_csv(tmp_path / "cases.csv", rows)
    dispute_file = None
    if disputes is not None:
        dispute_file = write_csv(tmp_path / "disputes.csv", disputes, DISPUTE_COLUMNS)
    return app.tick(CsvSource(cases, dispute_file)).plan(as_of, now, **kw)


def items(app: App, **where: Any) -> list[Any]:
    query = select(notification)
    for column, value in where.items():
        query = query.where(notification.c[column] == value)
    with app.engine.connect() as connection:
        return list(connection.execute(query.order_by(notification.c.id)))


def messages(app: App) -> list[Any]:
    with app.engine.connect() as connection:
        return list(connection.execute(select(outbox).order_by(outbox.c.id)))


def test_one_message_per_recipient_listing_every_new_item(app: App, tmp_path: Path) -> None:
    # Both reviews fell due on Monday 16 November: 5 working days overdue on the 23rd.
    rows = [custody_case("C1", "2027-02-16"), custody_case("C2", "2027-02-16")]
    report = plan(app, tmp_path, rows, digests=False)
    reminders = [m for m in messages(app) if m.kind == "reminder"]
    adviser_mail = [m for m in reminders if m.recipient == "pa.one@example.org"]
    assert len(adviser_mail) == 1
    grouped = items(app, message_id=adviser_mail[0].id)
    assert sorted(i.case_ref for i in grouped) == ["C1", "C2"]
    assert {i.stage for i in grouped} == {"overdue-0"}
    assert report.planned == len(items(app))


def test_planning_twice_on_unchanged_data_plans_nothing(app: App, tmp_path: Path) -> None:
    rows = [custody_case("C1", "2027-02-16")]
    first = plan(app, tmp_path, rows, digests=False)
    second = plan(app, tmp_path, rows, digests=False)
    assert first.planned > 0
    assert first.messages > 0
    assert second.planned == 0
    assert second.messages == 0
    assert len(messages(app)) == first.messages


def test_escalation_reaches_the_manager_at_five_working_days_overdue(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], as_of=date(2026, 11, 20), digests=False)
    assert items(app, stage="escalated-manager") == []  # 4 working days overdue on Friday
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], as_of=MONDAY, digests=False)
    escalated = items(app, stage="escalated-manager")
    assert [i.recipient for i in escalated] == ["tm.north@example.org"]
    facts = json.loads(escalated[0].facts)
    assert facts["given_name"] is None
    assert facts["initials"] == "S.K."


def test_adviser_email_facts_carry_names_but_escalations_do_not(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], digests=False)
    own = json.loads(items(app, recipient="pa.one@example.org")[0].facts)
    assert (own["given_name"], own["family_name"]) == ("Sam", "Khan")


def test_stages_progress_and_each_is_told_once(app: App, tmp_path: Path) -> None:
    # Review due Monday 14 December 2026 (release 14 March 2027).
    row = [custody_case("C1", "2027-03-14")]
    seen = []
    for as_of in (date(2026, 11, 16), date(2026, 11, 17), date(2026, 12, 7), date(2026, 12, 14),
                  date(2026, 12, 15), date(2026, 12, 16), date(2026, 12, 22)):
        plan(app, tmp_path, row, as_of=as_of, now=datetime.combine(as_of, MONDAY_NOON.timetz()), digests=False)
        seen.append(sorted(i.stage for i in items(app, recipient="pa.one@example.org")))
    assert seen[0] == ["lead-20"]
    assert seen[1] == ["lead-20"]  # the same stage is not told twice
    assert seen[2] == ["lead-20", "lead-5"]
    assert seen[3] == ["due", "lead-20", "lead-5"]
    assert seen[4] == ["due", "lead-20", "lead-5", "overdue-0"]
    assert seen[5] == seen[4]
    assert seen[6] == ["due", "lead-20", "lead-5", "overdue-0", "overdue-1"]


def test_a_moved_due_date_cancels_the_stale_reminder_and_says_what_changed(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], digests=False)
    stale = items(app, recipient="pa.one@example.org", stage="overdue-0")
    assert stale[0].state == "planned"
    # The release date is corrected: the review is now due Monday 30 November.
    plan(app, tmp_path, [custody_case("C1", "2027-03-01")], as_of=date(2026, 11, 24), digests=False)
    assert items(app, id=stale[0].id)[0].state == "cancelled"
    fresh = [i for i in items(app, recipient="pa.one@example.org") if i.state == "planned"]
    assert [i.due_date for i in fresh] == [date(2026, 12, 1)]
    note = json.loads(fresh[0].facts)["change_note"]
    assert "16 Nov 2026" in note
    assert "01 Dec 2026" in note
    with app.engine.connect() as connection:
        events = [e.event for e in connection.execute(select(instance_event))]
    assert "due_date_changed" in events


def test_completion_cancels_what_was_not_yet_sent(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], digests=False)
    done = custody_case("C1", "2027-02-16", release_review_invited_on="2026-11-23")
    plan(app, tmp_path, [done], digests=False)
    assert {i.state for i in items(app)} == {"cancelled"}


def test_an_overdue_dispute_goes_to_the_role_of_the_next_stage(app: App, tmp_path: Path) -> None:
    case = custody_case("C1", "2027-06-01")
    disputes = [{"dispute_ref": "D7", "case_ref": "C1", "stage": "2", "stage_started_on": "2026-11-18"}]
    plan(app, tmp_path, [case], disputes=disputes, digests=False)
    to_stage_3 = items(app, stage="dispute-stage-3")
    assert [i.recipient for i in to_stage_3] == ["sm@example.org"]
    # the stage-2 owner (the manager) is reminded that it is overdue
    assert [i.recipient for i in items(app, ref="D7", stage="overdue-0")] == ["tm.north@example.org"]


def test_snooze_pauses_owner_reminders_but_not_escalation(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, [custody_case("C1", "2027-02-18")], as_of=date(2026, 11, 16), digests=False)
    suppressions.add(app.engine, kind="snooze", case_ref="C1", obligation="custody-release-review", ref="",
                     reason="in hospital", until=date(2026, 12, 31), created_by="tm", now=MONDAY_NOON,
                     today=date(2026, 11, 16))
    assert {i.state for i in items(app)} == {"cancelled"}
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], digests=False)
    planned = [i for i in items(app) if i.state == "planned"]
    assert [i.stage for i in planned] == ["escalated-manager"]


def test_waiver_plans_nothing(app: App, tmp_path: Path) -> None:
    suppressions.add(app.engine, kind="waive", case_ref="C1", obligation="custody-release-review", ref="",
                     reason="remand, no review", until=date(2027, 1, 31), created_by="tm", now=MONDAY_NOON,
                     today=MONDAY)
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], digests=False)
    assert items(app) == []


def test_suppression_needs_a_reason_and_a_future_expiry(app: App) -> None:
    with pytest.raises(ValueError, match="reason"):
        suppressions.add(app.engine, kind="snooze", case_ref="C1", obligation="x", ref="", reason="  ",
                         until=date(2027, 1, 1), created_by="tm", now=MONDAY_NOON, today=MONDAY)
    with pytest.raises(ValueError, match="past"):
        suppressions.add(app.engine, kind="snooze", case_ref="C1", obligation="x", ref="", reason="why",
                         until=date(2026, 1, 1), created_by="tm", now=MONDAY_NOON, today=MONDAY)


def test_messages_planned_outside_the_window_wait_for_it(app: App, tmp_path: Path) -> None:
    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], as_of=date(2026, 11, 28), now=saturday_night,
         digests=False)
    # Monday 30 November, 08:00 in London (GMT) is 08:00 UTC.
    assert {m.next_attempt_at for m in messages(app)} == {datetime(2026, 11, 30, 8, 0, tzinfo=UTC)}


class FailingSource(CsvSource):
    def case_rows(self) -> Iterator[dict[str, Any]]:
        for i, row in enumerate(super().case_rows()):
            if i == 1:
                raise SourceError("the connection dropped part-way")
            yield row


def test_a_source_failing_part_way_changes_nothing(app: App, tmp_path: Path) -> None:
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-02-16"), custody_case("C2", "2027-02-16")])
    with pytest.raises(SourceError):
        app.tick(FailingSource(cases)).plan(MONDAY, MONDAY_NOON, digests=True)
    with app.engine.connect() as connection:
        assert connection.execute(select(obligation_instance)).all() == []
        (alert,) = connection.execute(select(outbox)).all()  # only the operator hears of it
        outcomes = [r.outcome for r in connection.execute(select(run))]
    assert outcomes == ["failed"]
    assert (alert.kind, alert.recipient) == ("operator", "ops@example.org")
    assert "the connection dropped part-way" in json.loads(alert.payload)["lines"][1]


def _ten_cases() -> list[dict[str, str]]:
    return [custody_case(f"C{i}", "2027-02-16") for i in range(10)]


def test_a_source_with_far_fewer_cases_than_the_last_good_tick_changes_nothing(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, _ten_cases(), digests=False)
    with pytest.raises(TickAbortedError, match=r"7 cases were evaluated \(7 rows read\), 30% fewer than the 10"):
        plan(app, tmp_path, _ten_cases()[:7], digests=False)
    with app.engine.connect() as connection:
        open_instances = connection.execute(select(obligation_instance)
                                            .where(obligation_instance.c.closed_at.is_(None))).all()
        alerts = connection.execute(select(outbox).where(outbox.c.kind == "operator")).all()
        outcomes = [r.outcome for r in connection.execute(select(run).order_by(run.c.id))]
    assert len(open_instances) == 10  # the three missing cases were not taken as gone
    assert outcomes == ["ok", "aborted"]
    assert len(alerts) == 1
    assert "30% fewer" in json.loads(alerts[0].payload)["lines"][1]


def test_a_drop_within_the_limit_goes_ahead(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, _ten_cases(), digests=False)
    report = plan(app, tmp_path, _ten_cases()[:8], digests=False)  # 20% is the limit, not over it
    assert report.closed == 2


def test_an_accepted_drop_goes_ahead(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, _ten_cases(), digests=False)
    cases = write_csv(tmp_path / "cases.csv", _ten_cases()[:3])
    report = app.tick(CsvSource(cases, None), guarded=False).plan(MONDAY, MONDAY_NOON, digests=False)
    assert report.closed == 7


def test_a_source_with_no_cases_at_all_changes_nothing(app: App, tmp_path: Path) -> None:
    with pytest.raises(TickAbortedError, match="no case could be evaluated"):
        plan(app, tmp_path, [], digests=False)


def test_a_case_rejected_for_bad_data_keeps_its_obligations_open(app: App, tmp_path: Path) -> None:
    # Four others beside it: one case rejected of five is the 20% fall the source guard allows.
    others = [custody_case(f"C{n}", "2027-02-16") for n in range(2, 6)]
    plan(app, tmp_path, [custody_case("C1", "2027-02-16"), *others], digests=False)
    plan(app, tmp_path, [custody_case("C1", "2027-02-16", date_of_birth="31/02/2006"), *others], digests=False)
    with app.engine.connect() as connection:
        instance = connection.execute(select(obligation_instance)
                                      .where(obligation_instance.c.case_ref == "C1")).one()
    assert instance.closed_at is None


def test_an_obligation_skipped_for_bad_data_stays_open(app: App, tmp_path: Path) -> None:
    """In custody with the release date gone from the record: a data error, not a closed obligation."""
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], digests=False)
    report = plan(app, tmp_path, [custody_case("C1", "")], digests=False)
    assert report.data_errors == 1
    assert report.closed == 0
    with app.engine.connect() as connection:
        instance = connection.execute(select(obligation_instance)).one()
    assert instance.closed_at is None


def test_a_dispute_rejected_for_bad_data_stays_open(app: App, tmp_path: Path) -> None:
    dispute = {"dispute_ref": "D1", "case_ref": "C1", "stage": "2", "stage_started_on": "2026-11-19"}
    plan(app, tmp_path, [custody_case("C1", "2027-02-16")], disputes=[dispute], digests=False)
    report = plan(app, tmp_path, [custody_case("C1", "2027-02-16")], disputes=[dispute | {"stage": "7"}],
                  digests=False)
    assert report.data_errors == 1
    with app.engine.connect() as connection:
        open_ones = connection.execute(select(obligation_instance.c.obligation)
                                       .where(obligation_instance.c.closed_at.is_(None))).scalars().all()
    assert sorted(open_ones) == ["custody-release-review", "dispute-escalation"]


def test_a_case_gone_from_the_source_closes_and_cancels(app: App, tmp_path: Path) -> None:
    plan(app, tmp_path, _ten_cases(), digests=False)
    report = plan(app, tmp_path, _ten_cases()[1:], digests=False)  # C0 gone: a 10% drop, within the guard's limit
    assert report.closed == 1
    with app.engine.connect() as connection:
        closed = {r.case_ref: r.closed_at for r in connection.execute(select(obligation_instance))}
    assert closed["C0"] is not None
    assert closed["C1"] is None
    assert {i.state for i in items(app, case_ref="C0")} == {"cancelled"}


def test_weekly_digest_is_planned_once_per_manager_per_week(app: App, tmp_path: Path) -> None:
    rows = [custody_case("C1", "2027-02-16"), custody_case("C2", "2027-02-16", adviser="pa.two@example.org")]
    first = plan(app, tmp_path, rows, digests=True)
    again = plan(app, tmp_path, rows, digests=True)
    digests = [m for m in messages(app) if m.kind == "digest"]
    assert first.digests == 1
    assert again.digests == 0
    assert [d.recipient for d in digests] == ["tm.north@example.org"]
    payload = json.loads(digests[0].payload)
    assert {a["adviser"] for a in payload["overdue_by_adviser"]} == {"pa.one@example.org", "pa.two@example.org"}
    assert payload["bucket_counts"] == {"1-5": 2, "6-20": 0, "over 20": 0}
    assert "Sam" not in digests[0].payload
    assert "Khan" not in digests[0].payload


def test_team_names_from_settings_match_without_regard_to_case(tmp_path: Path) -> None:
    """CHECKER_TEAMS__TEAM_CHANNELS__NORTH arrives as "north": the case records say "North"."""
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(teams_channel="sink"),
        teams=TeamsSettings(team_channels={"north": "north-hook"}),
        routing=RoutingSettings(operator_email="ops@example.org",
                                teams={"NORTH": RoleAddressSettings(head_of_service="hos.north@example.org")}),
    )
    app = App.from_settings(settings)
    plan(app, tmp_path, [custody_case("C1", "2026-12-10")], digests=False)  # due 10 Sep: escalated
    recipients = {(i.channel, i.recipient) for i in items(app)}
    assert ("teams_channel", "north-hook") in recipients
    assert ("email", "hos.north@example.org") in recipients  # 52 working days overdue: head of service
