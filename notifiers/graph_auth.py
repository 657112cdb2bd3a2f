"""App-only access to Microsoft Graph: the app's credentials, its tokens (msal) and Graph's error answers.

Shared by the Graph channels (``graph_mail``, ``teams_activity``); transport only, like them.

Tokens: one ``msal.ConfidentialClientApplication`` per notifier, built on first use (building it fetches
the tenant's OpenID configuration, so constructing a notifier does no network I/O), with
``authority=f"{authority_host}/{tenant_id}"`` and ``instance_discovery=False``: the authority is pinned
to the configured tenant, msal never asks Microsoft's instance-discovery endpoint whether the host is a
known cloud (it is not, for the local test server, and need not be asked for the real one either).
``acquire_token_for_client`` serves the token from msal's own cache until it is near expiry. After Graph
answers 401, ``GraphApi.request`` drops the cached token (``remove_tokens_for_client``: msal refuses
``force_refresh`` for this grant), gets a fresh one and repeats the request once; a second 401 is
permanent.

msal's HTTP goes through the injected ``httpx.Client`` (see ``_MsalTransport``), retried like every
other call of the channel. Token errors: ``invalid_client`` (a wrong secret or certificate),
``unauthorized_client``, ``invalid_scope``, an unknown tenant... are permanent; network trouble, 429/5xx
and ``temporarily_unavailable`` are transient. Exception messages name Entra's error code and AADSTS
number, never the secret, the assertion, the token or Entra's free-text description.

Scope: ``GraphApp.scope``, by default ``https://graph.microsoft.com/.default`` (the application
permissions granted to the app registration for the real Graph), whatever ``graph_url`` is: a proxy or
a national cloud has its own URL layout, so the scope is a setting of its own (``graph.scope``), never
derived from the URL.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import httpx
import msal  # type: ignore[import-untyped]  # msal ships no type information; used through _MsalApp below
import tenacity
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from notifiers.base import DeliveryError
from notifiers.outcome import RECIPIENT_REFUSED, Outcome, http_status
from notifiers.retry import call_with_retries, retry_after_seconds

_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # a GUID or a verified domain name
_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_THUMBPRINT = re.compile(r"^[0-9A-F]{40}$")
_ERROR_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SCOPE = re.compile(r"^(?:https://[^\s/?#]+(?:/[^\s?#]*)?/|[0-9a-fA-F-]{36}/)\.default$")
DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
# Graph's error codes for a recipient that does not exist (the mailbox is not found): refused for good.
RECIPIENT_CODES = frozenset({"ErrorInvalidRecipients", "ErrorRecipientNotFound", "ErrorMailboxNotFound"})
_TRANSIENT_TOKEN_ERRORS = frozenset({"temporarily_unavailable", "server_error", "service_unavailable"})
_TOKEN_HINTS = {
    "invalid_client": "check the client secret or certificate (expired? rotated?)",
    "unauthorized_client": "check client_id and tenant_id",
    "invalid_request": "check tenant_id and client_id",
    "invalid_scope": "check graph.scope",
}


def https_url(value: str, what: str) -> str:
    """``value`` without a trailing slash, when it is an https URL with a host (else ``ValueError``)."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        raise ValueError(f"{what} is not a URL") from None
    if url.scheme != "https" or not url.host or url.query or url.fragment:
        raise ValueError(f"{what} must be an https:// URL without a query")
    return value.rstrip("/")


@dataclass(frozen=True, slots=True)
class GraphApp:
    """An app registration's credentials and endpoints, validated: exactly one kind of credential.

    ``client_secret``: a client secret (a secret: left out of ``repr``). Or certificate credentials:
    ``certificate_pem_path``, a PEM file with the RSA private key (unencrypted) and, usually, the
    certificate uploaded to the app registration; ``certificate_thumbprint`` (SHA-1, hex, as the Entra
    portal shows it) is needed only when the file holds no certificate.
    """

    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate_pem_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority_host: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    scope: str = DEFAULT_SCOPE

    def __post_init__(self) -> None:
        if not _TENANT.match(self.tenant_id or ""):
            raise ValueError("tenant_id must be the directory (tenant) id or a verified domain name")
        if not _CLIENT_ID.match(self.client_id or ""):
            raise ValueError("client_id must be the app registration's application (client) id")
        if self.client_secret is not None and not self.client_secret.strip():
            raise ValueError("client_secret is empty")
        if (self.client_secret is None) == (self.certificate_pem_path is None):
            raise ValueError("set exactly one kind of credential: client_secret, or certificate_pem_path")
        if self.certificate_thumbprint is not None:
            if self.certificate_pem_path is None:
                raise ValueError("certificate_thumbprint is only used with certificate_pem_path")
            thumbprint = re.sub(r"[\s:]", "", self.certificate_thumbprint).upper()
            if not _THUMBPRINT.match(thumbprint):
                raise ValueError("certificate_thumbprint must be a SHA-1 thumbprint: 40 hexadecimal digits")
            object.__setattr__(self, "certificate_thumbprint", thumbprint)
        if self.certificate_pem_path is not None:
            object.__setattr__(self, "certificate_pem_path", Path(self.certificate_pem_path))
        object.__setattr__(self, "authority_host", https_url(self.authority_host, "authority_host"))
        object.__setattr__(self, "graph_url", https_url(self.graph_url, "graph_url"))
        if not _SCOPE.match(self.scope or ""):
            raise ValueError("scope must be the resource's '.default' scope, such as "
                             f"{DEFAULT_SCOPE!r} (app-only tokens take no other)")

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}"

    @property
    def app(self) -> GraphApp:
        """The registration alone (a channel's config that extends it, such as the mail sender's, gives it)."""
        return GraphApp(self.tenant_id, self.client_id, self.client_secret, self.certificate_pem_path,
                        self.certificate_thumbprint, self.authority_host, self.graph_url, self.scope)


