"""``checker config check``'s work: try every connection the settings name, sending nothing.

One ``Check`` per thing tried, in order: the profile, each configured source (CSV: the files and their
header; SQL: the queries run and one row is read, through the project's ``SqlSource``), the state
database (its Alembic revision against the newest; never migrated here), then each delivery channel
that is on:

- ``sink``: the folder (or, before the first message, the folder it will be made in) takes a file;
- ``smtp``: connect, EHLO, STARTTLS (refused when not offered, as ``notifiers.smtp`` refuses), EHLO,
  AUTH when a username is set, QUIT: no mail is sent;
- ``graph`` (email and the Teams activity feed): TLS to the authority and Graph hosts, then an app
  token through the real msal path (``notifiers.graph_auth.GraphTokens`` on an ``httpx.Client`` made as
  ``checker/channels.py`` makes it); nothing is sent;
- ``webhook``: each Workflows URL is https, its host resolves and a TLS connection succeeds. Nothing is
  posted: a post would run the flow. (A loopback ``http://`` URL, which the notifier accepts for local
  testing, gets a TCP connection.) The probe connects directly, not through an ``HTTPS_PROXY``.

A failed check's ``detail`` reads "<what is wrong>. <how to fix it>". No detail carries a secret: the
messages are written without them, and ``run_checks`` also masks every secret value of the settings
(passwords, the client secret, webhook URLs and their ``sig``, database URLs) in case a server echoed one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from checker.profiles import ProfileError, load_profile
from checker.settings import CsvSourceSettings, Settings, secrets_dir
from checker.sources import SourceError, SqlSource
from checker.sources.factory import named_source
from checker.state.database import MIGRATIONS, current_revision
from notifiers.base import DeliveryError
from notifiers.graph_auth import GraphApp, GraphTokens
from notifiers.graph_mail import GraphMailConfig
from notifiers.retry import call_with_retries
from notifiers.smtp import SmtpConfig
from notifiers.teams_workflow import TeamsWorkflowConfig

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_MASK = "***"
_MIN_SECRET = 4  # shorter values are not masked: they would garble every line and reveal little


@dataclass(frozen=True, slots=True)
class Check:
    """One thing tried: ``ok``, with ``detail`` saying what was found, or what is wrong and how to fix it."""

    name: str
    ok: bool
    detail: str = ""


def passed(name: str, detail: str = "") -> Check:
    return Check(name, True, detail)


def failed(name: str, what: str, fix: str) -> Check:
    return Check(name, False, f"{what.rstrip('. ')}. {fix.rstrip('.')}.")


def secret_file(name: str) -> str:
    """Where the secrets directory holds the setting ``name`` (``smtp__password``...)."""
    return str(secrets_dir() / name)


# -- the whole run -----------------------------------------------------------------------------------


def run_checks(settings: Settings) -> Iterator[Check]:
    """Every check the settings call for, one at a time (each may take up to its timeout)."""
    secrets = secret_values(settings)
    for check in _checks(settings):
        yield Check(check.name, check.ok, mask(check.detail, secrets))


def _checks(settings: Settings) -> Iterator[Check]:
    yield check_profile(settings)
    yield from check_sources(settings)
    yield check_state_database(settings)
    yield from check_channels(settings)


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, longest first (so a URL is masked before the password in it).

    A database URL is a secret when it has a password; without one it is shown (as the checks name it).
    """
    found: list[str] = []
    for value in (settings.smtp.password, settings.graph.client_secret):
        if value is not None:
            found.append(value.get_secret_value())
    for webhook in settings.teams.webhooks.values():
        text = webhook.get_secret_value()
        found.append(text)
        with contextlib.suppress(httpx.InvalidURL, TypeError):
            query = httpx.URL(text).query.decode("ascii", "replace")
            found += parse_qs(query).get("sig", [])  # decoded
            found += [part[4:] for part in query.split("&") if part.lower().startswith("sig=")]  # as written
    databases = [settings.state_url.get_secret_value()]
    databases += [s.url.get_secret_value() for s in settings.sources.values()
                  if not isinstance(s, CsvSourceSettings)]
    for text in databases:
        try:
            parsed = make_url(text)
        except ArgumentError:
            found.append(text)  # not a URL: the whole value may be anything
            continue
        if parsed.password:
            found += [text, str(parsed.password), parsed.render_as_string(hide_password=False)]
            with contextlib.suppress(ValueError):
                found.append(urlsplit(text).password or "")  # as written (percent-encoded)
    return sorted({s for s in found if len(s) >= _MIN_SECRET}, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


# -- profile and sources -----------------------------------------------------------------------------


def check_profile(settings: Settings) -> Check:
    try:
        profile = load_profile(settings.profile, settings.config_dir)
    except ProfileError as exc:
        return failed("profile", str(exc), "Set profile to a profile name under config/profiles/ or to a .toml "
                      "file, and correct what the message names")
    return passed("profile", f"{profile.name}: {len(profile.obligations)} obligations")


def check_sources(settings: Settings) -> Iterator[Check]:
    if settings.default_source is not None and settings.default_source not in settings.sources:
        known = ", ".join(sorted(settings.sources)) or "none are configured"
        yield failed("default source", f"default_source is {settings.default_source!r}, but no source has that "
                     f"name (known: {known})", "Correct default_source, or add [sources."
                     f"{settings.default_source}] to the settings")
    if not settings.sources:
        yield passed("sources", "none configured: check, explain and run need --cases FILE")
        return
    for name in sorted(settings.sources):
        yield check_source(settings, name)


def check_source(settings: Settings, name: str) -> Check:
    label = f"source {name}"
    entry = settings.sources[name]
    if isinstance(entry, CsvSourceSettings):
        fix = (f"Check the paths in [sources.{name}] (relative ones are read from the settings file's folder) "
               "and the header row of the file")
    else:
        variable = f"CHECKER_SOURCES__{name.upper()}__URL"
        fix = (f"Check sources.{name}.url (driver, host, port, database, user, password: {variable} or the "
               f"file {secret_file(f'sources__{name}__url')}), that the database is up and lets this machine "
               "in, and the query files")
        missing = _missing_sqlite_file(entry.url.get_secret_value())
        if missing is not None:
            return failed(label, f"the SQLite database {missing} does not exist",
                          f"Correct sources.{name}.url (a relative SQLite path is read from the working folder)")
    try:
        source = named_source(settings, name)
    except SourceError as exc:
        return failed(label, str(exc), fix)
    try:
        source.case_columns()
        disputes = source.dispute_columns()
        case_row = _first(source.case_rows())
        dispute_row = _first(source.dispute_rows()) if disputes else False
    except SourceError as exc:
        return failed(label, str(exc), fix)
    finally:
        if isinstance(source, SqlSource):
            source.engine.dispose()
    read = ("the first case row read" if case_row else "no case rows") + (
        ("; the first dispute row read" if dispute_row else "; no dispute rows") if disputes else "")
    return passed(label, f"{source.description}: {read}")


def _first(rows: Iterator[Mapping[str, Any]]) -> bool:
    """Whether ``rows`` has a row; the iterator is closed after the first (a SQL cursor is released)."""
    try:
        return next(rows, None) is not None
    finally:
        close = getattr(rows, "close", None)
        if callable(close):
            close()


def _sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _missing_sqlite_file(text: str) -> Path | None:
    """The file of a SQLite URL when it does not exist (connecting would create an empty one)."""
    try:
        path = _sqlite_path(make_url(text))
    except ArgumentError:
        return None  # named_source reports the URL
    return path if path is not None and not path.is_file() else None


# -- the state database ------------------------------------------------------------------------------


def check_state_database(settings: Settings) -> Check:
    label = "state database"
    fix = ("Check state_url (CHECKER_STATE_URL or the file "
           f"{secret_file('state_url')}): driver, host, port, database, user, password")
    try:
        url = make_url(settings.state_url.get_secret_value())
    except ArgumentError:
        return failed(label, "state_url is not a database URL", fix)
    shown = url.render_as_string(hide_password=True)
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        problem = _not_writable(path.parent)
        if problem:
            return failed(label, f"the SQLite file {path} does not exist and cannot be made: {problem}",
                          "Create its folder, make it writable by this user, or correct state_url")
        return passed(label, f"{shown}: does not exist yet; the first command creates and migrates it, or "
                      "run `checker db upgrade`")
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError) as exc:
        return failed(label, f"the database driver for {shown} is not installed ({exc.__class__.__name__})",
                      "Install it (PostgreSQL: pip install 'checker[postgres]'), or correct state_url")
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        return failed(label, f"cannot read {shown}: {_reason(exc)}", fix + "; and that the server is up")
    finally:
        engine.dispose()
    return _revision_check(label, shown, revision)


