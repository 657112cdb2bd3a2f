"""``checker run``: the daemon. Ticks on schedule, delivers, serves health, and stops safely.

Jobs (cron triggers in Europe/London from ``[schedule]``), run one at a time by a single worker thread
with the APScheduler defaults ``coalesce=True`` (a backlog of missed runs is one run),
``max_instances=1`` and ``misfire_grace_time`` from settings:

- ``tick`` (each working day at 07:00): poll the source, evaluate, plan, deliver.
- ``retry`` (every 15 minutes from 08:00 to 18:00 on working days): deliver what is due: retries after
  a failure, and what waited for the working window to open.
- ``digests`` (Mondays at 08:00): a tick that also plans the managers' weekly digests.
- ``board`` (``report.schedule``, working days at 08:30; off with ``report.send = false``): plans the
  quarter's report to the head of service and ``report.recipients`` in the first working days after a
  quarter ends, and the protocol's annual review reminder, each once (``checker/board/schedule.py``),
  then delivers.

On start-up (``catch_up``) a ``tick`` or ``digests`` run whose last scheduled time passed since its
last successful run (the daemon was down, or the run failed) is made at once.

Replicas: only the holder of the leader lease (``checker/state/leader.py``) acts. A thread of its own
renews the lease every third of its ttl, whatever the jobs are doing; a job asks ``should_stop`` before
each message, and stops between two messages when the lease is lost or a shutdown was asked for.

SIGTERM and SIGINT stop the scheduler, let the running job finish its current step (planning is one
transaction; delivery stops between two messages, the outbox keeps the rest), give the lease up and
stop the health server.
"""

from __future__ import annotations

import errno
import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from checker.actions.server import ActionServer
from checker.app import App, utc_now
from checker.channels import Channels
from checker.health import HealthServer, HealthServerError, Limits
from checker.metrics import Metrics
from checker.planning.guard import TickAbortedError
from checker.planning.window import london_today
from checker.settings import Settings
from checker.sources.factory import named_source
from checker.state.leader import Leadership
from checker.state.readiness import readiness
from checker.state.runs import last_good_run

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
CATCH_UP_LOOKBACK = timedelta(days=8)  # a weekly job's last scheduled time is within the past 8 days


def trigger(expression: str) -> CronTrigger:
    """A crontab expression in Europe/London; a bad one is a start-up error naming it."""
    try:
        return CronTrigger.from_crontab(expression, timezone=LONDON)
    except ValueError as exc:
        raise ValueError(f"the schedule {expression!r} is not a crontab expression: {exc}") from None


def last_scheduled(cron: CronTrigger, now: datetime) -> datetime | None:
    """The latest time at or before ``now`` that ``cron`` fired, looking back ``CATCH_UP_LOOKBACK``.

    Windows widen (an hour, a day, the lookback) so that a frequent trigger is not walked for days.
    """
    for window in (timedelta(hours=1), timedelta(days=1), CATCH_UP_LOOKBACK):
        found: datetime | None = None
        candidate = cron.get_next_fire_time(None, now - window)
        while candidate is not None and candidate <= now:
            found = candidate
            candidate = cron.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
        if found is not None:
            return found
    return None


