"""``checker config check`` against real local servers, and the secrets directory of the settings.

The servers are the suite's own: aiosmtpd with STARTTLS and AUTH (``servers.smtp``), the local identity
platform and Graph driven by the real msal client (``servers.graph``), and a Workflows webhook receiver
(``servers.webhook``). Every test also checks that nothing was sent and that no secret is printed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import trustme
from click.testing import CliRunner
from servers.graph import (
    CLIENT_ID,
    CLIENT_SECRET,
    SENDER,
    TENANT,
    GraphTestServer,
    issue_app_certificate,
    write_app_certificate,
)
from servers.smtp import PASSWORD, SmtpTestServer
from servers.webhook import TRIGGER_PATH, WebhookReceiver
from sqlalchemy import create_engine, inspect, text
from support.caseload import custody_case, write_csv

from checker.cli import main
from checker.demo import database
from checker.demo.caseload import generate
from checker.paths import bundled_config_dir
from checker.preflight import mask, secret_values
from checker.settings import DEFAULT_SECRETS_DIR, Settings, secrets_dir
from checker.state.database import current_revision, head_revision, open_database, upgrade

pytest_plugins = ["servers.graph_fixtures", "servers.smtp_fixtures"]

SOUTH_SIG = "SOUTH-SIGNATURE-fedcba9876543210"
DB_PASSWORD = "reader-db-pass-4711"  # noqa: S105 - a made-up database password that must not show
AS_OF = date(2026, 11, 23)  # the demo caseload's day


@pytest.fixture
def secrets_folder(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The test's secrets folder: CHECKER_SECRETS_DIR as conftest.py's cli_env sets it (not made yet)."""
    return tmp_path / "secrets"


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def configure(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    """Settings as environment variables: ``SMTP__HOST="x"`` is ``CHECKER_SMTP__HOST=x``."""
    for name, value in values.items():
        monkeypatch.setenv(f"CHECKER_{name}", str(value))


def migrated_state(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    engine = open_database(url)
    upgrade(engine)
    engine.dispose()
    return url


def with_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A CSV source and a SQL source (the demo database and its bundled queries), and a migrated state."""
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2026-12-10")])
    url, _people, _disputes = database.write_sqlite(tmp_path / "cms.sqlite", *generate(20, AS_OF, 1))
    queries = bundled_config_dir() / "sql"
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path), DEFAULT_SOURCE="cms",
              SOURCES__EXPORT__KIND="csv", SOURCES__EXPORT__CASES=cases,
              SOURCES__CMS__KIND="sql", SOURCES__CMS__URL=url, SOURCES__CMS__CASES_QUERY=queries / "demo_cases.sql",
              SOURCES__CMS__DISPUTES_QUERY=queries / "demo_disputes.sql")


def with_smtp(monkeypatch: pytest.MonkeyPatch, smtp: SmtpTestServer, tmp_path: Path, *,
              password: str | None = PASSWORD) -> None:
    configure(monkeypatch, DELIVERY__EMAIL="smtp", SMTP__HOST=smtp.host, SMTP__PORT=smtp.port,
              SMTP__SENDER="checker@council.example", SMTP__USERNAME="checker", SMTP__TIMEOUT=5,
              SMTP__CA_FILE=smtp.write_ca(tmp_path))
    if password is not None:
        configure(monkeypatch, SMTP__PASSWORD=password)


def with_graph(monkeypatch: pytest.MonkeyPatch, graph_server: GraphTestServer, tmp_path: Path, *,
               secret: str | None = CLIENT_SECRET, email: bool = False) -> None:
    configure(monkeypatch, DELIVERY__TEAMS_ACTIVITY="graph", GRAPH__TENANT_ID=TENANT, GRAPH__CLIENT_ID=CLIENT_ID,
              GRAPH__SENDER=SENDER, GRAPH__AUTHORITY_HOST=graph_server.authority_host,
              GRAPH__GRAPH_URL=graph_server.graph_url, GRAPH__CA_FILE=graph_server.write_ca(tmp_path),
              GRAPH__TIMEOUT=5)
    if secret is not None:
        configure(monkeypatch, GRAPH__CLIENT_SECRET=secret)
    if email:
        configure(monkeypatch, DELIVERY__EMAIL="graph")


def tls_webhook_url(graph_server: GraphTestServer) -> str:
    """An https URL on a real local TLS server (the Graph server's port): only its handshake is used."""
    return f"{graph_server.origin}{TRIGGER_PATH}?api-version=1&sv=1.0&sig={SOUTH_SIG}"


def with_webhooks(monkeypatch: pytest.MonkeyPatch, webhook: WebhookReceiver, graph_server: GraphTestServer,
                  tmp_path: Path) -> None:
    configure(monkeypatch, DELIVERY__TEAMS_CHANNEL="webhook", TEAMS__WEBHOOKS__NORTH=webhook.url,
              TEAMS__WEBHOOKS__SOUTH=tls_webhook_url(graph_server), TEAMS__CA_FILE=graph_server.write_ca(tmp_path),
              TEAMS__TEAM_CHANNELS__NORTH="north", TEAMS__TIMEOUT=5)


def config_check() -> tuple[int, dict[str, str], str]:
    """The exit status, each check's line by name (``ok ...`` / ``FAILED: ...``), and the whole output."""
    result = CliRunner().invoke(main, ["config", "check"])
    output = result.output
    checks = {}
    for line in output.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and (rest.startswith(("ok", "FAILED"))):
            checks[name] = rest
    return result.exit_code, checks, output


def assert_no_secrets(output: str, *more: str) -> None:
    for secret in (PASSWORD, CLIENT_SECRET, WebhookReceiver.sig, SOUTH_SIG, DB_PASSWORD, *more):
        assert secret not in output


# --- everything in order --------------------------------------------------------------------------------


def test_every_check_passes_against_the_real_servers_and_nothing_is_sent(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, smtp: SmtpTestServer, graph_server: GraphTestServer,
        webhook: WebhookReceiver) -> None:
    with_sources(monkeypatch, tmp_path)
    with_smtp(monkeypatch, smtp, tmp_path)
    with_graph(monkeypatch, graph_server, tmp_path)
    with_webhooks(monkeypatch, webhook, graph_server, tmp_path)

    code, checks, output = config_check()

    assert code == 0, output
    assert list(checks) == ["settings", "profile", "source cms", "source export", "columns of source cms",
                            "columns of source export", "state database", "case link", "templates", "email (smtp)",
                            "teams_activity (graph)", "teams_channel (webhook north)",
                            "teams_channel (webhook south)"]
    assert all(line.startswith("ok") for line in checks.values()), output
    assert "All 13 checks passed." in output
    assert "first case row read" in checks["source cms"]
    assert "first dispute row read" in checks["source cms"]
    assert "first case row read" in checks["source export"]
    assert f"revision {head_revision()}, the newest" in checks["state database"]
    assert "STARTTLS, logged in as checker; no mail sent" in checks["email (smtp)"]
    assert "app token" in checks["teams_activity (graph)"]
    assert "only a TLS connection was tried; nothing posted" in checks["teams_channel (webhook south)"]
    assert "nothing posted" in checks["teams_channel (webhook north)"]
    # Logged in, and no further: no envelope, no mail, no card, no activity, one token.
    assert smtp.auth_attempts == [(smtp.auth_attempts[0][0], True)]
    assert not {"MAIL", "RCPT", "DATA"} & set(smtp.verbs())
    assert all(command.over_tls for command in smtp.commands if command.verb == "AUTH")
    assert smtp.received == []
    assert webhook.requests == 0
    assert graph_server.sent == []
    assert graph_server.activities == []
    assert len(graph_server.token_requests) == 1
    assert_no_secrets(output)


def test_both_graph_channels_share_one_token_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   graph_server: GraphTestServer) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_graph(monkeypatch, graph_server, tmp_path, email=True)

    code, checks, output = config_check()

    assert code == 0, output
    assert checks["email (graph)"].startswith("ok (app token for client")
    assert checks["teams_activity (graph)"] == "ok (the same app token as email)"
    assert "sources" in checks  # none configured: said, not a failure
    assert len(graph_server.token_requests) == 1
    assert graph_server.sent == []
    assert_no_secrets(output)


def test_a_graph_mail_sender_that_is_no_mailbox_fails_only_the_email_channel(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, graph_server: GraphTestServer) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_graph(monkeypatch, graph_server, tmp_path, email=True)
    configure(monkeypatch, GRAPH__SENDER="Leaving Care Checker")

    code, checks, _output = config_check()

    assert code == 2
    assert "Set graph.sender to the mailbox the app sends from" in checks["email (graph)"]
    assert checks["teams_activity (graph)"].startswith("ok (app token")


# --- SMTP -----------------------------------------------------------------------------------------------


def test_a_wrong_smtp_password_fails_with_a_fix_and_without_the_password(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, smtp: SmtpTestServer) -> None:
    wrong = "not-the-password-31337"
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_smtp(monkeypatch, smtp, tmp_path, password=wrong)

    code, checks, output = config_check()

    assert code == 2
    line = checks["email (smtp)"]
    assert line.startswith("FAILED: ")
    assert "refused the login as 'checker' (535)" in line
    assert "Check smtp.username and smtp.password (CHECKER_SMTP__PASSWORD or the file" in line
    assert "1 of " in output
    assert smtp.received == []
    assert_no_secrets(output, wrong)


def test_an_smtp_server_without_starttls_is_refused_before_any_login(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ca: trustme.CA) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with SmtpTestServer(ca, mode="plain", password=PASSWORD) as plain:
        with_smtp(monkeypatch, plain, tmp_path)
        code, checks, output = config_check()
        assert plain.auth_attempts == []
        assert plain.verbs() == ["EHLO"]

    assert code == 2
    line = checks["email (smtp)"]
    assert "does not offer STARTTLS; checker never sends mail in clear text" in line
    assert 'Enable STARTTLS on the server, or set smtp.security = "tls"' in line
    assert_no_secrets(output)


def test_an_smtp_username_without_a_password_says_where_to_put_it(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path, smtp: SmtpTestServer,
                                                                  secrets_folder: Path) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_smtp(monkeypatch, smtp, tmp_path, password=None)

    code, checks, _output = config_check()

    assert code == 2
    assert "the password is missing" in checks["email (smtp)"]
    assert f"CHECKER_SMTP__PASSWORD, or the file {secrets_folder / 'smtp__password'}" in checks["email (smtp)"]
    assert smtp.commands == []


def test_a_closed_smtp_port_says_which_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                smtp: SmtpTestServer) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_smtp(monkeypatch, smtp, tmp_path)
    configure(monkeypatch, SMTP__PORT=closed_port())

    code, checks, output = config_check()

    assert code == 2
    assert "refused the connection. Check smtp.host and smtp.port" in checks["email (smtp)"]
    assert_no_secrets(output)


# --- Graph ----------------------------------------------------------------------------------------------


def test_a_wrong_graph_client_secret_fails_mentioning_the_client_secret(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, graph_server: GraphTestServer) -> None:
    wrong = "WRONG~secret.value-not-registered-0000"
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_graph(monkeypatch, graph_server, tmp_path, secret=wrong, email=True)

    code, checks, output = config_check()

    assert code == 2
    for name in ("email (graph)", "teams_activity (graph)"):
        line = checks[name]
        assert line.startswith("FAILED: Microsoft Entra token service refused the app's token request: "
                               "invalid_client (AADSTS7000215). Check graph.client_secret")
        assert "graph__client_secret" in line
    assert graph_server.sent == []
    assert len(graph_server.token_requests) == 1
    assert_no_secrets(output, wrong)


def test_an_untrusted_graph_certificate_says_to_set_the_ca_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                graph_server: GraphTestServer) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_graph(monkeypatch, graph_server, tmp_path)
    monkeypatch.delenv("CHECKER_GRAPH__CA_FILE")  # the system's CAs do not know the test CA

    code, checks, output = config_check()

    assert code == 2
    assert "certificate at 127.0.0.1" in checks["teams_activity (graph)"]
    assert "Set graph.ca_file to the CA certificate that signs it" in checks["teams_activity (graph)"]
    assert graph_server.token_requests == []
    assert_no_secrets(output)


