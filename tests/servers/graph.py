"""A local stand-in for the Microsoft identity platform and Microsoft Graph (threaded HTTPS on 127.0.0.1).

It speaks enough of both to drive the REAL ``msal`` client and the ``graph_mail`` / ``teams_activity``
channels, and is stricter than the real services where that catches mistakes early:

Identity platform (``authority_host`` = ``https://127.0.0.1:<port>``):
- ``GET /{tenant}/v2.0/.well-known/openid-configuration``: tenant discovery (what msal fetches when it
  builds a ``ConfidentialClientApplication`` with ``instance_discovery=False``). Another tenant: 400
  ``invalid_tenant`` (AADSTS90002), as Entra answers.
- ``POST /{tenant}/oauth2/v2.0/token``: the client-credentials grant with ``client_secret`` or with a
  ``client_assertion`` JWT (certificate credentials), verified against the registered certificate: its
  signature, ``aud`` (this token endpoint), ``iss``/``sub`` (the client id), lifetime and thumbprint
  header. A wrong secret or assertion: 401 ``invalid_client`` (AADSTS7000215 / AADSTS700027); an unknown
  client: 400 ``unauthorized_client``; a scope other than ``<audience>/.default`` (``audience``: by default the
  real Graph's, ``https://graph.microsoft.com``): 400 ``invalid_scope``.
  Tokens are opaque, last an hour, and carry the app's roles at the time they were issued.

Graph (``graph_url`` = ``https://127.0.0.1:<port>/v1.0``), every call checking the bearer token (known,
unexpired, audience = this server, the role the endpoint needs) and answering errors in Graph's shape
``{"error": {"code", "message"}}``:
- ``POST /users/{sender}/messages``: creates a draft (validated: subject, body, toRecipients, single-value
  extended properties; unknown properties are refused like Graph's ``RequestBodyRead``).
- ``GET /users/{sender}/messages/{id}`` (``$select``, ``$expand=singleValueExtendedProperties``).
- ``GET /users/{sender}/messages?$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and
  ep/value eq '...')``: the one filter this server understands (others: 400).
- ``POST /users/{sender}/messages/{id}/send``: sends a draft (202) and moves it to Sent Items; like
  Exchange, a message that is no longer a draft is "not found" (404 ``ErrorItemNotFound``).
- ``DELETE /users/{sender}/messages/{id}``.
- ``POST /users/{user}/teamwork/sendActivityNotification``: 204, when the user exists and has the Teams
  app installed; the body is checked (topic, activityType, previewText, templateParameters).
- ``GET /users`` (``User.Read.All``): the organisation's users (``directory``), with ``$select``,
  ``$expand=manager`` and paging by ``@odata.nextLink`` (``servers.graph_users``).

Ids: with ``Prefer: IdType="ImmutableId"`` a message's id is immutable; without it the id is the REST
id, which changes when the message moves to Sent Items, so a client that forgets the header loses track
of its draft, exactly as with Exchange.

Scripting, per endpoint (the ``ENDPOINTS`` names), consumed in order by the next requests:
``fail(endpoint, status, times, retry_after=..., code=..., after_acting=False)`` answers an error without
doing anything (with ``after_acting``: after doing the work, as a gateway's 504 after acceptance);
``slow(endpoint, seconds, act=True)`` does the work, then answers late (a client with a shorter timeout
gives up although the work was done: "crash after send"); ``drop(endpoint, act=True)`` does the work and
closes the connection without an answer; ``normal(endpoint, times)`` lets requests through, to script
something after them. ``expire_tokens()`` makes every token issued so far expired (Graph answers 401);
``roles`` is what new tokens may do.

What actually happened: ``sent`` (the mail that left, in order), ``activities`` (accepted activity feed
notifications), ``token_requests`` and ``seen`` (every request: endpoint, method, arrival time).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import secrets
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import jwt
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from checker.paths import bundled_config_dir
from servers.graph_users import Reject, UsersEndpoint

TENANT = "5d2a8c1e-3f4b-4a6c-9e7d-1b2c3d4e5f60"
CLIENT_ID = "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
CLIENT_SECRET = "TEST-ONLY~secret.value-0123456789abcdefXYZ"  # noqa: S105 - the test server's own
SENDER = "leaving-care-checker@council.example"
TOKEN_LIFETIME = 3600
READ_TIMEOUT = 0.5  # seconds: the read timeout of ``trusting_client``
SLOW = 0.9  # seconds: a scripted slow answer safely past READ_TIMEOUT

DISCOVERY = "discovery"
TOKEN = "token"  # noqa: S105 - an endpoint name
CREATE_MESSAGE = "create_message"
GET_MESSAGE = "get_message"
LIST_MESSAGES = "list_messages"
SEND_MESSAGE = "send_message"
DELETE_MESSAGE = "delete_message"
SEND_ACTIVITY = "send_activity"
LIST_USERS = "list_users"
ENDPOINTS = (DISCOVERY, TOKEN, CREATE_MESSAGE, GET_MESSAGE, LIST_MESSAGES, SEND_MESSAGE, DELETE_MESSAGE,
             SEND_ACTIVITY, LIST_USERS)

# The role (application permission) each Graph endpoint needs.
NEEDS_ROLE = {
    CREATE_MESSAGE: "Mail.ReadWrite", GET_MESSAGE: "Mail.ReadWrite", LIST_MESSAGES: "Mail.ReadWrite",
    DELETE_MESSAGE: "Mail.ReadWrite", SEND_MESSAGE: "Mail.Send", SEND_ACTIVITY: "TeamsActivity.Send",
    LIST_USERS: "User.Read.All",
}
ALL_ROLES = frozenset(NEEDS_ROLE.values())

_GRAPH_ERROR_CODES = {
    400: "ErrorInvalidRequest", 401: "InvalidAuthenticationToken", 403: "ErrorAccessDenied",
    404: "ErrorItemNotFound", 409: "Conflict", 429: "ApplicationThrottled", 500: "InternalServerError",
    502: "BadGateway", 503: "ServiceUnavailable", 504: "GatewayTimeout",
}
_ENTRA_ERRORS = {
    400: "invalid_request", 401: "invalid_client", 429: "temporarily_unavailable", 500: "server_error",
    503: "temporarily_unavailable", 504: "temporarily_unavailable",
}
_EXTENDED_ID = re.compile(r"^String \{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\} Name [A-Za-z0-9_.-]+$")
_KEY_FILTER = re.compile(
    r"^singleValueExtendedProperties/Any\(\s*(\w+)\s*:\s*"
    r"\1/id eq '((?:[^']|'')*)' and \1/value eq '((?:[^']|'')*)'\s*\)$",
    re.IGNORECASE,
)
_EXPAND_PROPERTY = re.compile(r"^singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)$", re.IGNORECASE)
_ADDRESS = re.compile(r"^[^\s@<>,;\"]+@[^\s@<>,;\"]+$")
_MESSAGE_PROPERTIES = frozenset({
    "subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "importance",
    "singleValueExtendedProperties", "internetMessageHeaders", "isDeliveryReceiptRequested",
    "isReadReceiptRequested", "categories", "from", "sender", "attachments",
})
_ACTIVITY_PROPERTIES = frozenset({"topic", "activityType", "chainId", "previewText", "templateParameters",
                                  "teamsAppId"})


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: ``status`` without acting (or, with ``after_acting``, once the work is done), or
    act normally (maybe late, maybe dropped)."""

    status: int | None = None
    after_acting: bool = False
    retry_after: str | None = None
    code: str | None = None
    delay: float = 0.0
    act: bool = True
    drop: bool = False