def _revision_check(label: str, shown: str, revision: str | None) -> Check:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    known = {r.revision for r in script.walk_revisions()}
    if revision == head:
        return passed(label, f"{shown}: revision {revision}, the newest")
    if revision is None:
        return passed(label, f"{shown}: not migrated (empty; the newest revision is {head}): the next command "
                      "migrates it, or run `checker db upgrade`")
    if revision in known:
        return passed(label, f"{shown}: not migrated (revision {revision}; the newest is {head}): the next "
                      "command migrates it, or run `checker db upgrade`")
    return failed(label, f"{shown} is at revision {revision}, which this version of checker does not know "
                  f"(its newest is {head})", "Run the checker version that migrated it (or a newer one), or point "
                  "state_url at this version's database")


def _reason(exc: SQLAlchemyError) -> str:
    """The error's class and first line, without the SQL and parameters SQLAlchemy adds after it."""
    lines = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {lines[0] if lines else '(no message)'}"


def _not_writable(folder: Path) -> str | None:
    """Why a file cannot be written in ``folder`` (or, if it is missing, in the folder it would be made
    in), else ``None``. A temporary file is made and removed; nothing else is changed."""
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    try:
        handle, temporary = tempfile.mkstemp(dir=existing, prefix=".checker-config-check-", suffix=".tmp")
    except OSError as exc:
        return f"{existing}: {exc.strerror or exc.__class__.__name__}"
    os.close(handle)
    os.unlink(temporary)
    return None