# --- sources and the state database -----------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_sql_source_fails_without_its_password(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    queries = bundled_config_dir() / "sql"
    url = f"postgresql+psycopg://reader:{DB_PASSWORD}@127.0.0.1:{closed_port()}/social_care"
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path), SOURCES__CMS__KIND="sql", SOURCES__CMS__URL=url,
              SOURCES__CMS__CASES_QUERY=queries / "demo_cases.sql")

    code, checks, output = config_check()

    assert code == 2
    line = checks["source cms"]
    assert line.startswith("FAILED: the cases query failed on SQL postgresql+psycopg://reader:***@127.0.0.1:")
    assert "Connection refused" in line
    assert "Check sources.cms.url (driver, host, port, database, user, password: CHECKER_SOURCES__CMS__URL" in line
    assert_no_secrets(output)


def test_a_csv_source_without_a_required_column_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cases = tmp_path / "cases.csv"
    cases.write_text("case_ref,looked_after_since\nC1,2015-01-01\n")
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path), SOURCES__EXPORT__KIND="csv",
              SOURCES__EXPORT__CASES=cases, DEFAULT_SOURCE="nope")

    code, checks, _output = config_check()

    assert code == 2
    assert "have no date_of_birth column" in checks["source export"]
    assert "Check the paths in [sources.export]" in checks["source export"]
    assert "default_source is 'nope', but no source has that name (known: export)" in checks["default source"]