@dataclass
class StoredMessage:
    immutable_id: str
    rest_id: str
    mailbox: str
    subject: str
    content_type: str
    content: str
    to: list[str]
    extended: dict[str, str]
    headers: list[dict[str, str]]
    created: str
    is_draft: bool = True
    folder: str = "drafts"
    sent: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)

    def resource(self, immutable: bool, select: list[str] | None, expand: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.immutable_id if immutable else self.rest_id,
            "createdDateTime": self.created,
            "lastModifiedDateTime": self.sent or self.created,
            "sentDateTime": self.sent,
            "subject": self.subject,
            "isDraft": self.is_draft,
            "parentFolderId": self.folder,
            "body": {"contentType": self.content_type, "content": self.content},
            "toRecipients": [{"emailAddress": {"address": a}} for a in self.to],
            "from": {"emailAddress": {"address": self.mailbox}},
        }
        if select:
            body = {k: v for k, v in body.items() if k == "id" or k in select}
        if expand is not None:
            body["singleValueExtendedProperties"] = [
                {"id": pid, "value": value} for pid, value in self.extended.items()
                if pid.lower() == expand.lower()
            ]
        return body


@dataclass(frozen=True)
class SentMail:
    """A message that left the mailbox, as a recipient would get it."""

    id: str
    sender: str
    to: list[str]
    subject: str
    content_type: str
    content: str
    extended: dict[str, str]
    headers: list[dict[str, str]]
    attachments: list[dict[str, Any]] = field(default_factory=list)  # fileAttachments, contentBytes base64