# -- delivery channels -------------------------------------------------------------------------------


def check_channels(settings: Settings) -> Iterator[Check]:
    d = settings.delivery
    graph: list[Check] = []  # one token check for both Graph channels, as they share one app

    def graph_check(name: str, mail: bool) -> Check:
        sender = check_graph_sender(settings, name) if mail else None
        if sender is not None:
            return sender
        if graph:
            first = graph[0]
            return Check(name, first.ok, first.detail if not first.ok else "the same app token as email")
        graph.append(check_graph(settings, name))
        return graph[0]

    if d.email == "sink":
        yield check_sink(settings, "email (sink)")
    elif d.email == "smtp":
        yield check_smtp(settings)
    else:
        yield graph_check("email (graph)", mail=True)
    if d.teams_activity == "sink":
        yield check_sink(settings, "teams_activity (sink)")
    elif d.teams_activity == "graph":
        yield graph_check("teams_activity (graph)", mail=False)
    if d.teams_channel == "sink":
        yield check_sink(settings, "teams_channel (sink)")
    elif d.teams_channel == "webhook":
        yield from check_webhooks(settings)


def check_sink(settings: Settings, name: str) -> Check:
    folder = settings.delivery.sink_dir  # an output: relative to the working folder, as channels.py opens it
    problem = _not_writable(folder)
    if problem:
        return failed(name, f"the sink folder {folder} cannot be written: {problem}",
                      "Make it writable by this user, or set delivery.sink_dir to a folder that is")
    return passed(name, f"{folder}{'' if folder.is_dir() else ' (made on the first message)'} is writable")


def _tls_context(ca_file: Path | None, setting: str) -> ssl.SSLContext | Check:
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
        return failed(setting, f"{setting} {ca_file} cannot be used as CA certificates ({reason})",
                      f"Point {setting} at a PEM file of the CA certificates to trust, or remove it to use the "
                      "system's")


# SMTP