def test_a_state_database_not_migrated_is_reported_and_left_as_it_is(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE unrelated (x INTEGER)"))  # a file, but no schema of ours
    configure(monkeypatch, STATE_URL=f"sqlite:///{path}")

    code, checks, _output = config_check()

    assert code == 0
    assert checks["state database"] == (f"ok (sqlite:///{path}: not migrated (empty; the newest revision is "
                                        f"{head_revision()}): the next command migrates it, or run "
                                        "`checker db upgrade`)")
    assert current_revision(engine) is None
    assert inspect(engine).get_table_names() == ["unrelated"]
    engine.dispose()


def test_a_state_database_from_a_newer_checker_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = migrated_state(tmp_path)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed0001'"))
    engine.dispose()
    configure(monkeypatch, STATE_URL=url)

    code, checks, _output = config_check()

    assert code == 2
    assert "is at revision f00dfeed0001, which this version of checker does not know" in checks["state database"]


def test_a_missing_sqlite_state_database_is_made_by_the_first_command(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.sqlite"
    configure(monkeypatch, STATE_URL=f"sqlite:///{path}")

    code, checks, _output = config_check()

    assert code == 0
    assert "does not exist yet; the first command creates and migrates it" in checks["state database"]
    assert not path.parent.exists()  # the check created nothing


def test_an_unreachable_state_database_fails_without_its_password(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, STATE_URL=f"postgresql+psycopg://checker:{DB_PASSWORD}@127.0.0.1:{closed_port()}/c")

    code, checks, output = config_check()

    assert code == 2
    assert checks["state database"].startswith("FAILED: cannot read postgresql+psycopg://checker:***@127.0.0.1:")
    assert "Check state_url (CHECKER_STATE_URL or the file" in checks["state database"]
    assert_no_secrets(output)


def test_a_sink_folder_that_cannot_be_made_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path), DELIVERY__SINK_DIR=blocker / "outbox")

    code, checks, _output = config_check()

    assert code == 2
    assert f"{blocker} is not a folder" in checks["email (sink)"]
    assert "set delivery.sink_dir to a folder that is" in checks["email (sink)"]


