"""Delivery: claim each due outbox message, render it, hand it to its channel, record the outcome.

Following the healthchecks pattern: the outbox row exists before anything is sent; a message is
claimed atomically (``UPDATE … WHERE state='pending'``, one row or none), so two processes never send
the same one; it is rendered once and kept, so every retry sends the same content; a channel's
checkpoint is stored before its risky step so a retry resumes; only transient failures are retried,
at most ``max_attempts`` times, then the message is parked, listed by ``checker outbox`` and reported
to the operator. Nothing is dropped. Reminders and digests go out only inside the working window;
operator alerts go at once.

What each send came to is the channel's ``DeliveryError.outcome`` (``notifiers/outcome.py``): refused
parks at once, transient is retried later, and ambiguous (the request went out, no definite answer
came back) follows the channel's ``on_ambiguous``: ``resend`` retries it like a transient failure (the
same content, for email the same Message-ID), ``hold`` keeps it for the operator (``checker outbox``,
the operator alert), never sending it again by itself.

While a pass runs the process beats (``checker.state.heartbeat``); a pass first resumes the messages
of claimants known dead (``outbox.reclaim_abandoned``): one cut off after it was handed to a channel
that cannot find out what happened is ambiguous, and follows ``on_ambiguous`` too.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from checker.facts import Channel, MessageKind
from checker.planning.window import Window
from checker.state import outbox as box
from checker.state.heartbeat import Heartbeat
from checker.state.notifications import has_live_items, live_items
from checker.state.reroute import RECIPIENT_REFUSED, reroute_refused
from notifiers.base import Attachment, DeliveryError, Mention, Message, Notifier
from notifiers.outcome import Outcome

log = logging.getLogger(__name__)

# An address in a server's answer ("5.1.1 <pa.gone@example.org>: Recipient address rejected"): kept out of
# outbox.last_error and the logs, which hold no personal data (`checker outbox` shows the message's recipient).
_ADDRESS = re.compile(r"[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+")


def _without_addresses(text: str, recipient: str) -> str:
    """``text`` with the recipient and anything shaped like an address replaced by ``<address>``."""
    if recipient:
        text = text.replace(recipient, "<address>")
    return _ADDRESS.sub("<address>", text)

Render = Callable[[box.OutboxMessage, Iterable[dict[str, Any]]], Message]


def message_to_json(message: Message) -> str:
    return json.dumps(asdict(message), default=str)


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    data["mentions"] = tuple(Mention(**m) for m in data.get("mentions") or ())
    data["attachments"] = tuple(Attachment(**a) for a in data.get("attachments") or ())
    return Message(**data)


@dataclass
class DeliveryCounts:
    sent: int = 0
    failed: int = 0
    parked: int = 0
    cancelled: int = 0
    held: int = 0
    resumed: int = 0  # messages of dead claimants taken up again
    parked_ids: list[int] = field(default_factory=list)
    held_ids: list[int] = field(default_factory=list)
    rerouted: dict[int, int] = field(default_factory=dict)  # parked message id -> items re-routed to managers
    reasons: dict[str, int] = field(default_factory=dict)  # "outcome:reason" -> count, for metrics

    @property
    def needs_operator(self) -> bool:
        """Messages were parked or held in this pass: someone has to look (``run --once`` exit code)."""
        return bool(self.parked or self.held)


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
    on_ambiguous: Mapping[str, str] = field(default_factory=dict)  # channel -> "resend" | "hold"
    heartbeat: timedelta = timedelta(seconds=10)
    counts: DeliveryCounts = field(default_factory=DeliveryCounts)

    def holds(self, channel: str) -> bool:
        """Whether an ambiguous outcome on ``channel`` is held (else resent). A resumable transport never is."""
        notifier = self.notifiers.get(channel)
        if notifier is not None and getattr(notifier, "resumable", False):
            return False
        return self.on_ambiguous.get(channel, "resend") == "hold"

    def run(self, should_stop: Callable[[], bool] = lambda: False, *, operator_only: bool = False) -> DeliveryCounts:
        """Send every message that is due now (only operator alerts, with ``operator_only``); say what happened.

        ``should_stop`` is asked before each message: a shutdown or a lost leadership ends the pass
        between two messages, never in the middle of one.
        """
        with Heartbeat(self.engine, self.worker, self.heartbeat, self.clock):
            self._resume_abandoned()
            self._alert_operator()  # of what was held there, sent in this pass
            self._pass(should_stop, operator_only)
        return self.counts

    def _resume_abandoned(self) -> None:
        for message in box.reclaim_abandoned(self.engine, self.clock(), self.claim_lease, hold=self.holds):
            self.counts.resumed += 1
            if message.state == "held":
                self._count("ambiguous", "abandoned")
                self.counts.held += 1
                self.counts.held_ids.append(message.id)
            log.warning("message %s (%s) was claimed by a process that died; %s", message.id, message.channel,
                        "held for the operator" if message.state == "held" else "resumed")

    def _pass(self, should_stop: Callable[[], bool], operator_only: bool) -> None:
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

    def _one(self, message_id: int, kinds: tuple[str, ...] | None) -> None:
        now = self.clock()
        if not self.window.contains(now):
            kinds = ("operator",)
        message = box.claim(self.engine, message_id, self.worker, now, kinds=kinds)
        if message is None:
            return
        rendered = self._rendered(message)
        if rendered is None:
            return
        notifier = self.notifiers.get(message.channel)
        if notifier is None:
            self._failed(message, f"the {message.channel} channel is not configured", permanent=True)
            return
        self._send(message, rendered, notifier)

    def _rendered(self, message: box.OutboxMessage) -> Message | None:
        """The message as first rendered (rendered now and kept, the first time); ``None`` when it is done with."""
        if message.rendered is not None:
            return message_from_json(message.rendered)
        try:
            if message.kind in (MessageKind.REMINDER, MessageKind.SUMMARY):
                with self.engine.connect() as connection:  # the items are streamed, never all held at once
                    if not has_live_items(connection, message.id):
                        connection.close()
                        box.mark_cancelled(self.engine, message.id, "every item was cancelled before sending")
                        self.counts.cancelled += 1
                        return None
                    rendered = self.render(message, live_items(connection, message.id))
            else:
                rendered = self.render(message, [])
        except SQLAlchemyError:
            raise  # the state database failed: not this message's fault
        except Exception as exc:  # a template fault parks this message, not the whole delivery
            self._failed(message, f"could not render: {exc.__class__.__name__}: {exc}", permanent=True)
            return None
        box.save_rendered(self.engine, message.id, self.worker, message_to_json(rendered))
        return rendered

    def _send(self, message: box.OutboxMessage, rendered: Message, notifier: Notifier) -> None:
        message_id = message.id

        def checkpoint(progress: str) -> None:
            box.save_progress(self.engine, message_id, self.worker, progress)

        resumable = bool(getattr(notifier, "resumable", False))
        if not resumable:
            box.mark_handed(self.engine, message_id, self.worker, self.clock())
        try:
            receipt = notifier.send(rendered, message.progress, checkpoint)
        except DeliveryError as exc:
            self._count(exc.outcome.value, exc.reason)
            error = _without_addresses(str(exc), message.recipient)
            if exc.ambiguous and self.holds(message.channel):
                self._held(message, error)
            else:
                self._failed(message, error, permanent=exc.permanent, retry_after=exc.retry_after)
                if (exc.permanent and exc.reason == RECIPIENT_REFUSED and message.channel == Channel.EMAIL
                        and message.kind in (MessageKind.REMINDER, MessageKind.SUMMARY)):
                    self._reroute(message)
            return
        except Exception as exc:  # a fault in the channel: after the request, for all we know
            error = f"{exc.__class__.__name__} in the {message.channel} channel"
            self._count(Outcome.TRANSIENT.value if resumable else Outcome.AMBIGUOUS.value, "channel_fault")
            if not resumable and self.holds(message.channel):
                self._held(message, error)
            else:
                self._failed(message, error, permanent=False)
            return
        self._count(Outcome.ACCEPTED.value, "ok")
        box.mark_sent(self.engine, message_id, self.clock(), receipt.provider_id)
        self.counts.sent += 1
        log.info("sent message %s (%s, %s)", message_id, message.kind, message.channel)

    def _reroute(self, message: box.OutboxMessage) -> None:
        """The address was refused for good: its items go to the team managers (``state/reroute.py``)."""
        with self.engine.begin() as connection:
            managers = reroute_refused(connection, message.id, message.recipient, self.clock())
        self.counts.rerouted[message.id] = sum(managers.values())
        log.warning("message %s: the address was refused for good; %s items re-routed to %s team managers",
                    message.id, sum(managers.values()), len(managers))

    def _count(self, outcome: str, reason: str) -> None:
        label = f"{outcome}:{reason}"
        self.counts.reasons[label] = self.counts.reasons.get(label, 0) + 1

    def _held(self, message: box.OutboxMessage, error: str) -> None:
        box.mark_held(self.engine, message.id, f"{error}; held (delivery.on_ambiguous.{message.channel} = hold)")
        log.warning("message %s (%s, %s): the outcome is unknown; held for the operator: %s", message.id,
                    message.kind, message.channel, error)
        self.counts.held += 1
        if message.kind != "operator":
            self.counts.held_ids.append(message.id)

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
        operator = self.operator
        if not operator or not (self.counts.parked_ids or self.counts.held_ids):
            return
        now = self.clock()
        with self.engine.begin() as connection:
            def tell(key: str, subject: str, lines: list[str]) -> None:
                box.add_message(connection, key=key, kind=MessageKind.OPERATOR, recipient=operator,
                                channel=Channel.EMAIL, now=now, send_from=now, run_id=None,
                                payload={"subject": subject, "lines": lines, "as_of": now.date().isoformat()})

            for message_id in self.counts.held_ids:
                tell(f"operator:held:{message_id}",
                     f"checker: message {message_id} may or may not have arrived and is held",
                     [f"Outbox message {message_id} went out, but no definite answer came back "
                      "(a timeout, a 504, a dropped connection, or the sending process died), "
                      "and its channel cannot tell whether it arrived. It is held, not re-sent.",
                      "Ask the recipient, or check the channel; then "
                      f"`checker outbox retry {message_id}` to send it again, or "
                      f"`checker outbox drop {message_id}` if it arrived."])
            for message_id in self.counts.parked_ids:
                tell(f"operator:parked:{message_id}",
                     f"checker: message {message_id} could not be delivered and is parked",
                     [f"Outbox message {message_id} was parked after repeated or permanent delivery failures.",
                      *_rerouted_lines(self.counts.rerouted.pop(message_id, None)),
                      "See `checker outbox` for the error, fix the cause, then run "
                      f"`checker outbox retry {message_id}`."])
        self.counts.parked_ids.clear()
        self.counts.held_ids.clear()


def _rerouted_lines(items: int | None) -> list[str]:
    if items is None:
        return []
    told = (f"its {items} item{'s' if items != 1 else ''} went to the team manager instead" if items
            else "no team manager other than that address is recorded, so nobody else was told")
    return [f"The mail service refused the recipient's address for good (it does not exist): {told}. Correct "
            "the address in the case records (the adviser's or manager's email) or the staff directory."]