def check_smtp(settings: Settings) -> Check:
    name = "email (smtp)"
    s = settings.smtp
    try:
        config = SmtpConfig(s.host, s.port, s.sender, s.username,
                            s.password.get_secret_value() if s.password else None, s.security, s.timeout,
                            settings.resolve(s.ca_file) if s.ca_file else None)
    except ValueError as exc:
        return failed(name, f"the [smtp] settings cannot work: {exc}", _smtp_setting_fix(str(exc)))
    context = _tls_context(config.ca_file, "smtp.ca_file")
    if isinstance(context, Check):
        return Check(name, context.ok, context.detail)
    try:
        done = _smtp_session(config, context)
    except _SmtpRefusal as refusal:
        return failed(name, refusal.what, refusal.fix)
    except (smtplib.SMTPException, OSError) as exc:
        return failed(name, *_smtp_failure(exc, config))
    return passed(name, f"{config.host}:{config.port}: {done}; no mail sent")


def _smtp_failure(exc: smtplib.SMTPException | OSError, config: SmtpConfig) -> tuple[str, str]:
    """What went wrong talking to the SMTP server, and how to fix it (never the password)."""
    where = f"{config.host}:{config.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"{where} refused the login as {config.username!r} ({exc.smtp_code})",
                "Check smtp.username and smtp.password (CHECKER_SMTP__PASSWORD or the file "
                f"{secret_file('smtp__password')})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (f"{where} offers no AUTH after STARTTLS, but smtp.username is set",
                "Remove smtp.username if the relay takes mail without a login, or enable AUTH on it")
    if isinstance(exc, smtplib.SMTPResponseException):
        return (f"{where} answered {exc.smtp_code} {_short(exc.smtp_error)}",
                "Check smtp.host and smtp.port, and that the server accepts this machine")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return (f"{where} closed the connection",
                "Check smtp.port and smtp.security (\"starttls\": usually port 587; \"tls\": usually 465)")
    if isinstance(exc, smtplib.SMTPException):
        return (f"SMTP failed at {where}: {exc.__class__.__name__}",
                "Check smtp.username, smtp.password and the login methods the server offers")
    return _connection_problem(exc, config.host, config.port, "SMTP server", "smtp")