# --- webhooks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected", "fix"), [
    ("http://teams.example.org/workflows/x?sig=PLAIN-HTTP-SIG-0001", "must be https://",
     "Paste the workflow's HTTP trigger URL again into CHECKER_TEAMS__WEBHOOKS__PRESTON or the file"),
    ("https://webhook.invalid/workflows/x?sig=UNRESOLVED-SIG-0002", "host webhook.invalid does not resolve",
     "Check the host name in the URL of webhook preston (CHECKER_TEAMS__WEBHOOKS__PRESTON or the file"),
    ("TLS", "certificate at 127.0.0.1", "Set teams.ca_file to the CA certificate that signs it"),
])
def test_a_webhook_that_cannot_work_fails_and_nothing_is_posted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                graph_server: GraphTestServer, url: str,
                                                                expected: str, fix: str) -> None:
    url = tls_webhook_url(graph_server) if url == "TLS" else url  # without teams.ca_file: not trusted
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path), DELIVERY__TEAMS_CHANNEL="webhook",
              TEAMS__WEBHOOKS__PRESTON=url, TEAMS__TEAM_CHANNELS__PRESTON="preston", TEAMS__TIMEOUT=5)

    code, checks, output = config_check()

    assert code == 2
    assert expected in checks["teams_channel (webhook preston)"]
    assert fix in checks["teams_channel (webhook preston)"]
    assert graph_server.seen == []  # a TLS handshake at most: no HTTP request
    assert_no_secrets(output, url, url.rpartition("sig=")[2])


