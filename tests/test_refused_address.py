"""An address the mail service refuses for good (SMTP 550 to RCPT TO, Graph's ErrorInvalidRecipients) is
re-routed to the team manager and reported to the operator, not only parked; a refusal of the message itself
(5xx after DATA) only parks it.
"""

from __future__ import annotations

import email
import logging
from pathlib import Path

import pytest
from servers.graph import CLIENT_ID, CLIENT_SECRET, CREATE_MESSAGE, SENDER, TENANT, GraphTestServer
from servers.smtp import SmtpTestServer
from support.caseload import custody_case
from test_delivery import OPERATOR, SOON, rows, settings_for, tick

from checker.settings import DeliverySettings, GraphSettings, RoutingSettings, Settings

pytest_plugins = ["servers.graph_fixtures", "servers.smtp_fixtures"]


def _text(raw: bytes) -> str:
    mail = email.message_from_bytes(raw)
    for part in mail.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


def test_a_refused_address_goes_to_the_manager_and_the_operator_is_told(smtp: SmtpTestServer,
                                                                        tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path)
    smtp.fail_next("RCPT", 550, times=1, text="5.1.1 <pa.gone@example.org>: Recipient address rejected")
    report = tick(settings, tmp_path, [custody_case("C1", SOON, adviser="pa.gone@example.org")])
    assert report.delivery.parked == 1
    parked, rerouted, alert = rows(settings)
    assert (parked.recipient, parked.state) == ("pa.gone@example.org", "parked")
    assert (rerouted.recipient, rerouted.state) == ("tm.north@example.org", "sent")
    assert (alert.recipient, alert.state) == (OPERATOR, "sent")
    received = {mail.rcpt_tos[0]: mail for mail in smtp.received}
    to_manager = _text(received["tm.north@example.org"].content)
    assert "The mail service refused the personal adviser's email address for good; sent to the team manager." \
        in " ".join(to_manager.split())
    assert "Sam Khan" not in to_manager  # the manager sees initials and the case reference
    assert "S.K. (C1)" in to_manager
    to_operator = " ".join(_text(received[OPERATOR].content).split())
    assert f"Outbox message {parked.id} was parked" in to_operator
    assert "its 1 item went to the team manager instead" in to_operator
    assert "pa.gone@example.org" not in to_operator  # no address in an operator alert: `checker outbox` has it


def test_a_message_refused_after_data_is_parked_not_rerouted(smtp: SmtpTestServer, tmp_path: Path) -> None:
    settings = settings_for(smtp, tmp_path)
    smtp.fail_next("DATA", 554, times=1, text="5.6.0 message content rejected")
    tick(settings, tmp_path, [custody_case("C1", SOON)])
    parked, alert = rows(settings)
    assert parked.state == "parked"
    assert alert.recipient == OPERATOR
    assert "went to the team manager" not in " ".join(_text(next(
        m for m in smtp.received if m.rcpt_tos[0] == OPERATOR).content).split())


def test_a_graph_mailbox_not_found_is_rerouted_too(graph_server: GraphTestServer, tmp_path: Path) -> None:
    settings = Settings(
        state_url=f"sqlite:///{tmp_path / 'state.sqlite'}",
        delivery=DeliverySettings(email="graph", window="any_time"),
        graph=GraphSettings(tenant_id=TENANT, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, sender=SENDER,
                            authority_host=graph_server.authority_host, graph_url=graph_server.graph_url,
                            ca_file=graph_server.write_ca(tmp_path)),
        routing=RoutingSettings(operator_email=OPERATOR),
    )
    graph_server.fail(CREATE_MESSAGE, 400, code="ErrorInvalidRecipients")
    report = tick(settings, tmp_path, [custody_case("C1", SOON, adviser="pa.gone@council.example")])
    assert report.delivery.parked == 1
    parked, rerouted, alert = rows(settings)
    assert (parked.recipient, parked.state) == ("pa.gone@council.example", "parked")
    assert (rerouted.recipient, rerouted.state) == ("tm.north@example.org", "sent")
    assert alert.state == "sent"
    assert "tm.north@example.org" in [to for mail in graph_server.sent for to in mail.to]


def test_the_servers_answer_quoting_the_address_is_stored_and_logged_without_it(
        smtp: SmtpTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(smtp, tmp_path)
    smtp.fail_next("RCPT", 550, times=1, text="5.1.1 <pa.gone@example.org>: Recipient address rejected")
    with caplog.at_level(logging.INFO):
        tick(settings, tmp_path, [custody_case("C1", SOON, adviser="pa.gone@example.org")])
    parked = rows(settings)[0]
    assert parked.state == "parked"
    assert "550" in parked.last_error
    assert "Recipient address rejected" in parked.last_error  # the reason stays
    assert "pa.gone@example.org" not in parked.last_error
    assert "<address>" in parked.last_error
    ours = [r.getMessage() for r in caplog.records if r.name.split(".")[0] in {"checker", "notifiers"}]
    assert any("failed on attempt" in line for line in ours)
    assert not [line for line in ours if "pa.gone@example.org" in line]  # (the test SMTP server logs its own)