class _SmtpRefusal(smtplib.SMTPException):
    """The server is not safe to use (no STARTTLS): what is wrong and the fix."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


def _smtp_session(config: SmtpConfig, context: ssl.SSLContext) -> str:
    """Connect, EHLO, STARTTLS, EHLO, AUTH, QUIT: what was done. Sends no mail."""
    smtp: smtplib.SMTP
    if config.security == "tls":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    steps = ["implicit TLS" if config.security == "tls" else "connected"]
    try:
        _hello(smtp)
        if config.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise _SmtpRefusal(
                    f"{config.host}:{config.port} does not offer STARTTLS; checker never sends mail in clear text",
                    "Enable STARTTLS on the server, or set smtp.security = \"tls\" with its implicit-TLS port "
                    "(usually 465)")
            smtp.starttls(context=context)
            _hello(smtp)
            steps.append("STARTTLS")
        if config.username:
            smtp.login(config.username, config.password or "")
            steps.append(f"logged in as {config.username}")
        else:
            steps.append("no login (smtp.username not set)")
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return ", ".join(steps)


def _hello(smtp: smtplib.SMTP) -> None:
    code, reply = smtp.ehlo()
    if code != 250:
        raise smtplib.SMTPHeloError(code, reply)


def _short(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:160]


def _smtp_setting_fix(message: str) -> str:
    if "password" in message:
        return (f"Set the password: CHECKER_SMTP__PASSWORD, or the file {secret_file('smtp__password')}; or "
                "remove smtp.username if the relay needs no login")
    if "sender" in message:
        return "Set smtp.sender to the address mail comes from, e.g. \"Checker <checker@council.example>\""
    return "Correct the [smtp] setting the message names"


# Connections (SMTP, TLS probes)


_ADDRESS_SETTINGS = {"smtp": "smtp.host and smtp.port", "graph": "graph.authority_host and graph.graph_url",
                     "teams": "the webhook's URL"}  # where each section's host and port are set


def _connection_problem(exc: OSError, host: str, port: int, what: str, section: str,
                        address: str | None = None) -> tuple[str, str]:
    """What a failed connection means and how to fix it; ``section`` (smtp, graph, teams) names the settings,
    ``address`` where the host and port are set (default: by section)."""
    where = f"{host}:{port}"
    address = address or _ADDRESS_SETTINGS[section]
    proxy = " (this check connects directly, not through HTTPS_PROXY)" if _proxy_set() and section != "smtp" else ""
    if isinstance(exc, socket.gaierror):
        return f"the {what}'s host {host} does not resolve", f"Check the host name in {address} and this machine's DNS"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"the {what}'s certificate at {where} was not accepted ({exc.verify_message})",
                f"Set {section}.ca_file to the CA certificate that signs it (an internal CA or an inspecting "
                "proxy), or have the server's certificate fixed (name, expiry, chain)")
    if isinstance(exc, ssl.SSLError):
        return (f"TLS with the {what} at {where} failed ({exc.reason or exc.__class__.__name__})",
                f"Check that {address} name a TLS port" + (
                    " and smtp.security (\"starttls\": usually 587; \"tls\": usually 465)"
                    if section == "smtp" else ""))
    if isinstance(exc, ConnectionRefusedError):
        return (f"the {what} at {where} refused the connection{proxy}",
                f"Check {address} and that the server is running")
    if isinstance(exc, TimeoutError):
        return (f"the {what} at {where} did not answer in time{proxy}",
                f"Check {address} and that a firewall lets this machine through")
    return (f"cannot connect to the {what} at {where} ({exc.strerror or exc.__class__.__name__}){proxy}",
            f"Check {address} and the network path to it")


def _proxy_set() -> bool:
    return any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"))


def _probe(host: str, port: int, context: ssl.SSLContext | None, timeout: float) -> None:
    """Resolve ``host``, connect, and (with ``context``) complete a TLS handshake; nothing is sent."""
    socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    with socket.create_connection((host, port), timeout=timeout) as connection:
        if context is not None:
            with context.wrap_socket(connection, server_hostname=host):
                pass


def _url_endpoint(url: httpx.URL) -> tuple[str, int]:
    return url.host, url.port or (443 if url.scheme == "https" else 80)


# Microsoft Graph


def check_graph_sender(settings: Settings, name: str) -> Check | None:
    """A failed check when the Graph mail sender is not a mailbox's name, else ``None``."""
    g = settings.graph
    try:
        # The sender is validated first; "-" stands in for the credential, which check_graph tries for real.
        GraphMailConfig(g.tenant_id, g.client_id, g.sender, "-", None, None, g.authority_host, g.graph_url)
    except ValueError as exc:
        if "sender" in str(exc):
            return failed(name, f"the [graph] settings cannot work: {exc}",
                          "Set graph.sender to the mailbox the app sends from (name@domain)")
    return None  # the other settings are the token check's


def check_graph(settings: Settings, name: str) -> Check:
    """The app's token from the identity platform, as the Graph channels get it."""
    g = settings.graph
    secret = g.client_secret.get_secret_value() if g.client_secret else None
    certificate = settings.resolve(g.certificate_path) if g.certificate_path else None
    credential_fix = ("Set graph.tenant_id and graph.client_id from the app registration, and one credential: "
                      "graph.client_secret (CHECKER_GRAPH__CLIENT_SECRET or the file "
                      f"{secret_file('graph__client_secret')}) or graph.certificate_path")
    try:
        app = GraphApp(g.tenant_id, g.client_id, secret, certificate, g.certificate_thumbprint, g.authority_host,
                       g.graph_url)
    except ValueError as exc:
        return failed(name, f"the [graph] settings cannot work: {exc}", credential_fix)
    context = _tls_context(settings.resolve(g.ca_file) if g.ca_file else None, "graph.ca_file")
    if isinstance(context, Check):
        return Check(name, context.ok, context.detail)
    hosts = dict.fromkeys(_url_endpoint(httpx.URL(u)) for u in (app.authority_host, app.graph_url))
    for host, port in hosts:
        try:
            _probe(host, port, context, g.timeout)
        except OSError as exc:
            what, fix = _connection_problem(exc, host, port, "Microsoft Entra / Graph server", "graph")
            return failed(name, what, fix)
    retry = functools.partial(call_with_retries, attempts=2, max_wait=2.0, base_wait=0.5)
    with httpx.Client(verify=context, timeout=g.timeout, follow_redirects=False) as client:
        try:
            GraphTokens(app, client, retry).token()
        except ValueError as exc:  # the certificate file cannot be used
            return failed(name, f"the Graph certificate cannot be used: {exc}",
                          "Point graph.certificate_path at a PEM file with the app's unencrypted RSA key and its "
                          "certificate (a mounted secret is fine)")
        except DeliveryError as exc:
            return failed(name, str(exc).split(": check ")[0], _token_fix(str(exc), exc.permanent))
    credential = "client secret" if secret is not None else "certificate"
    return passed(name, f"app token for client {app.client_id} from {app.authority} ({credential}); nothing sent")