def test_webhook_names_in_team_channels_must_be_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           webhook: WebhookReceiver) -> None:
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path), DELIVERY__TEAMS_CHANNEL="webhook",
              TEAMS__WEBHOOKS__NORTH=webhook.url, TEAMS__TEAM_CHANNELS__NORTH="north",
              TEAMS__TEAM_CHANNELS__BURNLEY="burnley")

    code, checks, output = config_check()

    assert code == 2
    assert "names webhooks that are not configured: burnley" in checks["teams_channel (team_channels)"]
    assert checks["teams_channel (webhook north)"].startswith("ok")
    assert webhook.requests == 0
    assert_no_secrets(output)


# --- settings -------------------------------------------------------------------------------------------


def test_invalid_settings_are_named_without_their_values(monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, SMTP__PORT="hunter2-not-a-port", DELIVERY__EMAIL="pigeon-post-secret")

    code, checks, output = config_check()

    assert code == 2
    assert list(checks) == ["settings"]
    assert checks["settings"].startswith("FAILED: the settings are not valid: ")
    assert "smtp.port" in output
    assert "delivery.email" in output
    assert "hunter2-not-a-port" not in output
    assert "pigeon-post-secret" not in output


# --- the secrets directory ------------------------------------------------------------------------------


def write_secret(folder: Path, name: str, value: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(value + "\n", encoding="utf-8")  # as `echo value > file` leaves it


def test_the_secrets_directory_defaults_to_run_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert secrets_dir() == tmp_path / "secrets"
    monkeypatch.delenv("CHECKER_SECRETS_DIR")
    assert secrets_dir() == DEFAULT_SECRETS_DIR == Path("/run/secrets")


def test_a_missing_secrets_directory_is_fine(secrets_folder: Path) -> None:
    assert not secrets_folder.exists()
    assert Settings().smtp.password is None


def test_secrets_from_the_directory_reach_the_nested_settings(secrets_folder: Path) -> None:
    write_secret(secrets_folder, "smtp__password", "file-smtp-password")
    write_secret(secrets_folder, "graph__client_secret", "file-graph-secret")
    write_secret(secrets_folder, "teams__webhooks__preston", "https://example.invalid/workflows/p?sig=file-sig")
    write_secret(secrets_folder, "STATE_URL", "sqlite:///from-a-file.sqlite")  # names are not case-sensitive
    write_secret(secrets_folder, "postgres_password", "someone else's")  # no setting of ours: ignored

    settings = Settings()

    assert settings.smtp.password is not None
    assert settings.smtp.password.get_secret_value() == "file-smtp-password"  # the newline stripped
    assert settings.graph.client_secret is not None
    assert settings.graph.client_secret.get_secret_value() == "file-graph-secret"
    assert settings.teams.webhooks["preston"].get_secret_value() == "https://example.invalid/workflows/p?sig=file-sig"
    assert settings.state_url.get_secret_value() == "sqlite:///from-a-file.sqlite"
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("file-smtp-password", "file-graph-secret", "file-sig"):
        assert secret not in shown


def test_precedence_init_then_environment_then_dotenv_then_secrets_then_the_toml_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secrets_folder: Path) -> None:
    toml = tmp_path / "checker.toml"
    toml.write_text('[smtp]\nhost = "relay.toml"\npassword = "from-toml"\n'
                    '[teams.webhooks]\nburnley = "https://example.invalid/b?sig=toml"\n')
    monkeypatch.setenv("CHECKER_SETTINGS_FILE", str(toml))

    def password() -> str:
        value = Settings().smtp.password
        assert value is not None
        return value.get_secret_value()

    assert password() == "from-toml"
    write_secret(secrets_folder, "smtp__password", "from-file")
    write_secret(secrets_folder, "teams__webhooks__preston", "https://example.invalid/p?sig=file")
    assert password() == "from-file"
    Path(".env").write_text("CHECKER_SMTP__PASSWORD=from-dotenv\n")
    assert password() == "from-dotenv"
    monkeypatch.setenv("CHECKER_SMTP__PASSWORD", "from-env")
    assert password() == "from-env"
    given = Settings(smtp={"password": "from-init"}).smtp.password
    assert given is not None
    assert given.get_secret_value() == "from-init"
    # Sections merge key by key: the host from the file, the webhooks from the file and the directory.
    settings = Settings()
    assert settings.smtp.host == "relay.toml"
    assert sorted(settings.teams.webhooks) == ["burnley", "preston"]