@dataclass(frozen=True)
class Activity:
    """An accepted activity feed notification: for ``user`` (as addressed) with Graph's request body."""

    user: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Seen:
    endpoint: str
    method: str
    path: str
    at: float  # time.monotonic() on arrival


@dataclass
class _Token:
    client_id: str
    audience: str
    roles: frozenset[str]
    expires: float


class Reply(Exception):  # noqa: N818 - a control-flow signal carrying an HTTP answer, not an error
    """Raised inside a handler to answer at once with ``status`` and ``body``."""

    def __init__(self, status: int, body: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def graph_error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message,
                                    "innerError": {"date": _now(), "request-id": secrets.token_hex(8)}}})


def entra_error(status: int, error: str, aadsts: int, text: str) -> Reply:
    return Reply(status, {"error": error, "error_description": f"AADSTS{aadsts}: {text}",
                          "error_codes": [aadsts], "timestamp": _now(), "trace_id": secrets.token_hex(8)})


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class GraphTestServer:
    """The identity platform and Graph on one local HTTPS port (see the module docstring)."""

    ca: trustme.CA
    tenant: str = TENANT
    client_id: str = CLIENT_ID
    client_secret: str | None = CLIENT_SECRET
    certificate: trustme.LeafCert | None = None  # the app's registered certificate (RSA), if any
    mailboxes: tuple[str, ...] = (SENDER,)
    users: dict[str, str] = field(default_factory=lambda: {
        "pa.smith@council.example": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "pa.jones@council.example": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    })  # UPN → object id, for the activity feed
    app_installed_for: set[str] | None = None  # object ids with the Teams app; None: every user
    roles: set[str] = field(default_factory=lambda: set(ALL_ROLES))
    directory: UsersEndpoint = field(default_factory=UsersEndpoint)  # GET /users (the staff directory)
    host: str = "127.0.0.1"
    port: int = 0
    audience: str = "https://graph.microsoft.com"

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._script: dict[str, deque[Scripted]] = {name: deque() for name in ENDPOINTS}
        self._tokens: dict[str, _Token] = {}
        self._messages: dict[str, StoredMessage] = {}  # immutable id → message
        self.sent: list[SentMail] = []
        self.activities: list[Activity] = []
        self.token_requests: list[dict[str, str]] = []  # grant, credential kind, outcome (never a secret)
        self.seen: list[Seen] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tls = self.ca.issue_cert(self.host, "localhost")

    # -- addresses -------------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def authority_host(self) -> str:
        return self.origin

    @property
    def graph_url(self) -> str:
        return f"{self.origin}/v1.0"

    @property
    def resource(self) -> str:
        """The audience of Graph tokens: like the real service's, ``https://graph.microsoft.com``, whatever URL
        this server is reached at (so a client that derives the scope from the Graph URL is refused)."""
        return self.audience

    @property
    def token_endpoint(self) -> str:
        return f"{self.origin}/{self.tenant}/oauth2/v2.0/token"

    # -- scripting -------------------------------------------------------------------------------

    def _add(self, endpoint: str, reply: Scripted, times: int) -> None:
        if endpoint not in self._script:
            raise ValueError(f"unknown endpoint {endpoint!r} (one of {', '.join(ENDPOINTS)})")
        with self._lock:
            self._script[endpoint].extend([reply] * times)

    def fail(self, endpoint: str, status: int, times: int = 1, *, retry_after: str | float | None = None,
             code: str | None = None, after_acting: bool = False) -> None:
        """Answer the next ``times`` requests to ``endpoint`` with ``status``, doing nothing; with
        ``after_acting``, doing the work first (a gateway's 504 after the service accepted)."""
        self._add(endpoint, Scripted(status=status, code=code, after_acting=after_acting,
                                     retry_after=None if retry_after is None else str(retry_after)), times)

    def slow(self, endpoint: str, seconds: float, times: int = 1, *, act: bool = True) -> None:
        """Answer late: with ``act`` the work is done first (a timed-out client does not know it was)."""
        self._add(endpoint, Scripted(delay=seconds, act=act), times)

    def drop(self, endpoint: str, times: int = 1, *, act: bool = True) -> None:
        """Close the connection without an answer; with ``act`` after doing the work."""
        self._add(endpoint, Scripted(drop=True, act=act), times)

    def normal(self, endpoint: str, times: int = 1) -> None:
        """Let the next ``times`` requests through (to script failures after them)."""
        self._add(endpoint, Scripted(), times)

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired: Graph answers 401 until the client gets a new one."""
        with self._lock:
            for token in self._tokens.values():
                token.expires = 0.0

    # -- what happened ---------------------------------------------------------------------------

    def calls(self, endpoint: str) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.endpoint == endpoint)

    def times(self, endpoint: str) -> list[float]:
        with self._lock:
            return [s.at for s in self.seen if s.endpoint == endpoint]

    def issued_tokens(self) -> list[str]:
        """Every access token issued (for tests checking that none leaks into a message or a log)."""
        with self._lock:
            return list(self._tokens)

    def feed(self, user: str) -> list[Activity]:
        """What ``user`` sees: a notification with the ``chainId`` of an earlier one replaces it."""
        shown: dict[object, Activity] = {}
        with self._lock:
            for number, activity in enumerate(self.activities):
                if activity.user.lower() == user.lower():
                    chain = activity.body.get("chainId")
                    shown.pop(chain if chain is not None else ("unchained", number), None)
                    shown[chain if chain is not None else ("unchained", number)] = activity
        return list(shown.values())

    def sent_with_key(self, key: str) -> list[SentMail]:
        with self._lock:
            return [m for m in self.sent if key in m.extended.values()]

    def messages(self, mailbox: str = SENDER) -> list[StoredMessage]:
        with self._lock:
            return [m for m in self._messages.values() if m.mailbox == mailbox.lower()]

    def drafts(self, mailbox: str = SENDER) -> list[StoredMessage]:
        return [m for m in self.messages(mailbox) if m.is_draft]

    def delete(self, message_id: str) -> None:
        """Someone deletes a message in the mailbox (by either of its ids)."""
        with self._lock:
            found = self._find_message(message_id)
            if found is not None:
                del self._messages[found.immutable_id]

    def write_ca(self, directory: Path) -> Path:
        path = directory / "graph-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(path))
        return path

    def client_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> GraphTestServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.configure_cert(context)
        server = _Server((self.host, self.port), _Handler)
        server.graph = self
        server.ssl_context = context
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="graph-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GraphTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (called from the handler threads) -------------------------------------

    def next_scripted(self, endpoint: str, method: str, path: str) -> Scripted | None:
        with self._lock:
            self.seen.append(Seen(endpoint, method, path, time.monotonic()))
            queue = self._script[endpoint]
            return queue.popleft() if queue else None

    def scripted_error(self, endpoint: str, scripted: Scripted) -> Reply:
        status = scripted.status or 500
        headers = {"Retry-After": scripted.retry_after} if scripted.retry_after is not None else {}
        if endpoint in (DISCOVERY, TOKEN):
            error = scripted.code or _ENTRA_ERRORS.get(status, "invalid_request")
            reply = entra_error(status, error, 50000 + status, f"scripted {status} from the test server")
        else:
            code = scripted.code or _GRAPH_ERROR_CODES.get(status, "UnknownError")
            reply = graph_error(status, code, f"scripted {status} from the test server")
        reply.headers.update(headers)
        return reply

    def discovery(self, tenant: str) -> Reply:
        if tenant.lower() != self.tenant.lower():
            raise entra_error(400, "invalid_tenant", 90002, f"Tenant '{tenant}' not found.")
        base = f"{self.origin}/{self.tenant}"
        return Reply(200, {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                      "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
        })

    def token(self, tenant: str, form: dict[str, str]) -> Reply:
        record = {"grant_type": form.get("grant_type", ""), "credential": "", "outcome": ""}
        with self._lock:
            self.token_requests.append(record)
        try:
            reply = self._token(tenant, form, record)
        except Reply as refused:
            record["outcome"] = str((refused.body or {}).get("error", refused.status))
            raise
        record["outcome"] = "issued"
        return reply

    def _token(self, tenant: str, form: dict[str, str], record: dict[str, str]) -> Reply:
        if tenant.lower() != self.tenant.lower():
            raise entra_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            raise entra_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if form.get("client_id") != self.client_id:
            raise entra_error(400, "unauthorized_client", 700016,
                              f"Application with identifier '{form.get('client_id')}' was not found.")
        if "client_secret" in form:
            record["credential"] = "secret"
            if self.client_secret is None or not secrets.compare_digest(form["client_secret"], self.client_secret):
                raise entra_error(401, "invalid_client", 7000215, "Invalid client secret provided.")
        elif "client_assertion" in form:
            record["credential"] = "certificate"
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                raise entra_error(400, "invalid_request", 50027, "Invalid client assertion type.")
            problem = self._assertion_problem(form["client_assertion"])
            if problem:
                raise entra_error(401, "invalid_client", 700027, f"Client assertion failed validation: {problem}")
        else:
            raise entra_error(401, "invalid_client", 7000218,
                              "The request body must contain 'client_assertion' or 'client_secret'.")
        scope = form.get("scope", "")
        resource = scope.removesuffix("/.default")
        if " " in scope.strip() or not scope.endswith("/.default") or resource != self.resource:
            raise entra_error(400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid. "
                              "Client credential flows must have a scope value with /.default suffixed.")
        token = f"test-token.{secrets.token_urlsafe(24)}"
        with self._lock:
            self._tokens[token] = _Token(self.client_id, resource, frozenset(self.roles),
                                         time.monotonic() + TOKEN_LIFETIME)
        return Reply(200, {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "ext_expires_in": TOKEN_LIFETIME,
                           "access_token": token})

    def _assertion_problem(self, assertion: str) -> str | None:
        if self.certificate is None:
            return "the application has no certificate"
        cert = x509.load_pem_x509_certificate(self.certificate.cert_chain_pems[0].bytes())
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            return "not a JWT"
        thumbprints = {"x5t": _b64url(cert.fingerprint(hashes.SHA1())),  # noqa: S303 - Entra's x5t is SHA-1
                       "x5t#S256": _b64url(cert.fingerprint(hashes.SHA256()))}
        if not any(str(header.get(name, "")).rstrip("=") == value for name, value in thumbprints.items()):
            return "the thumbprint does not match a registered certificate"
        try:
            jwt.decode(assertion, cert.public_key(), algorithms=["RS256", "PS256"],
                       audience=self.token_endpoint, issuer=self.client_id,
                       options={"require": ["exp", "iss", "sub", "aud", "jti"]})
        except jwt.InvalidTokenError as exc:
            return exc.__class__.__name__
        claims = jwt.decode(assertion, options={"verify_signature": False})
        return None if claims.get("sub") == self.client_id else "sub is not the client id"

    def check_bearer(self, endpoint: str, authorization: str | None) -> None:
        if not authorization or not authorization.startswith("Bearer "):
            raise graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        with self._lock:
            token = self._tokens.get(authorization.removeprefix("Bearer ").strip())
        if token is None:
            raise graph_error(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.")
        if token.expires <= time.monotonic():
            raise graph_error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        if token.audience != self.resource:
            raise graph_error(401, "InvalidAuthenticationToken", "Invalid audience.")
        if NEEDS_ROLE[endpoint] not in token.roles:
            if endpoint == SEND_ACTIVITY:
                raise graph_error(403, "Forbidden", "Missing role permissions on the request.")
            raise graph_error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")

    def mailbox(self, user: str) -> str:
        if user.lower() not in (m.lower() for m in self.mailboxes):
            raise graph_error(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        return user.lower()

    def _find_message(self, message_id: str) -> StoredMessage | None:
        for message in self._messages.values():
            if message_id in (message.immutable_id, message.rest_id):
                return message
        return None

    def message(self, mailbox: str, message_id: str) -> StoredMessage:
        with self._lock:
            found = self._find_message(message_id)
        if found is None or found.mailbox != mailbox:
            raise graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return found

    def create_message(self, mailbox: str, payload: Any) -> StoredMessage:
        if not isinstance(payload, dict):
            raise graph_error(400, "RequestBodyRead", "The request body is not a JSON object.")
        for name in payload:
            if name not in _MESSAGE_PROPERTIES and not name.startswith("@odata"):
                raise graph_error(400, "RequestBodyRead",
                                  f"The property '{name}' does not exist on type 'microsoft.graph.message'.")
        subject = payload.get("subject", "")
        body = payload.get("body") or {"contentType": "Text", "content": ""}
        if not isinstance(subject, str) or not isinstance(body, dict) or not isinstance(body.get("content"), str):
            raise graph_error(400, "RequestBodyRead", "subject and body.content must be strings.")
        content_type = str(body.get("contentType", "Text"))
        if content_type.lower() not in ("text", "html"):
            raise graph_error(400, "RequestBodyRead", f"'{content_type}' is not a valid body content type.")
        to = [self._address(r) for r in payload.get("toRecipients") or []]
        extended: dict[str, str] = {}
        for prop in payload.get("singleValueExtendedProperties") or []:
            if not isinstance(prop, dict) or not _EXTENDED_ID.match(str(prop.get("id", ""))) \
                    or not isinstance(prop.get("value"), str):
                raise graph_error(400, "ErrorInvalidProperty", "The extended property is not valid.")
            extended[prop["id"]] = prop["value"]
        headers = payload.get("internetMessageHeaders") or []
        for header in headers:
            if not isinstance(header, dict) or not str(header.get("name", "")).lower().startswith("x-"):
                raise graph_error(400, "InvalidInternetMessageHeader",
                                  "Only custom headers that start with 'x-' or 'X-' can be added.")
        attachments = payload.get("attachments") or []
        for attachment in attachments:
            valid = isinstance(attachment, dict) and attachment.get("@odata.type") == "#microsoft.graph.fileAttachment"
            if not valid or not isinstance(attachment.get("name"), str) \
                    or not isinstance(attachment.get("contentBytes"), str):
                raise graph_error(400, "RequestBodyRead", "An attachment is not a valid fileAttachment.")
            try:
                base64.b64decode(attachment["contentBytes"], validate=True)
            except ValueError:
                raise graph_error(400, "RequestBodyRead", "contentBytes is not base64.") from None
        message = StoredMessage(
            immutable_id="AAkALg" + secrets.token_urlsafe(30) + "AAA=", rest_id="AAMkAG" + secrets.token_urlsafe(30),
            mailbox=mailbox, subject=subject, content_type="html" if content_type.lower() == "html" else "text",
            content=body["content"], to=to, extended=extended, headers=list(headers), created=_now(),
            attachments=list(attachments),
        )
        with self._lock:
            self._messages[message.immutable_id] = message
        return message

    @staticmethod
    def _address(recipient: Any) -> str:
        address = recipient.get("emailAddress", {}).get("address") if isinstance(recipient, dict) else None
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise graph_error(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
        return address

    def list_messages(self, mailbox: str, query: dict[str, str]) -> list[StoredMessage]:
        flt = query.get("$filter")
        if flt is None:
            with self._lock:
                return [m for m in self._messages.values() if m.mailbox == mailbox]
        match = _KEY_FILTER.match(flt.strip())
        if match is None:
            raise graph_error(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more "
                              "invalid nodes.")
        prop_id, value = match.group(2).replace("''", "'"), match.group(3).replace("''", "'")
        with self._lock:
            return [m for m in self._messages.values() if m.mailbox == mailbox and any(
                pid.lower() == prop_id.lower() and v == value for pid, v in m.extended.items())]

    def send_message(self, mailbox: str, message_id: str) -> None:
        with self._lock:
            message = self.message(mailbox, message_id)
            if not message.is_draft:  # Exchange: only a draft can be sent; a sent item is "not found"
                raise graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            if not message.to:
                raise graph_error(400, "ErrorInvalidRecipients", "At least one recipient is required.")
            message.is_draft = False
            message.folder = "sentitems"
            message.rest_id = "AAMkAG" + secrets.token_urlsafe(30)  # the REST id changes with the folder
            message.sent = _now()
            self.sent.append(SentMail(message.immutable_id, mailbox, list(message.to), message.subject,
                                      message.content_type, message.content, dict(message.extended),
                                      list(message.headers), list(message.attachments)))

    def list_users(self, query: dict[str, str]) -> Reply:
        try:
            with self._lock:
                return Reply(200, self.directory.page(self.graph_url, query))
        except Reject as exc:
            raise graph_error(400, "BadRequest", str(exc)) from None

    def send_activity(self, user: str, payload: Any) -> None:
        object_id = next((oid for upn, oid in self.users.items() if user.lower() in (upn.lower(), oid.lower())),
                         None)
        if object_id is None:
            raise graph_error(404, "NotFound", f"User '{user}' was not found.")
        if self.app_installed_for is not None and object_id not in self.app_installed_for:
            raise graph_error(403, "Forbidden", "The Teams app is not installed for the recipient.")
        problems = activity_problems(payload)
        if problems:
            raise graph_error(400, "BadRequest", "; ".join(problems))
        with self._lock:
            self.activities.append(Activity(user, payload))


def activity_problems(payload: Any) -> list[str]:
    """What is wrong with a sendActivityNotification body (stricter than Graph: every mistake, at once)."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    problems = [f"unknown property {name!r}" for name in payload if name not in _ACTIVITY_PROPERTIES]
    topic = payload.get("topic")
    if not isinstance(topic, dict) or topic.get("source") not in ("text", "entityUrl"):
        problems.append("topic.source must be 'text' or 'entityUrl'")
    elif topic["source"] == "text":
        if not isinstance(topic.get("value"), str) or not topic["value"].strip():
            problems.append("topic.value must be text")
        url = topic.get("webUrl")
        if not isinstance(url, str) or not url.startswith("https://") or len(url) > 1024:
            problems.append("topic.webUrl is required for a text topic: an https:// link of at most 1024 characters")
    if not isinstance(payload.get("activityType"), str) or not payload["activityType"]:
        problems.append("activityType is required")
    chain = payload.get("chainId")
    if chain is not None and (not isinstance(chain, int) or isinstance(chain, bool) or not 0 <= chain < 2**63):
        problems.append("chainId must be an Int64")
    preview = payload.get("previewText")
    if preview is not None and (not isinstance(preview, dict) or not isinstance(preview.get("content"), str)):
        problems.append("previewText must be an itemBody with content")
    parameters = payload.get("templateParameters") or []
    if not isinstance(parameters, list) or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("value"), str)
            for p in parameters):
        problems.append("templateParameters must be name/value pairs of strings")
    elif payload.get("activityType") == "systemDefault":
        if not any(p["name"] == "systemDefaultText" and p["value"].strip() for p in parameters):
            problems.append("the systemDefault activity type needs a systemDefaultText template parameter")
    elif isinstance(payload.get("activityType"), str):
        problems += _undeclared(payload["activityType"], {p["name"] for p in parameters})
    return problems


