"""One tick: poll the source, evaluate, bring the state up to date, plan, and deliver.

Planning happens in ONE database transaction: the instance updates, the notification items (unique
keys), the grouping into outbox messages, this week's digests and the run record commit together or
not at all. A source that fails part-way therefore changes nothing and sends nothing; a crash after
the commit leaves pending outbox rows that the next delivery pass sends. Planning twice on unchanged
data inserts nothing new, so it sends nothing new.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice
from typing import TypeVar

from sqlalchemy import Connection, Engine, update
from sqlalchemy.exc import SQLAlchemyError

from checker.collector import collector_paused
from checker.delivery import Delivery, DeliveryCounts
from checker.engine import CaseResult, Evaluation
from checker.facts import Channel, MessageKind
from checker.planning.daily import plan_daily_digests, split_daily
from checker.planning.data_quality import plan_data_error_alert
from checker.planning.digest import plan_digests
from checker.planning.go_live import GoLive
from checker.planning.guard import SourceGuard, TickAbortedError, columns_text
from checker.planning.recipients import Away, Routing
from checker.planning.reminders import ReminderPlanner
from checker.planning.window import Window
from checker.profiles import Profile
from checker.sources.base import Source
from checker.sources.staff import directory_away
from checker.state import absences, link_actions, suppressions
from checker.state.data_errors import record_data_errors
from checker.state.errors import failure_reason
from checker.state.instances import InstanceSync
from checker.state.notifications import ItemWriter, PlannedItem, planned_keys
from checker.state.occurrences import OccurrenceLog, close_ended_instances
from checker.state.outbox import add_message
from checker.state.retention import purge_due, purge_message_content, purge_personal_data
from checker.state.runs import abandon_dead_runs, finish_run, start_run
from checker.state.schema import obligation_instance
from checker.state.statistics import refresh_statistics, worth_refreshing
from rules.records import Status

log = logging.getLogger(__name__)
BATCH = 500
T = TypeVar("T")


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while chunk := list(islice(items, size)):
        yield chunk


@dataclass
class TickReport:
    run_id: int
    as_of: date
    cases_read: int = 0
    cases_rejected: int = 0
    findings: int = 0
    overdue: int = 0
    data_errors: int = 0
    planned: int = 0
    messages: int = 0
    digests: int = 0
    daily_digests: int = 0
    closed: int = 0
    by_obligation: Counter[tuple[str, str]] = field(default_factory=Counter)  # (obligation, status) -> findings
    unknown_columns: tuple[str, ...] = ()  # the source's columns that are not read, described for the operator
    columns: str | None = None  # the canonical columns read (JSON), kept on the run row for the guard
    delivery: DeliveryCounts = field(default_factory=DeliveryCounts)
    go_live: str | None = None  # why this tick sent one summary per recipient (planning/go_live.py)
    refresh_statistics: bool = False  # it added many instances: PostgreSQL's statistics are refreshed after it


@dataclass(frozen=True)
class Said:
    """What people said about their items, read once per tick: the snoozes and waivers in force, and the
    acknowledgements (both recorded by hand, so few)."""

    suppressed: dict[tuple[str, str, str], str]
    acknowledged: set[tuple[int, date, str]]


@dataclass
class Tick:
    """Everything a tick needs, composed by the application from settings."""

    engine: Engine
    profile: Profile
    source: Source
    routing: Routing
    planner_factory: Callable[[date], ReminderPlanner]
    window: Window
    digest_weekday: int = 0
    guard: SourceGuard | None = None
    keep_sent_content: timedelta | None = None  # purge sent messages' content after this (retention.py)
    keep_personal_data: timedelta | None = None  # erase the audit tables' personal fields after this (likewise)
    go_live: GoLive | None = None  # the first tick, and the first after an outage, send one summary each

    def plan(self, as_of: date, now: datetime, *, digests: bool | None = None, kind: str = "tick") -> TickReport:
        """Evaluate and plan in one transaction; ``digests=None`` plans them when this week's are due.

        A tick that fails or is aborted changes nothing; the operator is told (an alert planned in its own
        transaction) and the exception goes on to the caller.
        """
        abandon_dead_runs(self.engine, now)
        run_id = start_run(self.engine, kind=kind, as_of=as_of, profile=self.profile.name,
                           source=self.source.description, now=now)
        report = TickReport(run_id, as_of)
        try:
            with self.engine.begin() as connection, collector_paused():
                self._plan(connection, report, as_of, now, digests)
                finish_run(connection, run_id, outcome="ok", now=now, columns=report.columns,
                           cases_read=report.cases_read,
                           cases_rejected=report.cases_rejected, findings=report.findings, overdue=report.overdue,
                           data_errors=report.data_errors, planned=report.planned)
            if report.refresh_statistics:
                refresh_statistics(self.engine)
        except TickAbortedError as exc:
            self._record_failure(run_id, as_of, now, "aborted", str(exc),
                                 "checker: the check was stopped before it changed anything")
            raise
        except Exception as exc:
            # A database error is told by its classes only: its text may quote the values of a row.
            self._record_failure(run_id, as_of, now, "failed", failure_reason(exc),
                                 "checker: the check failed; nothing was changed or sent")
            raise
        return report

    def _record_failure(self, run_id: int, as_of: date, now: datetime, outcome: str, reason: str,
                        subject: str) -> None:
        """Record the outcome and alert the operator; when the state database itself is what failed, both
        may fail too: the run is then left ``running`` (the next run marks it abandoned) and the original
        exception goes on to the caller."""
        try:
            finish_run(self.engine, run_id, outcome=outcome, now=now, error=reason)
            self._alert(run_id, as_of, now, subject, reason)
        except SQLAlchemyError as exc:
            log.info("could not record run %s as %s: %s", run_id, outcome, exc.__class__.__name__)

    def rehearse(self, connection: Connection, as_of: date, now: datetime, *,
                 digests: bool | None = None) -> TickReport:
        """Plan as ``plan`` does, all of it in ``connection``'s transaction, which the caller rolls back
        (``run --once --dry-run``): the run row, the instances, the items and the messages."""
        run_id = start_run(connection, kind="tick", as_of=as_of, profile=self.profile.name,
                           source=self.source.description, now=now)
        report = TickReport(run_id, as_of)
        with collector_paused():
            self._plan(connection, report, as_of, now, digests)
        return report

    def _alert(self, run_id: int, as_of: date, now: datetime, subject: str, reason: str) -> None:
        """Tell the operator why a tick changed nothing (sent at once, whatever the window)."""
        with self.engine.begin() as connection:
            add_message(connection, key=f"operator:run:{run_id}", kind=MessageKind.OPERATOR,
                        recipient=self.routing.operator,
                        channel=Channel.EMAIL, now=now, send_from=now, run_id=run_id,
                        payload={"subject": subject, "as_of": as_of.isoformat(),
                                 "lines": [f"Run {run_id} (as of {as_of}, source: {self.source.description}):",
                                           reason[:2000], "",
                                           "Reminders already planned stay in the outbox; nothing new was planned. "
                                           "`checker outbox --all` shows them; the next tick tries again."]})

    def _plan(self, connection: Connection, report: TickReport, as_of: date, now: datetime,
              digests: bool | None) -> None:
        columns = {"cases": self.source.case_columns(), "disputes": self.source.dispute_columns()}
        if self.guard is not None:
            self.guard.columns(connection, columns)
        report.columns = columns_text(columns)
        report.unknown_columns = tuple(u.describe() for u in self.source.unknown_columns())
        for line in report.unknown_columns:
            log.warning("source: %s", line)
        summary = self.go_live.reason(connection, as_of, self.profile.calendar) if self.go_live else None
        report.go_live = summary
        evaluation = Evaluation(self.source, self.profile, as_of)
        sync = InstanceSync(connection, report.run_id, now)
        planner = self.planner_factory(as_of)
        recurring = frozenset(o.id for o, kind in self.profile.case_obligations if kind.name == "recurring")
        occurrences = OccurrenceLog(connection, as_of, self.profile.calendar, recurring)
        daily: list[PlannedItem] = []  # the daily-digest advisers' items (planning/daily.py)
        send_from = self.window.next_open(now)
        writer = ItemWriter(connection, report.run_id, now, lambda _channel: send_from, summary)
        said = Said(suppressions.active(connection, as_of), link_actions.acknowledged(connection))
        for batch in batched(evaluation.results(), BATCH):
            daily += self._plan_batch(connection, sync, planner, batch, report, as_of, occurrences, writer, said)
        if self.guard is not None:  # judged on what was evaluated, before anything is committed
            self.guard.cases(connection, evaluation.cases_evaluated, evaluation.cases_read)
        report.cases_read = evaluation.cases_read
        report.cases_rejected = evaluation.cases_rejected
        report.data_errors = len(evaluation.data_errors)
        plan_data_error_alert(connection, evaluation.data_errors, self.routing.operator, as_of, now, report.run_id)
        closed = sync.close_unseen(evaluation.rejected_case_refs)  # bad data must not silence a deadline
        close_ended_instances(connection, as_of, closed)  # the board's history (state/occurrences.py)
        record_data_errors(connection, evaluation.data_errors, as_of)
        report.closed = sync.closed  # no longer reported, or their cases gone from the source
        report.refresh_statistics = worth_refreshing(sync.inserted, sync.had)
        writer.group_leftovers()
        report.messages = writer.made
        report.daily_digests = plan_daily_digests(connection, daily, as_of, self.profile.calendar, now, send_from,
                                                  report.run_id)
        if summary is not None:
            return  # the summary is this week's news: no digest as well (docs/go-live.md)
        if digests or (digests is None and as_of.weekday() >= self.digest_weekday):
            report.digests = plan_digests(connection, self.profile, self.routing, as_of, now, send_from,
                                          report.run_id)

    def _plan_batch(self, connection: Connection, sync: InstanceSync, planner: ReminderPlanner,
                    batch: Sequence[CaseResult], report: TickReport, as_of: date,
                    occurrences: OccurrenceLog, writer: ItemWriter, said: Said) -> list[PlannedItem]:
        """Plan one batch; return the daily-digest advisers' items, which are not per-change reminders."""
        tracked = sync.apply(batch)
        occurrences.record(tracked)
        report.findings += len(tracked)
        report.overdue += sum(1 for t in tracked if t.finding.status is Status.OVERDUE)
        report.by_obligation.update((t.finding.obligation, t.finding.status.value) for t in tracked)
        # the staff directory's absences, then ``checker away``'s (recorded by hand: they win)
        away: dict[str, Away] = {**directory_away(self.source, as_of), **absences.away_on(connection, as_of)}
        # what was told before, of the instances that may be told something (not new, not met: planning/reminders.py)
        known = planned_keys(connection, {t.instance_id: t.finding.due_date for t in tracked
                                          if not t.new and t.finding.status is not Status.MET})
        items, daily = split_daily(planner.plan(tracked, said.suppressed, said.acknowledged, away, known),
                                   planner.channels.daily_digest_teams)
        told = writer.insert(items)
        report.planned += len(told)
        new = set(told)
        noted = [t.instance_id for t in tracked if t.change_note and t.instance_id in new]
        if noted:
            connection.execute(update(obligation_instance).where(obligation_instance.c.id.in_(noted))
                               .values(change_note=None))
        return daily

    def run_once(self, as_of: date, now: datetime, delivery: Delivery, *, digests: bool | None = None,
                 kind: str = "tick", should_stop: Callable[[], bool] = lambda: False) -> TickReport:
        """One full tick: plan, then deliver what is due. A failed tick delivers only the operator's alerts."""
        try:
            report = self.plan(as_of, now, digests=digests, kind=kind)
        except Exception:
            try:
                delivery.run(should_stop, operator_only=True)
            except SQLAlchemyError as exc:  # the state database failed: the tick's own error is the news
                log.info("could not deliver the operator's alerts: %s", exc.__class__.__name__)
            raise
        report.delivery = delivery.run(should_stop)
        # the day's first good tick purges (state/retention.py): the purges read whole tables
        if self.keep_sent_content is not None and purge_due(self.engine, report.run_id, now, self.keep_sent_content):
            purge_message_content(self.engine, delivery.clock(), self.keep_sent_content)
        if self.keep_personal_data is not None and purge_due(self.engine, report.run_id, now, self.keep_personal_data):
            purge_personal_data(self.engine, delivery.clock(), self.keep_personal_data)
        return report