def test_config_check_uses_the_secrets_directory_and_the_environment_wins_over_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, secrets_folder: Path, smtp: SmtpTestServer,
        graph_server: GraphTestServer, webhook: WebhookReceiver) -> None:
    """The Graph secret and the webhook URL come only from files; the SMTP password file is wrong, but the
    environment's right one wins."""
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with_smtp(monkeypatch, smtp, tmp_path)
    with_graph(monkeypatch, graph_server, tmp_path, secret=None)
    configure(monkeypatch, DELIVERY__TEAMS_CHANNEL="webhook", TEAMS__TEAM_CHANNELS__NORTH="north")
    stale = "an-old-smtp-password-0000"
    write_secret(secrets_folder, "smtp__password", stale)
    write_secret(secrets_folder, "graph__client_secret", CLIENT_SECRET)
    write_secret(secrets_folder, "teams__webhooks__north", webhook.url)

    code, checks, output = config_check()

    assert code == 0, output
    assert f"secrets directory {secrets_folder}" in checks["settings"]
    assert checks["email (smtp)"].startswith("ok")
    assert checks["teams_activity (graph)"].startswith("ok (app token")
    assert checks["teams_channel (webhook north)"].startswith("ok")
    assert smtp.auth_attempts == [(smtp.auth_attempts[0][0], True)]
    assert webhook.requests == 0
    assert_no_secrets(output, stale)

    monkeypatch.delenv("CHECKER_SMTP__PASSWORD")  # now the file's stale password is used, and refused
    code, checks, output = config_check()
    assert code == 2
    assert "refused the login" in checks["email (smtp)"]
    assert_no_secrets(output, stale)


