"""Teams activity feed channel against the local identity platform + Graph server, with the real msal client."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from servers.graph import (
    CLIENT_ID,
    CLIENT_SECRET,
    SEND_ACTIVITY,
    SLOW,
    TENANT,
    TOKEN,
    GraphTestServer,
    LocalGraph,
    activity_problems,
    declared_activity_types,
)

from checker.paths import bundled_config_dir
from notifiers.base import DeliveryError, Message, Receipt
from notifiers.outcome import Outcome
from notifiers.teams_activity import (
    ACTIVITY_TYPE,
    TEXT_LIMIT,
    TeamsActivityConfig,
    TeamsActivityNotifier,
    activity_payload,
    chain_id,
)

pytest_plugins = ["servers.graph_fixtures"]

KEY = "reminder:1:teams_activity:pa.smith"
USER = "pa.smith@council.example"
LINK = "https://case-management.council.example/people/C17"


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": KEY, "recipient": USER, "subject": "2 housing protocol actions overdue",
        "text": "C17: Join the Part 6 housing register, 3 working days overdue (and 1 more)", "link": LINK,
    } | changes
    return Message(**fields)


def config(server: GraphTestServer, **changes: Any) -> TeamsActivityConfig:
    fields: dict[str, Any] = {
        "tenant_id": TENANT, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
        "authority_host": server.authority_host, "graph_url": server.graph_url,
    } | changes
    return TeamsActivityConfig(**fields)


class Run:
    """A notifier wired to the local server, recording retry waits (no real sleeping) and checkpoints."""

    def __init__(self, server: GraphTestServer, client: httpx.Client, **options: Any) -> None:
        self.server = server
        self.waits: list[float] = []
        self.checkpoints: list[str] = []
        settings = {"attempts": 4, "base_wait": 0.01, "sleep": self.waits.append} | options
        cfg = settings.pop("config", None) or config(server)
        self.notifier = TeamsActivityNotifier(cfg, client, **settings)

    def send(self, msg: Message | None = None, progress: str | None = None) -> Receipt:
        receipt = self.notifier.send(msg or message(), progress, self.checkpoints.append)
        assert self.checkpoints == []  # nothing to resume: the endpoint has no idempotency key
        return receipt

    def fails(self, msg: Message | None = None) -> DeliveryError:
        with pytest.raises(DeliveryError) as caught:
            self.send(msg)
        text = str(caught.value)
        assert CLIENT_SECRET not in text
        assert not any(token in text for token in self.server.issued_tokens())
        assert "scripted" not in text
        return caught.value


@pytest.fixture
def run(graph_server: GraphTestServer, graph_client: httpx.Client) -> Run:
    return Run(graph_server, graph_client)


def test_sends_one_notification_to_the_persons_feed(run: Run, graph_server: GraphTestServer) -> None:
    receipt = run.send()
    [activity] = graph_server.activities
    assert activity.user == USER
    assert activity.body == {
        "topic": {"source": "text", "value": "2 housing protocol actions overdue", "webUrl": LINK},
        "activityType": "protocolReminder",
        "chainId": chain_id(KEY),
        "previewText": {"content": "C17: Join the Part 6 housing register, 3 working days overdue (and 1 more)"},
        "templateParameters": [{"name": "reminder", "value": "2 housing protocol actions overdue"}],
    }
    assert receipt.provider_id  # Graph's request-id, for support
    assert graph_server.calls(SEND_ACTIVITY) == 1
    assert run.waits == []


def test_recipient_may_be_an_object_id(graph: LocalGraph) -> None:
    object_id = graph.server.users[USER]
    Run(graph.server, graph.client).send(message(recipient=object_id))
    assert [a.user for a in graph.server.activities] == [object_id]


def test_long_and_multi_line_text_is_cut_to_one_line(run: Run, graph_server: GraphTestServer) -> None:
    run.send(message(subject="Due soon:\n" + "x" * 300, text="line one\n\nline two " + "y" * 300))
    body = graph_server.activities[0].body
    for text in (body["topic"]["value"], body["previewText"]["content"], body["templateParameters"][0]["value"]):
        assert len(text) == TEXT_LIMIT
        assert "\n" not in text
        assert text.endswith("…")
    assert body["previewText"]["content"].startswith("line one line two")


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"link": None}, "needs a link"),
    ({"link": "http://case-management.council.example/people/C17"}, "https://"),
    ({"link": "https://case-management.council.example/" + "p" * 1100}, "longer than 1024"),
    ({"subject": "   "}, "needs a subject"),
    ({"recipient": "Pat Smith"}, "user id or user principal name"),
    ({"recipient": "pa.smith@council.example/../../teams"}, "user id or user principal name"),
])
def test_what_cannot_be_sent_fails_before_any_request(run: Run, graph_server: GraphTestServer,
                                                      changes: dict[str, Any], complaint: str) -> None:
    error = run.fails(message(**changes))
    assert error.permanent
    assert complaint in str(error)
    assert graph_server.seen == []


def test_the_payload_passes_the_servers_checks() -> None:
    assert activity_problems(activity_payload(message())) == []


def test_429_waits_what_graph_asked(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_ACTIVITY, 429, retry_after=5)
    run.send()
    assert run.waits == [5.0]
    assert len(graph_server.activities) == 1


def test_a_503_is_retried_then_succeeds(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_ACTIVITY, 503)
    run.send()
    assert len(graph_server.activities) == 1
    assert len(run.waits) == 1


def test_a_504_is_ambiguous_and_not_repeated(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_ACTIVITY, 504)
    error = run.fails()
    assert (error.outcome, error.reason) == (Outcome.AMBIGUOUS, "gateway_timeout")
    assert graph_server.calls(SEND_ACTIVITY) == 1


def test_a_read_timeout_is_ambiguous_and_not_repeated(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.slow(SEND_ACTIVITY, SLOW, act=False)
    error = run.fails()
    assert (error.outcome, error.reason) == (Outcome.AMBIGUOUS, "read_timeout")
    assert graph_server.calls(SEND_ACTIVITY) == 1


def test_a_lost_answer_is_ambiguous_and_never_repeated_blindly(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.slow(SEND_ACTIVITY, SLOW, act=True)  # accepted, but the answer came too late
    error = run.fails()
    assert error.ambiguous
    assert "may have been delivered" in str(error)
    assert len(graph_server.activities) == 1  # not repeated within the attempt (the delivery step decides)
    assert len(graph_server.feed(USER)) == 1


def test_retry_budget_spent_is_transient(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_ACTIVITY, 503, times=4, retry_after=2)
    error = run.fails()
    assert (error.permanent, error.retry_after) == (False, 2.0)
    assert graph_server.calls(SEND_ACTIVITY) == 4
    assert graph_server.activities == []


@pytest.mark.parametrize(("status", "code"), [(400, "BadRequest"), (403, "Forbidden"), (409, "Conflict")])
def test_refusals_are_permanent_with_graphs_code(run: Run, graph_server: GraphTestServer, status: int,
                                                 code: str) -> None:
    graph_server.fail(SEND_ACTIVITY, status, code=code)
    error = run.fails()
    assert error.permanent
    assert f"HTTP {status} {code}" in str(error)


def test_app_not_installed_for_the_recipient(graph_server: GraphTestServer, graph_client: httpx.Client) -> None:
    graph_server.app_installed_for = set()
    error = Run(graph_server, graph_client).fails()
    assert error.permanent
    assert "not installed for the recipient" in str(error)


def test_unknown_user_is_permanent(run: Run) -> None:
    error = run.fails(message(recipient="left.last.year@council.example"))
    assert error.permanent
    assert "HTTP 404 NotFound: no such user" in str(error)


def test_without_the_permission_it_is_permanent(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.roles.discard("TeamsActivity.Send")
    error = run.fails()
    assert error.permanent
    assert "HTTP 403 Forbidden" in str(error)


def test_wrong_client_secret_is_permanent(graph_server: GraphTestServer, graph_client: httpx.Client) -> None:
    wrong = "WRONG~not-the-secret"
    run = Run(graph_server, graph_client, config=config(graph_server, client_secret=wrong))
    error = run.fails()
    assert error.permanent
    assert "invalid_client" in str(error)
    assert wrong not in str(error)
    assert graph_server.calls(SEND_ACTIVITY) == 0


def test_expired_token_is_replaced(run: Run, graph_server: GraphTestServer) -> None:
    run.send()
    graph_server.expire_tokens()
    run.send(message(key=f"{KEY}:2"))
    assert len(graph_server.activities) == 2
    assert graph_server.calls(TOKEN) == 2


def test_401_after_a_fresh_token_is_permanent(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_ACTIVITY, 401, times=2)
    error = run.fails()
    assert error.permanent
    assert "HTTP 401" in str(error)


def test_config_is_validated_like_graph_mail() -> None:
    with pytest.raises(ValueError, match="exactly one kind of credential"):
        TeamsActivityConfig(TENANT, CLIENT_ID)
    cfg = TeamsActivityConfig(TENANT, CLIENT_ID, CLIENT_SECRET)
    assert CLIENT_SECRET not in repr(cfg)
    assert cfg.app.scope == "https://graph.microsoft.com/.default"


def test_chain_id_is_a_stable_positive_int64() -> None:
    assert chain_id(KEY) == chain_id(KEY)
    assert chain_id(KEY) != chain_id(KEY + "x")
    assert 0 <= chain_id(KEY) < 2**63


# --- the Teams app manifest ------------------------------------------------------------------------------


def test_the_shipped_manifest_declares_the_activity_type_the_code_sends() -> None:
    manifest = json.loads((bundled_config_dir() / "teams" / "manifest.json").read_text(encoding="utf-8"))
    [declared] = [t for t in manifest["activities"]["activityTypes"] if t["type"] == ACTIVITY_TYPE]
    sent = activity_payload(message())
    assert sent["activityType"] == ACTIVITY_TYPE == "protocolReminder"
    placeholders = set(re.findall(r"\{(\w+)\}", declared["templateText"]))
    assert placeholders == {p["name"] for p in sent["templateParameters"]} == {"reminder"}
    assert "webApplicationInfo" in manifest  # names the app registration that sends (the Graph client id)
    assert declared_activity_types() == {"protocolReminder": {"reminder"}}


def test_an_activity_type_the_manifest_does_not_declare_is_refused() -> None:
    body = activity_payload(message()) | {"activityType": "systemReminder"}
    assert activity_problems(body) == ["activityType 'systemReminder' is not declared in the Teams app manifest "
                                       "(declared: protocolReminder)"]
    assert activity_problems(activity_payload(message())) == []