def declared_activity_types() -> dict[str, set[str]]:
    """The activity types the shipped Teams app manifest declares, each with its templateText's parameters:
    the app this tenant has installed for the recipients (Graph refuses a type the app does not declare)."""
    manifest = json.loads((bundled_config_dir() / "teams" / "manifest.json").read_text(encoding="utf-8"))
    return {t["type"]: set(re.findall(r"\{(\w+)\}", t["templateText"]))
            for t in manifest.get("activities", {}).get("activityTypes", [])}


def _undeclared(activity_type: str, given: set[str]) -> list[str]:
    declared = declared_activity_types()
    if activity_type not in declared:
        return [f"activityType {activity_type!r} is not declared in the Teams app manifest "
                f"(declared: {', '.join(sorted(declared)) or 'none'})"]
    missing = declared[activity_type] - given
    return [f"templateParameters lack {', '.join(sorted(missing))} for {activity_type!r}"] if missing else []


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler answering slowly must not hold up the end of a test
    graph: GraphTestServer
    ssl_context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        """TLS per connection, in the connection's own thread (a slow handshake blocks no one else)."""
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls.close()


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration$"), DISCOVERY),
    ("POST", re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token$"), TOKEN),
    ("POST", re.compile(r"^/v1\.0/users/(?P<user>[^/]+)/messages$"), CREATE_MESSAGE),
    ("GET", re.compile(r"^/v1\.0/users/(?P<user>[^/]+)/messages$"), LIST_MESSAGES),
    ("GET", re.compile(r"^/v1\.0/users/(?P<user>[^/]+)/messages/(?P<id>[^/]+)$"), GET_MESSAGE),
    ("DELETE", re.compile(r"^/v1\.0/users/(?P<user>[^/]+)/messages/(?P<id>[^/]+)$"), DELETE_MESSAGE),
    ("POST", re.compile(r"^/v1\.0/users/(?P<user>[^/]+)/messages/(?P<id>[^/]+)/send$"), SEND_MESSAGE),
    ("POST", re.compile(r"^/v1\.0/users/(?P<user>[^/]+)/teamwork/sendActivityNotification$"), SEND_ACTIVITY),
    ("GET", re.compile(r"^/v1\.0/users$"), LIST_USERS),
]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 10  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        # the headers and the body go out in separate writes: without this, Nagle's algorithm meets the
        # client's delayed ACK and every answer waits ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        graph = self.server.graph
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        route = next(((endpoint, match) for verb, pattern, endpoint in _ROUTES
                      if verb == method and (match := pattern.match(split.path))), None)
        if route is None:
            self._answer(graph_error(404, "UnknownEndpoint", f"{method} {split.path} is not served here"))
            return
        endpoint, match = route
        params = {name: unquote(value) for name, value in match.groupdict().items()}
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        scripted = graph.next_scripted(endpoint, method, split.path)
        if scripted is not None and scripted.status is not None:
            if scripted.after_acting:
                with contextlib.suppress(Reply):
                    self._dispatch(endpoint, params, query, raw)
            self._answer(graph.scripted_error(endpoint, scripted))
            return
        act = scripted is None or scripted.act
        reply = Reply(504, {"error": {"code": "GatewayTimeout", "message": "no answer"}})
        if act:
            try:
                reply = self._dispatch(endpoint, params, query, raw)
            except Reply as early:
                reply = early
        if scripted is not None and scripted.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if scripted is not None and scripted.delay:
            time.sleep(scripted.delay)
        self._answer(reply)

    def _dispatch(self, endpoint: str, params: dict[str, str], query: dict[str, str], raw: bytes) -> Reply:  # noqa: PLR0911, PLR0912 - one per endpoint
        graph = self.server.graph
        if endpoint == DISCOVERY:
            return graph.discovery(params["tenant"])
        if endpoint == TOKEN:
            if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                raise entra_error(400, "invalid_request", 900144, "The request body must be form-encoded.")
            form = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
            return graph.token(params["tenant"], form)
        graph.check_bearer(endpoint, self.headers.get("Authorization"))
        immutable = 'idtype="immutableid"' in (self.headers.get("Prefer") or "").lower()
        applied = {"Preference-Applied": 'IdType="ImmutableId"'} if immutable else {}
        if endpoint == SEND_ACTIVITY:
            graph.send_activity(params["user"], self._json(raw))
            return Reply(204)
        if endpoint == LIST_USERS:
            return graph.list_users(query)
        mailbox = graph.mailbox(params["user"])
        select = [s.strip() for s in query["$select"].split(",")] if "$select" in query else None
        expand = None
        if "$expand" in query:
            found = _EXPAND_PROPERTY.match(query["$expand"].strip())
            if found is None:
                raise graph_error(400, "BadRequest", "Unsupported $expand.")
            expand = found.group(1).replace("''", "'")
        if endpoint == CREATE_MESSAGE:
            created = graph.create_message(mailbox, self._json(raw))
            return Reply(201, created.resource(immutable, None, expand), applied)
        if endpoint == LIST_MESSAGES:
            found_messages = graph.list_messages(mailbox, query)
            top = int(query.get("$top", "10"))
            return Reply(200, {"value": [m.resource(immutable, select, expand) for m in found_messages[:top]]}, applied)
        if endpoint == GET_MESSAGE:
            return Reply(200, graph.message(mailbox, params["id"]).resource(immutable, select, expand), applied)
        if endpoint == DELETE_MESSAGE:
            message = graph.message(mailbox, params["id"])
            graph.delete(message.immutable_id)
            return Reply(204)
        if endpoint == SEND_MESSAGE:
            if raw.strip():
                raise graph_error(400, "RequestBodyRead", "Sending a draft takes no body.")
            graph.send_message(mailbox, params["id"])
            return Reply(202)
        raise graph_error(404, "UnknownEndpoint", endpoint)

    def _json(self, raw: bytes) -> Any:
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            raise graph_error(415, "UnsupportedMediaType", "Content-Type must be application/json.")
        try:
            return json.loads(raw)
        except ValueError:
            raise graph_error(400, "RequestBodyRead", "The body is not valid JSON.") from None

    def _answer(self, reply: Reply) -> None:
        body = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
        try:
            self.send_response(reply.status)
            if body:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("request-id", secrets.token_hex(8))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:  # the client gave up (timed out) before the answer: as with a real slow server
            self.close_connection = True