def test_a_kubernetes_secret_volume_and_a_binary_file_beside_the_secrets(secrets_folder: Path) -> None:
    """A Kubernetes secret volume: each name a link into the hidden ``..data`` folder. A binary keystore
    mounted beside the secrets is nobody's setting and is skipped, not a reason to fail."""
    data = secrets_folder / "..2026_11_23_12_00_00.000000001"
    data.mkdir(parents=True)
    write_secret(data, "smtp__password", "k8s-smtp-password")
    (secrets_folder / "..data").symlink_to(data.name)
    (secrets_folder / "smtp__password").symlink_to(Path("..data") / "smtp__password")
    (secrets_folder / "graph-app.p12").write_bytes(b"\x30\x82\xff\xfe binary keystore")
    outside = secrets_folder.parent / "outside-secret"
    outside.write_text("sqlite:///not-from-outside.sqlite")
    (secrets_folder / "state_url").symlink_to(outside)  # resolves outside the folder: not read

    settings = Settings()

    assert settings.smtp.password is not None
    assert settings.smtp.password.get_secret_value() == "k8s-smtp-password"
    assert settings.state_url.get_secret_value() != "sqlite:///not-from-outside.sqlite"


def test_a_graph_certificate_in_the_secrets_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                      secrets_folder: Path, graph_ca: trustme.CA) -> None:
    """``graph.certificate_path`` names a PEM file mounted as a secret (a path, not the content)."""
    certificate = issue_app_certificate(graph_ca)
    secrets_folder.mkdir()
    pem = write_app_certificate(certificate, secrets_folder)
    configure(monkeypatch, STATE_URL=migrated_state(tmp_path))
    with GraphTestServer(graph_ca, client_secret=None, certificate=certificate) as server:
        with_graph(monkeypatch, server, tmp_path, secret=None, email=True)
        configure(monkeypatch, GRAPH__CERTIFICATE_PATH=pem)

        code, checks, output = config_check()

        assert code == 0, output
        assert "(certificate); nothing sent" in checks["email (graph)"]
        assert server.token_requests == [
            {"grant_type": "client_credentials", "credential": "certificate", "outcome": "issued"}]

        write_app_certificate(issue_app_certificate(graph_ca), secrets_folder)  # a certificate the app does not have
        code, checks, output = config_check()

        assert code == 2
        assert "invalid_client" in checks["email (graph)"]
        assert "the certificate at graph.certificate_path" in checks["email (graph)"]
        assert "PRIVATE KEY" not in output


def test_every_secret_of_the_settings_is_masked_in_the_lines() -> None:
    """Defence in depth, in case a server echoes a credential back: each is masked before it is printed."""
    hook = f"https://prod.example.invalid/workflows/1/invoke?api-version=1&sig={SOUTH_SIG}"
    settings = Settings(
        state_url=f"postgresql+psycopg://checker:{DB_PASSWORD}@db.internal/checker",
        smtp={"password": PASSWORD}, graph={"client_secret": CLIENT_SECRET},
        teams={"webhooks": {"south": hook}},
        sources={"cms": {"kind": "sql", "url": "postgresql+psycopg://reader:p%40ss-word@cms/x",
                         "cases_query": "q.sql"}})
    secrets = secret_values(settings)
    line = (f"echoed {PASSWORD} {CLIENT_SECRET} {hook} sig={SOUTH_SIG} {DB_PASSWORD} p@ss-word p%40ss-word "
            "sqlite:///kept.sqlite")
    masked = mask(line, secrets)
    assert_no_secrets(masked, "p@ss-word", "p%40ss-word")
    assert masked.endswith("sqlite:///kept.sqlite")  # a URL without a password is no secret
