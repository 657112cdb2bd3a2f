"""The daemon's Prometheus metrics: what each tick and delivery pass did, in counts only.

``Metrics`` owns its own ``CollectorRegistry`` (never the process-wide default), so each daemon, and
each test, has a fresh set. Labels carry obligation ids, finding statuses and tick outcomes only: never
a case reference, a name or an email address, so ``/metrics`` can be scraped by anyone who can reach it.

| metric | type | what |
|---|---|---|
| ``checker_ticks_total{outcome}`` | counter | ticks by outcome: ok, failed, aborted |
| ``checker_findings{obligation,status}`` | gauge | findings of the last ok tick |
| ``checker_messages_{sent,failed,parked,held,cancelled}_total`` | counter | delivery outcomes, every pass |
| ``checker_delivery_requests_total{outcome,reason}`` | counter | sends by outcome and reason (notifiers/outcome.py) |
| ``checker_tick_duration_seconds`` | histogram | how long ok ticks took, delivery included |
| ``checker_source_rows`` | gauge | cases read in the last ok tick |
| ``checker_source_rejected`` | gauge | cases rejected (repeated case_ref) in the last ok tick |
| ``checker_data_errors`` | gauge | data errors in the last ok tick |
| ``checker_last_tick_success_timestamp_seconds`` | gauge | when the last ok tick ended (Unix time) |
| ``checker_is_leader`` | gauge | 1 while this replica holds the leader lease |
"""

from __future__ import annotations

import threading

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from checker.delivery import DeliveryCounts
from checker.tick import TickReport

TICK_OUTCOMES = ("ok", "failed", "aborted")
# A tick reads, evaluates, plans and delivers: seconds for a small caseload, minutes for a large one
# or a slow channel.
TICK_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class Metrics:
    """The daemon's metrics, in a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._ticks = Counter("checker_ticks", "Ticks by outcome (ok, failed, aborted).", ["outcome"], registry=r)
        for outcome in TICK_OUTCOMES:
            self._ticks.labels(outcome=outcome)  # every outcome is a series from the start, at 0
        self._findings = Gauge("checker_findings", "Findings of the last successful tick, by obligation and status.",
                               ["obligation", "status"], registry=r)
        self._sent = Counter("checker_messages_sent", "Messages delivered.", registry=r)
        self._failed = Counter("checker_messages_failed", "Delivery attempts that failed and will be retried.",
                               registry=r)
        self._parked = Counter("checker_messages_parked", "Messages parked after repeated or permanent failures.",
                               registry=r)
        self._held = Counter("checker_messages_held",
                             "Messages held for the operator: sent with no definite answer, on a channel that holds.",
                             registry=r)
        self._requests = Counter("checker_delivery_requests", "Sends by outcome and reason label.",
                                 ["outcome", "reason"], registry=r)
        self._cancelled = Counter("checker_messages_cancelled",
                                  "Messages cancelled before sending (every item in them was withdrawn).",
                                  registry=r)
        self._duration = Histogram("checker_tick_duration_seconds", "How long successful ticks took.",
                                   buckets=TICK_BUCKETS, registry=r)
        self._rows = Gauge("checker_source_rows", "Cases read from the source in the last successful tick.",
                           registry=r)
        self._rejected = Gauge("checker_source_rejected", "Cases rejected in the last successful tick.", registry=r)
        self._data_errors = Gauge("checker_data_errors", "Data errors found in the last successful tick.",
                                  registry=r)
        self._last_success = Gauge("checker_last_tick_success_timestamp_seconds",
                                   "When the last successful tick finished (Unix time).", registry=r)
        self._leader = Gauge("checker_is_leader", "1 while this replica holds the leader lease, else 0.",
                             registry=r)
        self._seen_findings: set[tuple[str, str]] = set()
        self._findings_lock = threading.Lock()

    def observe_tick(self, report: TickReport, seconds: float) -> None:
        """A tick that finished ``ok`` (planning committed, delivery run) and took ``seconds``."""
        self._ticks.labels(outcome="ok").inc()
        self._duration.observe(max(0.0, seconds))
        self._rows.set(report.cases_read)
        self._rejected.set(report.cases_rejected)
        self._data_errors.set(report.data_errors)
        with self._findings_lock:
            # A pair found before but not now drops to 0 rather than vanishing, so a graph shows it clear.
            for obligation, status in self._seen_findings - set(report.by_obligation):
                self._findings.labels(obligation=obligation, status=status).set(0)
            for (obligation, status), count in report.by_obligation.items():
                self._findings.labels(obligation=obligation, status=status).set(count)
            self._seen_findings |= set(report.by_obligation)
        self.observe_delivery(report.delivery)
        self._last_success.set_to_current_time()

    def observe_delivery(self, counts: DeliveryCounts) -> None:
        """What one delivery pass did (a tick's, or a retry pass on its own)."""
        self._sent.inc(counts.sent)
        self._failed.inc(counts.failed)
        self._parked.inc(counts.parked)
        self._held.inc(counts.held)
        self._cancelled.inc(counts.cancelled)
        for label, count in counts.reasons.items():
            outcome, _, reason = label.partition(":")
            self._requests.labels(outcome=outcome, reason=reason).inc(count)

    def tick_failed(self, outcome: str) -> None:
        """A tick that did not finish: ``failed`` (an error) or ``aborted`` (stopped before changing anything)."""
        if outcome not in TICK_OUTCOMES or outcome == "ok":
            raise ValueError(f"a tick that did not finish is 'failed' or 'aborted', not {outcome!r}")
        self._ticks.labels(outcome=outcome).inc()

    def set_leader(self, leader: bool) -> None:
        self._leader.set(1 if leader else 0)

    def exposition(self) -> tuple[bytes, str]:
        """The metrics in the Prometheus text format, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
