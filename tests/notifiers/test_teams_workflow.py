"""Teams Workflows channel against a local trigger that checks every card: shape, retries, splitting, resume."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from servers.webhook import MAX_PAYLOAD_BYTES, WebhookReceiver, payload_problems

from notifiers.base import DeliveryError, Mention, Message, Receipt
from notifiers.outcome import Outcome
from notifiers.teams_workflow import (
    TeamsWorkflowConfig,
    TeamsWorkflowNotifier,
    build_card,
    message_payload,
    split_card,
)

WEBHOOK = "leaving-care-team"
HEADING = "Pathway plan reviews due this week"
ZOE = Mention(text="<at>Zoë Adeyemi</at>", id="zoe.adeyemi@council.example", name="Zoë Adeyemi")
ROWS = 200  # about 80 KB of card: three parts
SAM = Mention(text="<at>Sam Reid</at>", id="sam.reid@council.example", name="Sam Reid")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=2.0) as http:
        yield http


class Run:
    """A notifier wired to the receiver, recording its retry waits (no real sleeping) and checkpoints."""

    def __init__(self, receiver: WebhookReceiver, client: httpx.Client, **options: Any) -> None:
        self.receiver = receiver
        self.waits: list[float] = []
        self.checkpoints: list[str] = []
        self.notifier = TeamsWorkflowNotifier(TeamsWorkflowConfig({WEBHOOK: receiver.url}), client,
                                              sleep=self.waits.append, **options)

    def send(self, message: Message, progress: str | None = None) -> Receipt:
        return self.notifier.send(message, progress, self.checkpoints.append)

    def fails(self, message: Message, progress: str | None = None) -> DeliveryError:
        with pytest.raises(DeliveryError) as caught:
            self.send(message, progress)
        assert self.receiver.sig not in str(caught.value)
        assert "127.0.0.1" not in str(caught.value)
        return caught.value


@pytest.fixture
def run(receiver: WebhookReceiver, client: httpx.Client) -> Run:
    return Run(receiver, client)


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": "reminder:pathway-plan-review:case-17:2025-03-01",
        "recipient": WEBHOOK,
        "subject": "Pathway plan review due in 10 days",
        "text": "The review for case 17 is due on 11 March.\n\nPlease book it.",
        "link": "https://checker.council.example/cases/17",
    } | changes
    return Message(**fields)


def card(rows: int = 3, *, actions: bool = True, row_text: str = "Review due on 11 March. " * 12) -> dict[str, Any]:
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": HEADING, "weight": "Bolder", "size": "Medium",
                                   "wrap": True}]
    body += [{"type": "Container", "items": [
        {"type": "TextBlock", "text": f"Case {row:03d}: {row_text}", "wrap": True},
        {"type": "FactSet", "facts": [{"title": "Due", "value": "2025-03-11"}]},
    ]} for row in range(rows)]
    result: dict[str, Any] = {"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                              "version": "1.4", "body": body}
    if actions:
        result["actions"] = [{"type": "Action.OpenUrl", "title": "Open the list",
                              "url": "https://checker.council.example/digest/2025-03-03"}]
    return result


def rows_of(cards: list[dict[str, Any]]) -> list[str]:
    """The case rows across parts, in order (everything but the repeated heading and part labels)."""
    return [element["items"][0]["text"][:8] for c in cards for element in c["body"]
            if element.get("type") == "Container"]


# -- happy paths ----------------------------------------------------------------------------------


def test_a_plain_message_becomes_a_minimal_card_with_an_open_button(run: Run, receiver: WebhookReceiver) -> None:
    receipt = run.send(message())

    assert receiver.rejected == []
    [payload] = receiver.accepted
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["contentUrl"] is None
    sent = attachment["content"]
    assert sent["type"] == "AdaptiveCard"
    assert sent["version"] == "1.4"
    assert [block["type"] for block in sent["body"]] == ["RichTextBlock"] * 3  # plain text, never markdown
    assert [run["text"] for block in sent["body"] for run in block["inlines"]] == [
        "Pathway plan review due in 10 days", "The review for case 17 is due on 11 March.", "Please book it."]
    assert sent["actions"] == [{"type": "Action.OpenUrl", "title": "Open",
                                "url": "https://checker.council.example/cases/17"}]
    assert receipt.provider_id == "run-0001"
    assert run.checkpoints == ["1"]
    assert run.waits == []


def test_a_plain_message_with_markdown_shows_it_as_text(run: Run, receiver: WebhookReceiver) -> None:
    link = "[Pay here](https://evil.example/pay) **now**"
    run.send(message(subject=link, text=f"{link}\n\n<at>x@y.example</at>"))

    [payload] = receiver.accepted
    sent = payload["attachments"][0]["content"]
    assert all(block["type"] != "TextBlock" for block in sent["body"])  # TextBlock text is markdown
    assert [run["text"] for block in sent["body"] for run in block["inlines"]] == [
        link, link, "<at>x@y.example</at>"]


def test_a_given_card_is_sent_as_it_is(run: Run, receiver: WebhookReceiver) -> None:
    given = card(rows=2)
    run.send(message(card=given))
    assert receiver.cards == [given]


def test_a_read_only_card_mapping_is_accepted(run: Run, receiver: WebhookReceiver) -> None:
    run.send(message(card=MappingProxyType(card(rows=1))))
    assert receiver.cards == [card(rows=1)]


def test_mentions_become_entities_only_when_their_text_is_in_the_card(run: Run, receiver: WebhookReceiver) -> None:
    given = card(rows=1)
    given["body"].append({"type": "TextBlock", "text": f"Adviser: {ZOE.text}", "wrap": True})
    run.send(message(card=given, mentions=(ZOE, SAM)))

    assert receiver.rejected == []
    [sent] = receiver.cards
    assert sent["msteams"] == {"entities": [
        {"type": "mention", "text": ZOE.text, "mentioned": {"id": ZOE.id, "name": ZOE.name}}]}


def test_the_card_does_not_change_the_message(run: Run) -> None:
    given = card(rows=1)
    msg = message(card=given, mentions=(ZOE,))
    given["body"].append({"type": "TextBlock", "text": ZOE.text})
    before = repr(given)
    run.send(msg)
    assert repr(given) == before


# -- retries and failures -------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(run: Run, receiver: WebhookReceiver) -> None:
    receiver.respond(429, times=2, retry_after=7)
    run.send(message())
    assert run.waits == [7.0, 7.0]
    assert len(receiver.accepted) == 1
    assert receiver.requests == 3


def test_503_is_retried_with_backoff(run: Run, receiver: WebhookReceiver) -> None:
    receiver.respond(503, times=2)
    run.send(message())
    assert run.waits == [1.0, 2.0]
    assert len(receiver.accepted) == 1


def test_a_504_is_ambiguous_and_not_repeated(run: Run, receiver: WebhookReceiver) -> None:
    receiver.respond(504)
    error = run.fails(message())
    assert (error.outcome, error.reason) == (Outcome.AMBIGUOUS, "gateway_timeout")
    assert receiver.requests == 1
    assert run.waits == []


def test_when_the_retry_budget_is_spent_the_failure_is_transient(run: Run, receiver: WebhookReceiver) -> None:
    receiver.respond(429, times=4, retry_after=30)
    error = run.fails(message())
    assert not error.permanent
    assert error.retry_after == 30.0
    assert receiver.requests == 4
    assert receiver.accepted == []
    assert run.checkpoints == []


def test_a_timed_out_post_is_ambiguous_and_not_repeated(receiver: WebhookReceiver) -> None:
    with httpx.Client(timeout=0.2) as impatient:
        run = Run(receiver, impatient)
        receiver.slow(0.6)
        error = run.fails(message())
    # The request reached the flow before the client gave up: a webhook has no idempotency key, so a
    # repeat would post the card twice. The send says so and leaves the choice to the delivery step.
    assert (error.outcome, error.reason) == (Outcome.AMBIGUOUS, "read_timeout")
    assert len(receiver.accepted) == 1
    assert run.waits == []


@pytest.mark.parametrize("status", [400, 404])
def test_400_and_404_are_permanent_and_not_retried(run: Run, receiver: WebhookReceiver, status: int) -> None:
    receiver.respond(status)
    error = run.fails(message())
    assert error.permanent
    assert f"HTTP {status}" in str(error)
    assert receiver.requests == 1


def test_a_500_is_transient_and_left_to_the_delivery_step(run: Run, receiver: WebhookReceiver) -> None:
    receiver.respond(500)
    error = run.fails(message())
    assert not error.permanent
    assert receiver.requests == 1


def test_a_wrong_sig_is_permanent_and_not_leaked(receiver: WebhookReceiver, client: httpx.Client) -> None:
    stale = receiver.url.replace(receiver.sig, "REVOKED-SIGNATURE-123")
    notifier = TeamsWorkflowNotifier(TeamsWorkflowConfig({WEBHOOK: stale}), client, sleep=lambda _: None)
    with pytest.raises(DeliveryError) as caught:
        notifier.send(message(), None, lambda _: None)
    assert caught.value.permanent
    assert "HTTP 401" in str(caught.value)
    assert "DirectApiAuthorizationRequired" in str(caught.value)
    assert "REVOKED-SIGNATURE-123" not in str(caught.value)
    assert receiver.accepted == []


def test_an_unknown_webhook_is_permanent_and_names_no_url(run: Run, receiver: WebhookReceiver) -> None:
    error = run.fails(message(recipient="no-such-team"))
    assert error.permanent
    assert "no-such-team" in str(error)
    assert "http" not in str(error)
    assert receiver.requests == 0


def test_the_config_keeps_urls_out_of_its_repr(receiver: WebhookReceiver) -> None:
    config = TeamsWorkflowConfig({WEBHOOK: receiver.url})
    assert receiver.sig not in repr(config)
    assert WEBHOOK in repr(config)


@pytest.mark.parametrize("url", ["http://prod-00.uksouth.logic.azure.com/workflows/x?sig=abc", "not a url"])
def test_the_config_refuses_urls_that_are_not_https(url: str) -> None:
    with pytest.raises(ValueError, match=WEBHOOK) as caught:
        TeamsWorkflowConfig({WEBHOOK: url})
    assert "abc" not in str(caught.value)


def test_the_sig_is_masked_in_httpx_request_logs(run: Run, receiver: WebhookReceiver,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        run.send(message())
    assert "HTTP Request: POST" in caplog.text
    assert receiver.sig not in caplog.text
    assert "sig=REDACTED" in caplog.text


# -- cards over 28 KB -----------------------------------------------------------------------------


def test_a_card_over_28kb_goes_in_parts_each_accepted(run: Run, receiver: WebhookReceiver) -> None:
    given = card(rows=ROWS, actions=True)
    assert len(split_card(given)) > 2

    receipt = run.send(message(card=given, mentions=(ZOE,)))

    assert receiver.rejected == []
    cards = receiver.cards
    count = len(cards)
    assert count > 2
    assert [c["body"][0]["text"] for c in cards] == [f"{HEADING} (part {i} of {count})" for i in range(1, count + 1)]
    assert rows_of(cards) == [f"Case {row:03d}" for row in range(ROWS)]  # every row once, in order
    assert [("actions" in c) for c in cards] == [False] * (count - 1) + [True]
    assert run.checkpoints == [str(i) for i in range(1, count + 1)]
    assert f"in {count} part(s)" in receipt.detail


def test_mentions_follow_the_part_that_shows_them(run: Run, receiver: WebhookReceiver) -> None:
    given = card(rows=ROWS)
    given["body"][150]["items"].append({"type": "TextBlock", "text": f"Adviser: {SAM.text}"})
    run.send(message(card=given, mentions=(SAM,)))

    assert receiver.rejected == []  # the receiver refuses an entity whose text is not in its card
    with_mention = [i for i, c in enumerate(receiver.cards) if "msteams" in c]
    assert len(with_mention) == 1
    assert SAM.text in str(receiver.cards[with_mention[0]]["body"])


def test_a_crash_mid_way_resumes_after_the_parts_already_posted(run: Run, receiver: WebhookReceiver) -> None:
    msg = message(card=card(rows=ROWS))
    count = len(split_card(build_card(msg)))
    receiver.accept(1)
    receiver.respond(503, times=4)  # part 2 fails for the whole attempt

    error = run.fails(msg)
    assert not error.permanent
    assert f"part 2 of {count}" in str(error)
    assert run.checkpoints == ["1"]

    run.send(msg, progress=run.checkpoints[-1])  # the delivery step hands the saved progress back

    labels = [c["body"][0]["text"] for c in receiver.cards]
    assert labels == [f"{HEADING} (part {i} of {count})" for i in range(1, count + 1)]  # each exactly once
    assert rows_of(receiver.cards) == [f"Case {row:03d}" for row in range(ROWS)]
    assert run.checkpoints == ["1"] + [str(i) for i in range(2, count + 1)]


def test_progress_that_covers_every_part_posts_nothing(run: Run, receiver: WebhookReceiver) -> None:
    msg = message(card=card(rows=ROWS))
    count = len(split_card(build_card(msg)))
    receipt = run.send(msg, progress=str(count))
    assert receiver.requests == 0
    assert "already been posted" in receipt.detail


def test_progress_from_something_else_is_refused(run: Run, receiver: WebhookReceiver) -> None:
    error = run.fails(message(), progress="AAMkAGI2draft")
    assert error.permanent
    assert receiver.requests == 0


def test_one_element_over_28kb_cannot_be_sent(run: Run, receiver: WebhookReceiver) -> None:
    error = run.fails(message(card=card(rows=3, row_text="x" * MAX_PAYLOAD_BYTES)))
    assert error.permanent
    assert "28 KB" in str(error)
    assert receiver.requests == 0


def test_every_part_fits_and_passes_the_receivers_checks() -> None:
    for rows, actions in [(70, True), (200, False), (400, True)]:
        parts = split_card(card(rows=rows, actions=actions), (ZOE,))
        assert len(parts) > 1
        for part in parts:
            assert len(part) <= MAX_PAYLOAD_BYTES
            assert payload_problems(part) == []


def contents(parts: list[bytes]) -> list[dict[str, Any]]:
    assert all(len(part) <= MAX_PAYLOAD_BYTES and payload_problems(part) == [] for part in parts)
    return [json.loads(part)["attachments"][0]["content"] for part in parts]


def test_an_element_too_big_to_share_a_part_with_the_heading_gets_only_a_label() -> None:
    given = card(rows=0)
    given["body"][0]["text"] = "H" * 3000
    given["body"] += [{"type": "TextBlock", "text": "small"},
                      {"type": "TextBlock", "text": "z" * (MAX_PAYLOAD_BYTES - 2000)}]
    first, second = contents(split_card(given))
    assert [e["text"] for e in first["body"]] == ["H" * 3000 + " (part 1 of 2)", "small"]
    assert [e["text"][:5] for e in second["body"]] == ["(part", "zzzzz"]
    assert second["body"][0]["text"] == "(part 2 of 2)"
    assert "actions" not in first
    assert second["actions"] == given["actions"]


def test_a_heading_that_fits_with_nothing_else_gets_a_part_of_its_own() -> None:
    given = card(rows=0, actions=False)
    given["body"][0]["text"] = "H" * 3000
    given["body"].append({"type": "TextBlock", "text": "z" * (MAX_PAYLOAD_BYTES - 2000)})
    first, second = contents(split_card(given))
    assert [e["text"] for e in first["body"]] == ["H" * 3000 + " (part 1 of 2)"]
    assert [e["text"][:13] for e in second["body"]] == ["(part 2 of 2)", "zzzzzzzzzzzzz"]


def test_the_unsplit_payload_is_what_the_sink_writes() -> None:
    msg = message(card=card(rows=1), mentions=(ZOE,))
    assert message_payload(msg)["attachments"][0]["content"]["body"] == card(rows=1)["body"]