def _token_fix(message: str, permanent: bool) -> str:
    if "invalid_client" in message:
        return ("Check graph.client_secret (CHECKER_GRAPH__CLIENT_SECRET or the file "
                f"{secret_file('graph__client_secret')}) or the certificate at graph.certificate_path against the "
                "app registration's Certificates & secrets: it may have expired or been replaced")
    if "unauthorized_client" in message or "invalid_request" in message:
        return "Check graph.client_id and graph.tenant_id against the app registration"
    if "invalid_scope" in message:
        return "Check graph.graph_url (https://graph.microsoft.com/v1.0 for the public cloud)"
    if "unknown at the authority" in message:
        return "Check graph.tenant_id and graph.authority_host"
    if not permanent:
        return "Check that this machine reaches graph.authority_host (firewall, proxy), then try again"
    return "Check the [graph] settings against the app registration"


# Teams Workflows webhooks


def check_webhooks(settings: Settings) -> Iterator[Check]:
    t = settings.teams
    add = ("set CHECKER_TEAMS__WEBHOOKS__<NAME>=https://... or write the URL to the file "
           f"{secret_file('teams__webhooks__<name>')}")
    if not t.webhooks:
        yield failed("teams_channel (webhook)", "delivery.teams_channel is \"webhook\" but no webhook is configured",
                     f"For each team channel {add}, or set delivery.teams_channel = \"off\"")
        return
    unknown = sorted({hook for hook in t.team_channels.values() if hook not in t.webhooks})
    if unknown:
        yield failed("teams_channel (team_channels)", f"teams.team_channels names webhooks that are not configured: "
                     f"{', '.join(unknown)}", f"Correct teams.team_channels, or {add}")
    context = _tls_context(settings.resolve(t.ca_file) if t.ca_file else None, "teams.ca_file")
    for hook in sorted(t.webhooks):
        name = f"teams_channel (webhook {hook})"
        if isinstance(context, Check):
            yield Check(name, context.ok, context.detail)
            continue
        yield check_webhook(name, hook, t.webhooks[hook].get_secret_value(), context, t.timeout)


def check_webhook(name: str, hook: str, text: str, context: ssl.SSLContext, timeout: float) -> Check:
    where = (f"CHECKER_TEAMS__WEBHOOKS__{hook.upper()} or the file {secret_file(f'teams__webhooks__{hook}')}")
    fix = f"Paste the workflow's HTTP trigger URL again into {where}"
    try:
        TeamsWorkflowConfig({hook: text})
    except ValueError as exc:
        return failed(name, str(exc), fix)
    url = httpx.URL(text)
    host, port = _url_endpoint(url)
    tls = url.scheme == "https"
    try:
        _probe(host, port, context if tls else None, timeout)
    except OSError as exc:
        what, how = _connection_problem(exc, host, port, "webhook server", "teams",
                                        f"the URL of webhook {hook} ({where})")
        return failed(name, what, how)
    tried = "TLS connection" if tls else "connection (loopback http)"
    return passed(name, f"{host}:{port}: only a {tried} was tried; nothing posted, a post would run the flow")

