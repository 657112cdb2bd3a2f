"""Checks of the Graph app token and of each Workflows webhook's TLS connection (nothing is posted)."""

from __future__ import annotations

import functools
import socket
import ssl
from collections.abc import Iterator

import httpx

from checker.preflight.results import Check, connection_problem, failed, passed, secret_file, tls_context
from checker.settings import Settings
from notifiers.base import DeliveryError
from notifiers.graph_auth import GraphApp, GraphTokens
from notifiers.graph_mail import GraphMailConfig
from notifiers.retry import call_with_retries
from notifiers.teams_workflow import TeamsWorkflowConfig


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
        GraphMailConfig(g.tenant_id, g.client_id, "-", None, None, g.authority_host, g.graph_url, g.scope,
                        sender=g.sender)
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
                       g.graph_url, g.scope)
    except ValueError as exc:
        return failed(name, f"the [graph] settings cannot work: {exc}", credential_fix)
    context = tls_context(settings.resolve(g.ca_file) if g.ca_file else None, "graph.ca_file")
    if isinstance(context, Check):
        return Check(name, context.ok, context.detail)
    hosts = dict.fromkeys(_url_endpoint(httpx.URL(u)) for u in (app.authority_host, app.graph_url))
    for host, port in hosts:
        try:
            _probe(host, port, context, g.timeout)
        except OSError as exc:
            what, fix = connection_problem(exc, host, port, "Microsoft Entra / Graph server", "graph")
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
        return "Check graph.scope (https://graph.microsoft.com/.default for the public cloud)"
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
    context = tls_context(settings.resolve(t.ca_file) if t.ca_file else None, "teams.ca_file")
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
        what, how = connection_problem(exc, host, port, "webhook server", "teams",
                                        f"the URL of webhook {hook} ({where})")
        return failed(name, what, how)
    tried = "TLS connection" if tls else "connection (loopback http)"
    return passed(name, f"{host}:{port}: only a {tried} was tried; nothing posted, a post would run the flow")

