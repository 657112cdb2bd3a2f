"""Graph mail channel against the local identity platform + Graph server, with the real msal client.

Exactly once is the point: every crash and lost-answer scenario ends with the message sent once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from servers.graph import (
    CLIENT_ID,
    CLIENT_SECRET,
    CREATE_MESSAGE,
    DISCOVERY,
    GET_MESSAGE,
    LIST_MESSAGES,
    SEND_MESSAGE,
    SENDER,
    SLOW,
    TENANT,
    TOKEN,
    GraphTestServer,
    issue_app_certificate,
    sha1_thumbprint,
    trusting_client,
    write_app_certificate,
)

from notifiers.base import DeliveryError, Message, Receipt
from notifiers.graph_mail import OUTBOX_KEY_PROPERTY, GraphMailConfig, GraphMailNotifier, draft_payload, key_filter

pytest_plugins = ["servers.graph_fixtures"]

KEY = "reminder:pathway-plan-review:case-17:2025-03-01"
RECIPIENT = "pa.smith@council.example"
HTML = "<p>The pathway plan review for <b>C17</b> is due on 11 March.</p>"


class Crash(Exception):  # noqa: N818 - the process dying, as far as the notifier can tell
    """Raised by a checkpoint to stand for the process dying right after the progress was stored."""


def message(**changes: Any) -> Message:
    fields: dict[str, Any] = {
        "key": KEY, "recipient": RECIPIENT, "subject": "Pathway plan review due in 10 days",
        "text": "The pathway plan review for C17 is due on 11 March.", "html": HTML,
    } | changes
    return Message(**fields)


def config(server: GraphTestServer, **changes: Any) -> GraphMailConfig:
    fields: dict[str, Any] = {
        "tenant_id": TENANT, "client_id": CLIENT_ID, "sender": SENDER, "client_secret": CLIENT_SECRET,
        "authority_host": server.authority_host, "graph_url": server.graph_url,
    } | changes
    return GraphMailConfig(**fields)


class Run:
    """A notifier wired to the local server: records retry waits (no real sleeping) and checkpoints."""

    def __init__(self, server: GraphTestServer, client: httpx.Client, *, real_sleep: bool = False,
                 **options: Any) -> None:
        self.server = server
        self.waits: list[float] = []
        self.checkpoints: list[str] = []
        settings = {"attempts": 4, "base_wait": 0.01} | options
        cfg = settings.pop("config", None) or config(server)
        if not real_sleep:
            settings["sleep"] = self.waits.append
        self.notifier = GraphMailNotifier(cfg, client, **settings)
        self.crash_at_checkpoint = False

    def checkpoint(self, progress: str) -> None:
        self.checkpoints.append(progress)
        if self.crash_at_checkpoint:
            raise Crash(progress)

    def send(self, msg: Message | None = None, progress: str | None = None) -> Receipt:
        return self.notifier.send(msg or message(), progress, self.checkpoint)

    def fails(self, msg: Message | None = None, progress: str | None = None) -> DeliveryError:
        with pytest.raises(DeliveryError) as caught:
            self.send(msg, progress)
        text = str(caught.value)
        assert CLIENT_SECRET not in text
        assert not any(token in text for token in self.server.issued_tokens())
        assert "scripted" not in text  # Graph's message text is never repeated, only its code
        return caught.value


@pytest.fixture
def run(graph_server: GraphTestServer, graph_client: httpx.Client) -> Run:
    return Run(graph_server, graph_client)


def only_sent(server: GraphTestServer) -> Any:
    assert len(server.sent) == 1, f"sent {len(server.sent)} times"
    return server.sent[0]


# -- the ordinary path ---------------------------------------------------------------------------


def test_sends_one_html_message_through_a_tagged_draft(run: Run, graph_server: GraphTestServer) -> None:
    receipt = run.send()

    mail = only_sent(graph_server)
    assert mail.to == [RECIPIENT]
    assert mail.subject == "Pathway plan review due in 10 days"
    assert (mail.content_type, mail.content) == ("html", HTML)
    assert mail.extended == {OUTBOX_KEY_PROPERTY: KEY}
    assert {"name": "X-Auto-Response-Suppress", "value": "All"} in mail.headers
    assert receipt.provider_id == mail.id  # the immutable id: the same in Drafts and in Sent Items
    assert run.checkpoints == [mail.id]  # the draft id, stored before /send
    assert graph_server.drafts() == []
    assert [m.folder for m in graph_server.messages()] == ["sentitems"]
    assert [s.endpoint for s in graph_server.seen] == [DISCOVERY, TOKEN, LIST_MESSAGES, CREATE_MESSAGE,
                                                       SEND_MESSAGE]
    assert run.waits == []


def test_plain_text_when_there_is_no_html(run: Run, graph_server: GraphTestServer) -> None:
    run.send(message(html=None))
    mail = only_sent(graph_server)
    assert (mail.content_type, mail.content) == ("text", "The pathway plan review for C17 is due on 11 March.")


def test_one_msal_app_and_one_token_for_many_messages(run: Run, graph_server: GraphTestServer) -> None:
    for number in range(3):
        run.send(message(key=f"{KEY}:{number}"))
    assert len(graph_server.sent) == 3
    assert graph_server.calls(DISCOVERY) == 1
    assert graph_server.calls(TOKEN) == 1  # msal's cache serves the rest


def test_custom_headers_go_along(run: Run, graph_server: GraphTestServer) -> None:
    run.send(message(headers={"X-Checker-Kind": "reminder"}))
    assert {"name": "X-Checker-Kind", "value": "reminder"} in only_sent(graph_server).headers


@pytest.mark.parametrize("changes", [
    {"headers": {"Reply-To": "someone@council.example"}},  # Graph takes only custom X- headers
    {"recipient": "Pat Smith <pa.smith@council.example>"},
    {"recipient": "not-an-address"},
])
def test_what_graph_cannot_send_fails_before_any_request(run: Run, graph_server: GraphTestServer,
                                                         changes: dict[str, Any]) -> None:
    assert run.fails(message(**changes)).permanent
    assert graph_server.seen == []


def test_a_key_with_quotes_is_found_again(graph_server: GraphTestServer, graph_client: httpx.Client) -> None:
    run = Run(graph_server, graph_client, attempts=1)
    quoted = message(key="reminder:o'brien's case:2025-03-01")
    graph_server.slow(CREATE_MESSAGE, SLOW)  # the draft is made, its answer lost...
    assert not run.fails(quoted).permanent
    run.send(quoted)  # ...and found by its key
    assert only_sent(graph_server).extended == {OUTBOX_KEY_PROPERTY: "reminder:o'brien's case:2025-03-01"}
    assert len(graph_server.messages()) == 1
    assert key_filter("a'b").endswith("ep/value eq 'a''b')")


# -- retries within one attempt ------------------------------------------------------------------


def test_429_waits_what_graph_asked(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_MESSAGE, 429, retry_after=3)
    run.send()
    assert run.waits == [3.0]
    assert graph_server.calls(SEND_MESSAGE) == 2
    only_sent(graph_server)


def test_429_retry_after_is_really_waited(graph_server: GraphTestServer, graph_client: httpx.Client) -> None:
    run = Run(graph_server, graph_client, real_sleep=True)
    graph_server.fail(CREATE_MESSAGE, 429, retry_after=1)
    run.send()
    first, second = graph_server.times(CREATE_MESSAGE)
    assert second - first >= 0.95
    only_sent(graph_server)


def test_503_and_504_then_success_makes_one_draft(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(CREATE_MESSAGE, 503)
    graph_server.fail(CREATE_MESSAGE, 504)  # a gateway gave up: Graph might have made it, so look first
    run.send()
    only_sent(graph_server)
    assert len(graph_server.messages()) == 1
    assert graph_server.calls(CREATE_MESSAGE) == 3
    assert graph_server.calls(LIST_MESSAGES) == 2  # the first look-up, and the check after the 504
    assert len(run.waits) == 2


def test_a_timeout_then_success(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.slow(SEND_MESSAGE, SLOW, act=False)  # no answer in time, and nothing done
    run.send()
    only_sent(graph_server)
    assert graph_server.calls(SEND_MESSAGE) == 2
    assert graph_server.calls(GET_MESSAGE) == 1  # checked that it was still a draft before sending again


def test_send_timed_out_but_graph_sent_it(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.slow(SEND_MESSAGE, SLOW, act=True)  # sent, but the answer comes too late
    receipt = run.send()
    mail = only_sent(graph_server)
    assert receipt.provider_id == mail.id
    assert graph_server.calls(SEND_MESSAGE) == 1  # read the message instead of sending again


def test_connection_dropped_after_graph_sent_it(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.drop(SEND_MESSAGE, act=True)
    run.send()
    only_sent(graph_server)
    assert graph_server.calls(SEND_MESSAGE) == 1


def test_send_answered_404_while_still_a_draft_is_transient(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_MESSAGE, 404, code="ErrorItemNotFound")  # Exchange not yet caught up
    error = run.fails()
    assert not error.permanent
    assert "still a draft" in str(error)
    [draft_id] = run.checkpoints

    run.send(progress=draft_id)
    only_sent(graph_server)


def test_create_answer_lost_makes_no_second_draft(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.slow(CREATE_MESSAGE, SLOW, act=True)
    run.send()
    only_sent(graph_server)
    assert len(graph_server.messages()) == 1
    assert graph_server.calls(CREATE_MESSAGE) == 1
    assert run.checkpoints == [graph_server.sent[0].id]


def test_retry_budget_spent_is_transient_and_the_next_attempt_resumes(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(SEND_MESSAGE, 503, times=4)
    error = run.fails()
    assert not error.permanent
    assert "HTTP 503 after 4 attempts" in str(error)
    assert graph_server.sent == []
    [draft_id] = run.checkpoints

    run.send(progress=draft_id)
    only_sent(graph_server)
    assert len(graph_server.messages()) == 1  # the same draft, not a new one
    assert run.checkpoints == [draft_id]


def test_retry_after_is_passed_on_when_the_budget_is_spent(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(CREATE_MESSAGE, 429, times=4, retry_after=7)
    error = run.fails()
    assert (error.permanent, error.retry_after) == (False, 7.0)
    assert run.waits == [7.0, 7.0, 7.0]


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(400, "ErrorInvalidRecipients"), (403, "ErrorAccessDenied"),
                                              (404, "ErrorInvalidUser")])
def test_create_refused_is_permanent_with_graphs_code(run: Run, graph_server: GraphTestServer, status: int,
                                                      code: str) -> None:
    graph_server.fail(CREATE_MESSAGE, status, code=code)
    error = run.fails()
    assert error.permanent
    assert f"HTTP {status} {code}" in str(error)
    assert graph_server.calls(SEND_MESSAGE) == 0


def test_without_mail_send_the_draft_stays_unsent(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.roles.discard("Mail.Send")
    error = run.fails()
    assert error.permanent
    assert "HTTP 403 ErrorAccessDenied" in str(error)
    assert graph_server.sent == []
    assert len(graph_server.drafts()) == 1


def test_unknown_sender_mailbox_is_permanent(graph_server: GraphTestServer, graph_client: httpx.Client) -> None:
    run = Run(graph_server, graph_client, config=config(graph_server, sender="nobody@council.example"))
    error = run.fails()
    assert error.permanent
    assert "ErrorInvalidUser" in str(error)


def test_wrong_client_secret_is_permanent_and_not_shown(graph_server: GraphTestServer,
                                                        graph_client: httpx.Client) -> None:
    wrong = "WRONG~secret.value-never-to-be-shown"
    run = Run(graph_server, graph_client, config=config(graph_server, client_secret=wrong))
    error = run.fails()
    assert error.permanent
    assert "invalid_client (AADSTS7000215)" in str(error)
    assert wrong not in str(error)
    assert graph_server.calls(LIST_MESSAGES) == 0


def test_unknown_tenant_is_permanent(graph_server: GraphTestServer, graph_client: httpx.Client) -> None:
    run = Run(graph_server, graph_client, config=config(graph_server, tenant_id="contoso.onmicrosoft.com"))
    error = run.fails()
    assert error.permanent
    assert "tenant 'contoso.onmicrosoft.com' is unknown" in str(error)


def test_token_service_hiccup_is_retried(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(TOKEN, 503, retry_after=2)
    run.send()
    only_sent(graph_server)
    assert run.waits == [2.0]


def test_token_service_down_is_transient(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(TOKEN, 503, times=4)
    error = run.fails()
    assert not error.permanent
    assert "token service" in str(error)


def test_token_service_unreachable_is_transient(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.drop(TOKEN, times=4, act=False)
    error = run.fails()
    assert not error.permanent
    assert "RemoteProtocolError after 4 attempts" in str(error)


def test_construction_does_no_network_io(graph_ca: trustme.CA, graph_client: httpx.Client) -> None:
    with GraphTestServer(graph_ca) as gone:
        cfg = config(gone)
    notifier = GraphMailNotifier(cfg, graph_client, attempts=2, sleep=lambda _: None)  # the server is down
    with pytest.raises(DeliveryError) as caught:
        notifier.send(message(), None, lambda _: None)
    assert not caught.value.permanent
    assert "ConnectError after 2 attempts" in str(caught.value)


def test_expired_token_is_replaced_once(run: Run, graph_server: GraphTestServer) -> None:
    run.send(message(key=f"{KEY}:first"))
    graph_server.expire_tokens()
    run.send(message(key=f"{KEY}:second"))
    assert len(graph_server.sent) == 2
    assert graph_server.calls(TOKEN) == 2


def test_401_after_a_fresh_token_is_permanent(run: Run, graph_server: GraphTestServer) -> None:
    graph_server.fail(LIST_MESSAGES, 401, times=2)
    error = run.fails()
    assert error.permanent
    assert "HTTP 401 InvalidAuthenticationToken" in str(error)
    assert graph_server.calls(TOKEN) == 2


def test_no_secret_or_token_in_the_logs(run: Run, graph_server: GraphTestServer,
                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    graph_server.fail(SEND_MESSAGE, 503)
    run.send()
    graph_server.fail(CREATE_MESSAGE, 403)
    run.fails(message(key=f"{KEY}:other"))
    assert CLIENT_SECRET not in caplog.text
    assert not any(token in caplog.text for token in graph_server.issued_tokens())


# -- crashes between attempts --------------------------------------------------------------------


def test_crash_right_after_the_checkpoint_then_resume_sends_once(run: Run, graph_server: GraphTestServer) -> None:
    run.crash_at_checkpoint = True
    with pytest.raises(Crash):
        run.send()
    [draft_id] = run.checkpoints
    assert graph_server.sent == []

    run.crash_at_checkpoint = False
    receipt = run.send(progress=draft_id)
    assert receipt.provider_id == draft_id
    only_sent(graph_server)
    assert len(graph_server.messages()) == 1
    assert run.checkpoints == [draft_id]  # nothing new to store


def test_send_answer_lost_then_resume_does_not_send_again(graph_server: GraphTestServer,
                                                          graph_client: httpx.Client) -> None:
    run = Run(graph_server, graph_client, attempts=1)
    graph_server.slow(SEND_MESSAGE, SLOW, act=True)  # Graph sent it; the answer never arrived
    assert not run.fails().permanent
    [draft_id] = run.checkpoints
    only_sent(graph_server)

    receipt = run.send(progress=draft_id)
    assert receipt.provider_id == draft_id
    assert "already sent" in receipt.detail
    only_sent(graph_server)
    assert graph_server.calls(SEND_MESSAGE) == 1


def test_crash_before_the_checkpoint_finds_the_draft_by_its_key(graph_server: GraphTestServer,
                                                                graph_client: httpx.Client) -> None:
    run = Run(graph_server, graph_client, attempts=1)
    graph_server.slow(CREATE_MESSAGE, SLOW, act=True)  # the draft exists, but we never learnt its id
    assert not run.fails().permanent
    assert run.checkpoints == []
    [draft] = graph_server.drafts()

    run.send(progress=None)
    assert run.checkpoints == [draft.immutable_id]
    only_sent(graph_server)
    assert len(graph_server.messages()) == 1


def test_no_progress_but_already_sent_is_not_sent_again(run: Run, graph_server: GraphTestServer) -> None:
    run.send()
    receipt = run.send(progress=None)  # the delivery row never recorded the first success
    assert "already sent" in receipt.detail
    only_sent(graph_server)


def test_draft_deleted_between_attempts_is_made_again(run: Run, graph_server: GraphTestServer) -> None:
    run.crash_at_checkpoint = True
    with pytest.raises(Crash):
        run.send()
    [first] = run.checkpoints
    graph_server.delete(first)

    run.crash_at_checkpoint = False
    run.send(progress=first)
    mail = only_sent(graph_server)
    assert run.checkpoints == [first, mail.id]
    assert mail.id != first


# -- certificate credentials -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_certificate(graph_ca: trustme.CA) -> trustme.LeafCert:
    return issue_app_certificate(graph_ca)


@pytest.fixture
def certificate_server(graph_ca: trustme.CA, app_certificate: trustme.LeafCert) -> Iterator[GraphTestServer]:
    with GraphTestServer(graph_ca, client_secret=None, certificate=app_certificate) as server:
        yield server


@pytest.mark.parametrize("with_thumbprint", [False, True])
def test_certificate_credentials(certificate_server: GraphTestServer, app_certificate: trustme.LeafCert,
                                 tmp_path: Path, with_thumbprint: bool) -> None:
    pem = write_app_certificate(app_certificate, tmp_path, with_certificate=not with_thumbprint)
    cfg = config(certificate_server, client_secret=None, certificate_pem_path=pem,
                 certificate_thumbprint=sha1_thumbprint(app_certificate) if with_thumbprint else None)
    with trusting_client(certificate_server, tmp_path) as client:
        Run(certificate_server, client, config=cfg).send()
    only_sent(certificate_server)
    assert certificate_server.token_requests == [
        {"grant_type": "client_credentials", "credential": "certificate", "outcome": "issued"}]


def test_an_unregistered_certificate_is_refused(certificate_server: GraphTestServer, graph_ca: trustme.CA,
                                                tmp_path: Path) -> None:
    pem = write_app_certificate(issue_app_certificate(graph_ca), tmp_path)
    cfg = config(certificate_server, client_secret=None, certificate_pem_path=pem)
    with trusting_client(certificate_server, tmp_path) as client:
        error = Run(certificate_server, client, config=cfg).fails()
    assert error.permanent
    assert "invalid_client (AADSTS700027)" in str(error)


def test_an_unusable_certificate_file_fails_at_construction(graph_server: GraphTestServer, tmp_path: Path,
                                                            graph_client: httpx.Client,
                                                            app_certificate: trustme.LeafCert) -> None:
    key_only = write_app_certificate(app_certificate, tmp_path, with_certificate=False)
    with pytest.raises(ValueError, match="holds no certificate"):
        GraphMailNotifier(config(graph_server, client_secret=None, certificate_pem_path=key_only), graph_client)
    with pytest.raises(ValueError, match="cannot be read"):
        GraphMailNotifier(config(graph_server, client_secret=None, certificate_pem_path=tmp_path / "missing.pem"),
                          graph_client)


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"client_secret": None}, "exactly one kind of credential"),
    ({"certificate_pem_path": Path("app.pem")}, "exactly one kind of credential"),
    ({"certificate_thumbprint": "AB" * 20}, "only used with certificate_pem_path"),
    ({"client_secret": None, "certificate_pem_path": Path("a.pem"), "certificate_thumbprint": "xyz"}, "SHA-1"),
    ({"sender": "Checker <checker@council.example>"}, "user principal name"),
    ({"graph_url": "http://graph.microsoft.com/v1.0"}, "https://"),
    ({"authority_host": "login.microsoftonline.com"}, "authority_host"),
    ({"tenant_id": "contoso/evil"}, "tenant_id"),
])
def test_config_is_validated(changes: dict[str, Any], complaint: str) -> None:
    fields: dict[str, Any] = {"tenant_id": TENANT, "client_id": CLIENT_ID, "sender": SENDER,
                              "client_secret": CLIENT_SECRET} | changes
    with pytest.raises(ValueError, match=complaint):
        GraphMailConfig(**fields)


def test_config_hides_the_secret_and_keeps_the_scope_apart_from_the_url() -> None:
    cfg = GraphMailConfig(TENANT, CLIENT_ID, CLIENT_SECRET, sender=SENDER,
                          certificate_thumbprint=None, graph_url="https://graph.microsoft.com/v1.0/")
    assert CLIENT_SECRET not in repr(cfg)
    assert CLIENT_SECRET not in repr(cfg.app)
    assert cfg.graph_url == "https://graph.microsoft.com/v1.0"
    assert cfg.app.scope == "https://graph.microsoft.com/.default"
    # a Graph reached through a proxy (another URL layout) still wants the real service's scope
    proxied = replace(cfg, graph_url="https://graph-proxy.council.example/msgraph/v1.0")
    assert proxied.app.scope == "https://graph.microsoft.com/.default"
    sovereign = replace(cfg, scope="https://graph.microsoft.us/.default")
    assert sovereign.app.scope == "https://graph.microsoft.us/.default"
    with pytest.raises(ValueError, match="scope must be"):
        replace(cfg, scope="Mail.Send")
    assert cfg.app.authority == f"https://login.microsoftonline.com/{TENANT}"
    thumb = replace(cfg, client_secret=None, certificate_pem_path=Path("a.pem"),
                    certificate_thumbprint="ab:" * 19 + "ab")
    assert thumb.certificate_thumbprint == "AB" * 20


def test_draft_payload_shape() -> None:
    payload = draft_payload(message())
    assert payload["body"] == {"contentType": "HTML", "content": HTML}
    assert payload["toRecipients"] == [{"emailAddress": {"address": RECIPIENT}}]
    assert payload["singleValueExtendedProperties"] == [{"id": OUTBOX_KEY_PROPERTY, "value": KEY}]


def test_the_scope_is_the_setting_not_the_graph_urls_origin(graph_server: GraphTestServer,
                                                            graph_client: httpx.Client) -> None:
    """A Graph at another URL (here a local one) still issues tokens for the real service's scope."""
    Run(graph_server, graph_client).send()  # the default scope, at the local URL: accepted
    assert graph_server.token_requests
    derived = Run(graph_server, graph_client, config=config(graph_server, scope=f"{graph_server.origin}/.default"))
    error = derived.fails()  # what deriving the scope from the URL asked for: refused, naming the setting
    assert error.permanent
    assert "invalid_scope" in str(error)
    assert "graph.scope" in str(error)
