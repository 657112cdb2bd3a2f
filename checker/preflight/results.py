"""What every check shares: the result of one check, keeping secrets out of its text, and the plain-English
reasons for a folder that cannot be written, CA certificates that cannot be read and a failed connection."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

from checker.settings import Settings, secrets_dir
from checker.urls import query_secrets

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
    parts = [*settings.sources.values(), *settings.supplements.values()]
    databases += [url.get_secret_value() for s in parts if (url := getattr(s, "url", None)) is not None]
    for text in databases:
        in_query = query_secrets(text)  # ?password=… (libpq and psycopg read it there too)
        if in_query:
            found += [text, *in_query]
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


_ADDRESS_SETTINGS = {"smtp": "smtp.host and smtp.port", "graph": "graph.authority_host and graph.graph_url",
                     "teams": "the webhook's URL"}  # where each section's host and port are set


def not_writable(folder: Path) -> str | None:
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


def tls_context(ca_file: Path | None, setting: str) -> ssl.SSLContext | Check:
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
        return failed(setting, f"{setting} {ca_file} cannot be used as CA certificates ({reason})",
                      f"Point {setting} at a PEM file of the CA certificates to trust, or remove it to use the "
                      "system's")


def connection_problem(exc: OSError, host: str, port: int, what: str, section: str,
                        address: str | None = None) -> tuple[str, str]:
    """What a failed connection means and how to fix it; ``section`` (smtp, graph, teams) names the settings,
    ``address`` where the host and port are set (default: by section)."""
    where = f"{host}:{port}"
    address = address or _ADDRESS_SETTINGS[section]
    proxy = " (this check connects directly, not through HTTPS_PROXY)" if proxy_set() and section != "smtp" else ""
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


def proxy_set() -> bool:
    return any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"))
