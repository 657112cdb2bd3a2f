"""Delivery: claim each due outbox message, render it, hand it to its channel, record the outcome.

Following the healthchecks pattern: the outbox row exists before anything is sent; a message is
claimed atomically (``UPDATE … WHERE state='pending'``, one row or none), so two processes never send
the same one; it is rendered once and kept, so every retry sends the same content; a channel's
checkpoint is stored before its risky step so a retry resumes; only transient failures are retried,
at most ``max_attempts`` times, then the message is parked, listed by ``checker outbox`` and reported
to the operator. Nothing is dropped. Reminders and digests go out only inside the working window;
operator alerts go at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from checker.planning.window import Window
from checker.state import outbox as box
from checker.state.notifications import live_items
from notifiers.base import DeliveryError, Mention, Message, Notifier

log = logging.getLogger(__name__)

Render = Callable[[box.OutboxMessage, list[dict[str, Any]]], Message]


def message_to_json(message: Message) -> str:
    return json.dumps(asdict(message), default=str)


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    data["mentions"] = tuple(Mention(**m) for m in data.get("mentions") or ())
    return Message(**data)


@dataclass
class DeliveryCounts:
    sent: int = 0
    failed: int = 0
    parked: int = 0
    cancelled: int = 0
    parked_ids: list[int] = field(default_factory=list)


@dataclass
class Delivery:
    engine: Any
    notifiers: Mapping[str, Notifier]
    render: Render
    window: Window
    clock: Callable[[], datetime]
    worker: str
    operator: str | None = None
    max_attempts: int = 5
    retry_delay: timedelta = timedelta(minutes=15)
    claim_lease: timedelta = box.LEASE
    counts: DeliveryCounts = field(default_factory=DeliveryCounts)

    def run(self, should_stop: Callable[[], bool] = lambda: False, *, operator_only: bool = False) -> DeliveryCounts:
        """Send every message that is due now (only operator alerts, with ``operator_only``); say what happened.

        ``should_stop`` is asked before each message: a shutdown or a lost leadership ends the pass
        between two messages, never in the middle of one.
        """
        box.reclaim_stale(self.engine, self.clock(), self.claim_lease)
        tried: set[int] = set()
        while not should_stop():
            now = self.clock()
            kinds = None if self.window.contains(now) and not operator_only else ("operator",)
            due = [i for i in box.due_messages(self.engine, now, kinds) if i not in tried]
            if not due:
                break
            for message_id in due:
                if should_stop():
                    break
                tried.add(message_id)
                self._one(message_id, kinds)
            self._alert_operator()
        return self.counts

    def _one(self, message_id: int, kinds: tuple[str, ...] | None) -> None:
        now = self.clock()
        if not self.window.contains(now):
            kinds = ("operator",)
        message = box.claim(self.engine, message_id, self.worker, now, kinds=kinds)
        if message is None:
            return
        if message.rendered is not None:
            rendered = message_from_json(message.rendered)
        else:
            items: list[dict[str, Any]] = []
            if message.kind == "reminder":
                with self.engine.connect() as connection:
                    items = live_items(connection, message_id)
                if not items:
                    box.mark_cancelled(self.engine, message_id, "every item was cancelled before sending")
                    self.counts.cancelled += 1
                    return
            try:
                rendered = self.render(message, items)
            except Exception as exc:  # a template fault parks this message, not the whole delivery
                self._failed(message, f"could not render: {exc.__class__.__name__}: {exc}", permanent=True)
                return
            box.save_rendered(self.engine, message_id, self.worker, message_to_json(rendered))
        notifier = self.notifiers.get(message.channel)
        if notifier is None:
            self._failed(message, f"the {message.channel} channel is not configured", permanent=True)
            return

        def checkpoint(progress: str) -> None:
            box.save_progress(self.engine, message_id, self.worker, progress)

        try:
            receipt = notifier.send(rendered, message.progress, checkpoint)
        except DeliveryError as exc:
            self._failed(message, str(exc), permanent=exc.permanent, retry_after=exc.retry_after)
            return
        except Exception as exc:
            self._failed(message, f"{exc.__class__.__name__} in the {message.channel} channel", permanent=False)
            return
        box.mark_sent(self.engine, message_id, self.clock(), receipt.provider_id)
        self.counts.sent += 1
        log.info("sent message %s (%s, %s)", message_id, message.kind, message.channel)

    def _failed(self, message: box.OutboxMessage, error: str, *, permanent: bool,
                retry_after: float | None = None) -> None:
        now = self.clock()
        park = permanent or message.attempts >= self.max_attempts
        delay = self.retry_delay * (2 ** max(0, message.attempts - 1))
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        retry_at = now + delay
        if message.kind != "operator":
            retry_at = self.window.next_open(retry_at)
        box.mark_failed(self.engine, message.id, error, park=park, retry_at=retry_at)
        log.warning("message %s (%s, %s) failed on attempt %s: %s%s", message.id, message.kind, message.channel,
                    message.attempts, error, "; parked" if park else "")
        if park:
            self.counts.parked += 1
            if message.kind != "operator":
                self.counts.parked_ids.append(message.id)
        else:
            self.counts.failed += 1

    def _alert_operator(self) -> None:
        if not self.operator or not self.counts.parked_ids:
            return
        now = self.clock()
        with self.engine.begin() as connection:
            for message_id in self.counts.parked_ids:
                box.add_message(
                    connection, key=f"operator:parked:{message_id}", kind="operator", recipient=self.operator,
                    channel="email", now=now, send_from=now, run_id=None,
                    payload={"subject": f"checker: message {message_id} could not be delivered and is parked",
                             "lines": [f"Outbox message {message_id} was parked after repeated or permanent "
                                       "delivery failures.",
                                       "See `checker outbox` for the error, fix the cause, then run "
                                       f"`checker outbox retry {message_id}`."],
                             "as_of": now.date().isoformat()},
                )
        self.counts.parked_ids.clear()