class _MsalApp(Protocol):
    """The part of ``msal.ConfidentialClientApplication`` used here, typed."""

    def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]: ...

    def remove_tokens_for_client(self) -> None: ...


def certificate_credential(pem_path: Path, thumbprint: str | None) -> dict[str, str]:
    """msal's ``client_credential`` for a certificate: the key, and the certificate or its thumbprint.

    Raises ``ValueError`` (at construction, not per message) when the file cannot be used.
    """
    try:
        data = pem_path.read_bytes()
    except OSError as exc:
        raise ValueError(f"certificate_pem_path {str(pem_path)!r} cannot be read ({exc.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ValueError(f"{str(pem_path)!r} holds no unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(  # noqa: TRY004 - a configuration value, reported like the others
            f"the private key in {str(pem_path)!r} is not RSA (Microsoft Entra needs RSA)")
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        certificates = []
    credential = {"private_key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()).decode("ascii")}
    if certificates:
        certificate = certificates[0]
        if certificate.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != key.public_key(
                ).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
            raise ValueError(f"the first certificate in {str(pem_path)!r} is not the private key's")
        credential["public_certificate"] = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    elif thumbprint is None:
        raise ValueError(f"{str(pem_path)!r} holds no certificate: add it, or set certificate_thumbprint")
    if thumbprint is not None:
        credential["thumbprint"] = thumbprint
    return credential


class _MsalTransport:
    """What msal calls instead of its own ``requests.Session``: ``get``, ``post`` and ``close``.

    ``httpx.Client`` almost fits as it is (the same keyword arguments; responses with ``status_code``,
    ``text`` and ``headers``), but not quite: with certificate credentials msal puts the signed client
    assertion in the form as ``bytes``, which httpx would encode as the text ``b'...'``. So form values
    are decoded here. Each call is also retried like the channel's other calls (429/503/504 and
    transport errors, honouring ``Retry-After``) and fails as ``DeliveryError`` when the budget is
    spent; ``close`` leaves the injected client open (it is the caller's).
    """

    WHAT = "Microsoft Entra token service"

    def __init__(self, client: httpx.Client, retry: Callable[..., httpx.Response]) -> None:
        self._client = client
        self._retry = retry

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self._call("GET", url, kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        data = kwargs.get("data")
        if isinstance(data, Mapping):
            kwargs["data"] = {name: value.decode("ascii") if isinstance(value, bytes) else value
                              for name, value in data.items() if value is not None}
        return self._call("POST", url, kwargs)

    def close(self) -> None:
        """The injected client belongs to the caller: msal does not close it."""

    def _call(self, method: str, url: str, kwargs: dict[str, Any]) -> httpx.Response:
        request = functools.partial(self._client.request, method, url, **kwargs)
        try:  # a token request is harmless to repeat: an ambiguous answer is retried like a transient one
            return self._retry(request, what=self.WHAT, idempotent=True)
        except httpx.HTTPError as exc:  # not a transport error (those were retried)
            raise DeliveryError(f"{self.WHAT}: {exc.__class__.__name__}", permanent=False) from None


class GraphTokens:
    """App-only tokens for Graph from one msal app (built on first use; msal caches the tokens)."""

    def __init__(self, app: GraphApp, client: httpx.Client, retry: Callable[..., httpx.Response]) -> None:
        self._app = app
        self._transport = _MsalTransport(client, retry)
        self._credential: str | dict[str, str] = (
            app.client_secret if app.client_secret is not None
            else certificate_credential(cast(Path, app.certificate_pem_path), app.certificate_thumbprint))
        self._lock = threading.Lock()
        self._msal: _MsalApp | None = None

    def _application(self) -> _MsalApp:
        with self._lock:
            if self._msal is None:
                try:
                    built = msal.ConfidentialClientApplication(
                        self._app.client_id, client_credential=self._credential, authority=self._app.authority,
                        http_client=self._transport, instance_discovery=False)
                except DeliveryError:
                    raise
                except msal.exceptions.MsalError:  # a 5xx from the discovery endpoint
                    raise DeliveryError(f"{_MsalTransport.WHAT}: tenant discovery failed (server error)",
                                        permanent=False) from None
                except ValueError:  # discovery answered 4xx: the tenant or the authority host is wrong
                    raise DeliveryError(
                        f"{_MsalTransport.WHAT}: tenant {self._app.tenant_id!r} is unknown at the authority "
                        "(check tenant_id and authority_host)", permanent=True) from None
                self._msal = cast(_MsalApp, built)
            return self._msal

    def token(self) -> str:
        """A valid access token: msal's cached one, or a new one. ``DeliveryError`` when refused."""
        application = self._application()
        try:
            result = application.acquire_token_for_client(scopes=[self._app.scope])
        except DeliveryError:
            raise
        except (msal.exceptions.MsalError, ValueError):  # a 5xx, or an answer that is not JSON
            raise DeliveryError(f"{_MsalTransport.WHAT}: the token request failed (server error)",
                                permanent=False) from None
        token = result.get("access_token")
        if isinstance(token, str) and token:
            return token
        error = str(result.get("error") or "no_token")
        error = error if _ERROR_CODE.match(error) else "unreadable_error"
        codes = result.get("error_codes")
        aadsts = f" (AADSTS{codes[0]})" if isinstance(codes, list) and codes and isinstance(codes[0], int) else ""
        if error in _TRANSIENT_TOKEN_ERRORS:
            raise DeliveryError(f"{_MsalTransport.WHAT}: {error}{aadsts}", permanent=False)
        hint = _TOKEN_HINTS.get(error)
        raise DeliveryError(f"{_MsalTransport.WHAT} refused the app's token request: {error}{aadsts}"
                            + (f": {hint}" if hint else ""), permanent=True)

    def forget(self) -> None:
        """Drop the cached token (after Graph answered 401), so that the next ``token()`` gets a new one."""
        with self._lock:
            application = self._msal
        if application is not None:
            application.remove_tokens_for_client()


class GraphApi:
    """Graph requests with the app's token, bounded retries and Graph's error answers as ``DeliveryError``."""

    def __init__(self, app: GraphApp, client: httpx.Client, *, attempts: int = 4, max_wait: float = 60.0,
                 base_wait: float = 1.0, sleep: Callable[[float], None] = tenacity.nap.sleep) -> None:
        self.base = app.graph_url
        self._client = client
        self._retry = functools.partial(call_with_retries, attempts=attempts, max_wait=max_wait,
                                        base_wait=base_wait, sleep=sleep)
        self.tokens = GraphTokens(app, client, self._retry)

    def request(self, method: str, url: str, *, json: Any = None, params: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.Response:
        """One request (no retry); when Graph answers 401, once more with a fresh token."""
        response = self._send(method, url, json, params, headers, self.tokens.token())
        if response.status_code == 401:
            self.tokens.forget()
            response = self._send(method, url, json, params, headers, self.tokens.token())
        return response

    def _send(self, method: str, url: str, json: Any, params: Mapping[str, str] | None,
              headers: Mapping[str, str] | None, token: str) -> httpx.Response:
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json", **(headers or {})}
        if json is None and method == "POST":
            return self._client.request(method, url, params=params, headers=sent, content=b"")
        return self._client.request(method, url, params=params, headers=sent, json=json)

    def call(self, attempt: Callable[[], httpx.Response], what: str, *, idempotent: bool = False) -> httpx.Response:
        """``attempt`` with bounded retries (transient answers; ambiguous ones too when ``idempotent``)."""
        try:
            return self._retry(attempt, what=what, idempotent=idempotent)
        except httpx.HTTPError as exc:  # not a transport error (those were retried)
            raise DeliveryError(f"{what}: {exc.__class__.__name__}", permanent=False) from None

    def get(self, url: str, what: str, *, params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> httpx.Response:
        return self.call(functools.partial(self.request, "GET", url, params=params, headers=headers), what,
                         idempotent=True)


def error_code(response: httpx.Response) -> str:
    """Graph's error code (``{"error": {"code": ...}}``) when it is a plain token, else ``""``.

    Only the code: Graph's message may quote the request (addresses, subjects).
    """
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return ""
    code = error.get("code") if isinstance(error, Mapping) else None
    return code if isinstance(code, str) and _ERROR_CODE.match(code) else ""


def failure(response: httpx.Response, what: str, hints: Mapping[int, str] | None = None) -> DeliveryError:
    """The ``DeliveryError`` for a Graph answer that is not a success.

    The outcome is ``notifiers.outcome.http_status``: 401 (already after a fresh token), 400, 403, 404,
    409 and other 4xx are refused; 408, 429 and 5xx but 504 transient; 504 ambiguous.
    """
    status = response.status_code
    outcome, reason = http_status(status)
    code = error_code(response)
    hint = {401: "Graph refused a fresh token", 403: "the app lacks the permission for this (or an access "
            "policy excludes the mailbox)"} | dict(hints or {})
    text = f"{what}: HTTP {status}" + (f" {code}" if code else "") + (f": {hint[status]}" if status in hint else "")
    retry_after = retry_after_seconds(response) if outcome is not Outcome.REFUSED else None
    if outcome is Outcome.REFUSED and code in RECIPIENT_CODES:  # the address does not exist: re-routed
        reason = RECIPIENT_REFUSED
    return DeliveryError(text, outcome=outcome, reason=reason, retry_after=retry_after)