@dataclass(frozen=True)
class LocalGraph:
    """What the ``graph`` fixture yields: the running server and a client that trusts it."""

    server: GraphTestServer
    client: httpx.Client


def trusting_client(server: GraphTestServer, directory: Path, *, read_timeout: float = READ_TIMEOUT) -> httpx.Client:
    """An ``httpx.Client`` that trusts the server's test CA through its CA file, with a short read timeout."""
    context = ssl.create_default_context(cafile=str(server.write_ca(directory)))
    return httpx.Client(verify=context, timeout=httpx.Timeout(5.0, read=read_timeout))


def issue_app_certificate(ca: trustme.CA) -> trustme.LeafCert:
    """An RSA certificate for the app registration (Entra signs-in certificate credentials with RSA)."""
    return ca.issue_cert("checker-app.council.example", key_type=trustme.KeyType.RSA)


def write_app_certificate(cert: trustme.LeafCert, directory: Path, *, with_certificate: bool = True) -> Path:
    """The PEM file an operator would configure: the private key, and (usually) the certificate."""
    path = directory / "checker-app.pem"
    pem = cert.private_key_pem.bytes()
    if with_certificate:
        pem += cert.cert_chain_pems[0].bytes()
    path.write_bytes(pem)
    return path


def sha1_thumbprint(cert: trustme.LeafCert) -> str:
    """The certificate's SHA-1 thumbprint in hex, as the Entra portal shows it."""
    der = x509.load_pem_x509_certificate(cert.cert_chain_pems[0].bytes()).public_bytes(Encoding.DER)
    return hashlib.sha1(der).hexdigest().upper()  # noqa: S324 - a certificate thumbprint, not security
