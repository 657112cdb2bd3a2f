"""Before go-live: ``checker send-test`` sends a sample of each kind through the real channels, and ``config
check`` renders the case link and every template with sample facts, so a typo fails there, not in delivery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from servers.smtp import PASSWORD, SmtpTestServer

from checker.cli import main

pytest_plugins = ["servers.smtp_fixtures"]

TO = "go-live.check@example.org"


@pytest.fixture
def env(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    cli_env.setenv("CHECKER_STATE_URL", f"sqlite:///{tmp_path / 'state' / 'state.sqlite'}")
    cli_env.setenv("CHECKER_DELIVERY__SINK_DIR", str(tmp_path / "sink"))
    return cli_env


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_send_test_mails_one_sample_of_each_kind_through_smtp(env: pytest.MonkeyPatch, smtp: SmtpTestServer,
                                                               tmp_path: Path) -> None:
    env.setenv("CHECKER_DELIVERY__EMAIL", "smtp")
    env.setenv("CHECKER_SMTP__HOST", smtp.host)
    env.setenv("CHECKER_SMTP__PORT", str(smtp.port))
    env.setenv("CHECKER_SMTP__USERNAME", "checker")
    env.setenv("CHECKER_SMTP__PASSWORD", PASSWORD)
    env.setenv("CHECKER_SMTP__CA_FILE", str(smtp.write_ca(tmp_path)))
    result = invoke("send-test", "--to", TO)
    assert result.exit_code == 0, result.output
    assert [m.rcpt_tos for m in smtp.received] == [(TO,)] * 5  # reminder, escalation, digest, summary, operator alert
    subjects = [m.message["Subject"] for m in smtp.received]
    assert all(s.startswith("[test] ") for s in subjects), subjects
    assert any("Escalated:" in s for s in subjects)
    assert any("digest" in s.lower() for s in subjects)
    assert "SAMPLE-1" in smtp.received[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Teams activity (teams_activity): not sent, the channel is off" in result.stdout
    assert not (tmp_path / "state").exists()  # no state database opened, let alone written


def test_send_test_posts_the_channel_card_to_the_webhook_named(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("CHECKER_DELIVERY__TEAMS_ACTIVITY", "sink")
    env.setenv("CHECKER_DELIVERY__TEAMS_CHANNEL", "sink")
    without = invoke("send-test", "--to", TO)
    assert without.exit_code == 0, without.output
    assert "Teams channel card (teams_channel): not sent; give --webhook NAME" in without.stdout
    cards_before = set((tmp_path / "sink").rglob("*.json"))
    result = invoke("send-test", "--to", TO, "--webhook", "north")
    assert result.exit_code == 0, result.output
    [card] = set((tmp_path / "sink").rglob("*.json")) - cards_before
    assert "SAMPLE-2" in json.dumps(json.loads(card.read_text(encoding="utf-8")))
    assert "Teams activity (teams_activity): sent to" in result.stdout


def config_lines(*args: str) -> dict[str, str]:
    result = invoke("config", "check", *args)
    return {name: rest for line in result.output.splitlines()
            for name, sep, rest in [line.partition(": ")] if sep and rest.startswith(("ok", "FAILED"))}


def test_config_check_renders_the_case_link_and_every_template(env: pytest.MonkeyPatch) -> None:
    env.setenv("CHECKER_DELIVERY__CASE_URL_TEMPLATE", "https://cms.example/people/{case_ref}")
    checks = config_lines()
    assert checks["case link"] == "ok (SAMPLE-1 → https://cms.example/people/SAMPLE-1)"
    assert checks["templates"].startswith("ok (7 sample messages rendered from the bundled templates")


def test_a_case_typo_in_the_case_link_fails_config_check_plainly(env: pytest.MonkeyPatch) -> None:
    env.setenv("CHECKER_DELIVERY__CASE_URL_TEMPLATE", "https://cms.example/people/{case}")
    result = invoke("config", "check")
    assert result.exit_code == 2
    assert ("case link: FAILED: the case link template (delivery.case_url_template) uses {case}, which is not a "
            "placeholder; the only one is {case_ref}.") in result.output
    assert "Traceback" not in result.output
    assert "templates: ok" in result.output  # the templates are still checked, with a stand-in link


def test_a_broken_template_fails_config_check_naming_the_file(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "digest.txt").write_text("Hello {{ manager_nmae }}\n", encoding="utf-8")
    env.setenv("CHECKER_DELIVERY__TEMPLATES_DIR", str(folder))
    checks = config_lines()
    assert checks["templates"].startswith("FAILED: a sample message cannot be rendered")
    assert "digest.txt" in checks["templates"]
    assert "manager_nmae" in checks["templates"]