class Daemon:
    """The scheduler, its jobs, the leader lease and the health server of one process."""

    def __init__(self, settings: Settings, app: App, channels: Channels, metrics: Metrics, *,
                 source: str | None = None, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings, self.app, self.channels, self.metrics = settings, app, channels, metrics
        self.source = source
        self.clock = clock
        self.stopping = threading.Event()
        s = settings.schedule
        self.triggers = {"tick": trigger(s.tick), "retry": trigger(s.retry), "digests": trigger(s.digests),
                         "board": trigger(settings.report.schedule)}
        self.leadership = Leadership(app.engine, timedelta(seconds=settings.leader.lease_seconds))
        self.scheduler = BackgroundScheduler(
            timezone=LONDON, executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": s.misfire_grace_seconds})
        h = settings.health
        self.health = HealthServer(h.host, h.port, self.ready, metrics,
                                   Limits(h.read_timeout_seconds, h.workers, h.max_waiting))
        service = app.action_service(clock)
        a = settings.actions
        self.actions = (ActionServer(a.host, a.port, service, Limits(h.read_timeout_seconds, h.workers, h.max_waiting))
                        if service is not None else None)

    # -- leadership ---------------------------------------------------------------------------------

    def leading(self) -> bool:
        """Whether this process may act now: it holds the lease, or has just taken it."""
        now = self.clock()
        try:
            held = self.leadership.holds(now) or self.leadership.acquire(now)
        except Exception as exc:  # the state database is unreachable: act on nothing
            log.warning("could not reach the leader lease: %s", exc.__class__.__name__)
            held = False
        self.metrics.set_leader(held)
        return held

    def should_stop(self) -> bool:
        return self.stopping.is_set() or not self.leadership.holds(self.clock())

    def _keep_lease(self) -> None:
        """Renew the lease while held; while not, stand by and take over when the leader's lease lapses."""
        every = self.leadership.renew_every.total_seconds()
        while not self.stopping.wait(every):
            now = self.clock()
            held = self.leadership.holds(now)
            try:
                kept = self.leadership.renew(now) if held else self.leadership.acquire(now)
            except Exception as exc:  # an unreachable database confirms nothing: holds() lapses by itself
                log.warning("could not reach the leader lease: %s", exc.__class__.__name__)
                continue
            self.metrics.set_leader(kept)
            if held and not kept:
                log.warning("lost the leader lease; stopping work until it can be taken again")
            elif kept and not held and self.scheduler.running:
                log.info("took over the leader lease; resuming what the last leader left")
                self.scheduler.add_job(self.safely(self.take_over, "take-over"), id="take-over", name="take-over",
                                       replace_existing=True)

    def take_over(self) -> None:
        """As the new leader: make a missed tick, and deliver what the last leader left in the outbox."""
        self.catch_up()
        self.deliver()

    # -- jobs ---------------------------------------------------------------------------------------

    def tick(self, *, digests: bool = False) -> None:
        kind = "digest" if digests else "tick"
        if not self.leading():
            log.info("%s skipped: another replica holds the leader lease", kind)
            return
        now = self.clock()
        started = time.monotonic()
        try:
            source = named_source(self.settings, self.source)
            report = self.app.tick(source).run_once(london_today(now), now, self.app.delivery(self.channels),
                                                    digests=digests, kind=kind, should_stop=self.should_stop)
        except TickAbortedError:
            self.metrics.tick_failed("aborted")
            log.warning("%s stopped by the source safety guard; nothing changed; the operator was told", kind)
            return
        except Exception as exc:
            self.metrics.tick_failed("failed")
            # No traceback: an exception's text may quote a row of the case records.
            log.error("%s failed (%s); a planning that fails changes nothing and alerts the operator", kind,  # noqa: TRY400 - see above
                      exc.__class__.__name__)
            return
        self.metrics.observe_tick(report, time.monotonic() - started)
        d = report.delivery
        log.info("%s done", kind, extra={"run_id": report.run_id, "as_of": report.as_of.isoformat(),
                                         "cases_read": report.cases_read, "findings": report.findings,
                                         "overdue": report.overdue, "data_errors": report.data_errors,
                                         "planned": report.planned, "sent": d.sent, "failed": d.failed,
                                         "parked": d.parked, "held": d.held, "go_live": report.go_live})

    def deliver(self) -> None:
        if not self.leading():
            return
        counts = self.app.delivery(self.channels).run(self.should_stop)
        self.metrics.observe_delivery(counts)
        if counts.sent or counts.failed or counts.parked or counts.held or counts.resumed:
            log.info("delivery pass done", extra={"sent": counts.sent, "failed": counts.failed,
                                                   "parked": counts.parked, "held": counts.held,
                                                   "resumed": counts.resumed})

    def board(self) -> None:
        """Plan the board's messages due today (each once ever, by its key), then deliver."""
        if not self.leading():
            return
        from checker.board.schedule import plan_board_messages  # noqa: PLC0415 - matplotlib only when due

        r = self.settings.report
        now = self.clock()
        plan = plan_board_messages(self.app.engine, self.app.profile, today=london_today(now), now=now,
                                   head_of_service=self.settings.routing.head_of_service, recipients=r.recipients,
                                   threshold=r.small_number_threshold,
                                   max_bytes=self.settings.delivery.max_message_bytes)
        if plan.reports or plan.reviews:
            log.info("board messages planned", extra={"reports": plan.reports, "reviews": plan.reviews})
        self.deliver()

    def catch_up(self) -> None:
        """Make a tick (or this week's digests) missed while the daemon was down or failing."""
        now = self.clock()
        with self.app.engine.connect() as connection:
            last = {kind: last_good_run(connection, kind) for kind in ("tick", "digest")}
        for job, kind in (("digests", "digest"), ("tick", "tick")):
            due = last_scheduled(self.triggers[job], now)
            done = last[kind].started_at if last[kind] is not None else None
            if due is not None and (done is None or done < due):
                log.info("catching up the %s of %s", job, due.isoformat(timespec="minutes"))
                self.tick(digests=job == "digests")
                return  # a digest run is a full tick too

    @staticmethod
    def safely(job: Callable[..., None], name: str) -> Callable[..., None]:
        """``job`` for the scheduler: a failure is logged by its class alone, never with its text or a
        traceback (a database error's text quotes its parameters, which may be a message naming a young
        person); the next run tries again."""
        def run(*args: object, **kwargs: object) -> None:
            try:
                job(*args, **kwargs)
            except Exception as exc:
                log.error("the %s job failed (%s); the next run tries again", name, exc.__class__.__name__)  # noqa: TRY400 - see above

        return run

    def ready(self) -> tuple[bool, str]:
        """Ready when the state database answers and the tick the schedule last asked for succeeded.

        The tick due at 07:00 counts from ``health.tick_grace_minutes`` after it; before then the one
        before it counts (over a weekend, Friday's).
        """
        now = self.clock()
        due = last_scheduled(self.triggers["tick"], now - timedelta(minutes=self.settings.health.tick_grace_minutes))
        max_age = now - due if due is not None else CATCH_UP_LOOKBACK
        return readiness(self.app.engine, now, max_age)

    # -- running ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the health server, the lease keeper and the scheduler (with the catch-up first)."""
        self.health.start()
        if self.actions is not None:
            try:
                self.actions.start()
            except OSError as exc:
                self.health.stop()
                a = self.settings.actions
                reason = ("the port is in use (another checker, or another program, listens there)"
                          if exc.errno == errno.EADDRINUSE else (exc.strerror or exc.__class__.__name__))
                raise HealthServerError(f"cannot serve the action links' pages on {a.host}:{a.port}: {reason}; "
                                        "stop the other program or set actions.port (CHECKER_ACTIONS__PORT) to a "
                                        "free port") from None
        threading.Thread(target=self._keep_lease, name="leader-lease", daemon=True).start()
        safely = self.safely
        self.scheduler.add_job(safely(self.tick, "tick"), self.triggers["tick"], id="tick", name="tick")
        self.scheduler.add_job(safely(self.deliver, "retry"), self.triggers["retry"], id="retry", name="retry")
        self.scheduler.add_job(safely(self.tick, "digests"), self.triggers["digests"], id="digests", name="digests",
                               kwargs={"digests": True})
        if self.settings.report.send:
            self.scheduler.add_job(safely(self.board, "board"), self.triggers["board"], id="board", name="board")
        if self.settings.schedule.catch_up:
            self.scheduler.add_job(safely(self.catch_up, "catch-up"), id="catch-up", name="catch-up")  # at once
        self.scheduler.start()
        log.info("daemon started", extra={"health_port": self.health.port, "holder": self.leadership.holder})

    def stop(self) -> None:
        """Stop safely: no new job, the running one ends its current step; give the lease up."""
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        try:
            self.leadership.release()
        except Exception as exc:  # the lease lapses by itself
            log.warning("could not release the leader lease: %s", exc.__class__.__name__)
        self.health.stop()
        if self.actions is not None:
            self.actions.stop()
        log.info("daemon stopped")

    def run_until_signalled(self) -> None:
        """``start``, then wait for SIGTERM or SIGINT, then ``stop``.

        The handler only records the signal. Python runs it in the main thread between two bytecodes,
        possibly inside a lock that thread holds (``Event.wait`` and ``Event.set`` take one): a handler that
        set an Event, or logged, could wait for good on a lock its own thread holds. That happened when a
        second signal interrupted the first one's handler (``timeout`` and shells signal the whole process
        group, so the daemon gets two at once; Ctrl-C pressed twice). The loop below notices the signal
        within a fifth of a second and does the rest outside the handler.
        """
        received: list[int] = []

        def on_signal(number: int, _frame: FrameType | None) -> None:
            received.append(number)  # no lock taken, nothing logged: see above

        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, on_signal)
        self.start()
        try:
            while not received and not self.stopping.is_set():
                time.sleep(0.2)
            if received:
                log.info("signal %s: stopping after the current step", signal.Signals(received[0]).name)
        finally:
            self.stop()
