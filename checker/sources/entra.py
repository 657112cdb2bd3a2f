"""A staff directory read from Microsoft Entra ID through Microsoft Graph (app-only, ``User.Read.All``).

One request chain per read: ``GET /users?$select=id,mail,employeeId,displayName,accountEnabled,<team
attribute>&$expand=manager($select=mail,accountEnabled)&$top=100``, following ``@odata.nextLink`` to the
last page (Graph answers at most 100 users a page when ``$expand`` is used). A disabled account
(``accountEnabled`` false: a leaver, a suspended account) is counted and kept only to be told apart from an
unknown adviser (``Directory.add_disabled``): no item goes to it, and a disabled manager is no manager.
Each other user with a ``mail`` becomes a directory entry:
``employeeId`` is the staff id, ``displayName`` the name, the team attribute (``department`` unless
configured: any user property, or ``onPremisesExtensionAttributes/extensionAttributeN``) the team, and
the manager's ``mail`` from the organisation chart the manager. A user without ``mail`` is skipped and
counted; a user without a manager has none (the case's own ``manager_email`` then stands).

Tokens come from ``notifiers.graph_auth`` (msal's client-credentials grant, the token cached until near
expiry), requests through the injected ``httpx.Client``. Throttling (429, honouring ``Retry-After``) and
503 are retried a bounded number of times; any other failure, or the budget spent, fails the read as a
``SourceError`` naming Graph's status and error code only: the tick then fails and changes nothing, and
no adviser is silently dropped. A ``@odata.nextLink`` that leaves the configured Graph URL is refused
(the token would go with it). Entra holds no absence an app can read reliably: see docs/decisions.md.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import tenacity

from checker.settings import EntraSupplementSettings, Settings
from checker.source_settings import team_attribute
from checker.sources.base import SourceError
from checker.sources.staff import Directory
from notifiers.base import DeliveryError
from notifiers.graph_auth import GraphApi, GraphApp, failure

PAGE_SIZE = 100  # Graph's most with $expand on directory objects
MAX_PAGES = 5000  # half a million users: a nextLink chain longer than this is a loop, not a directory
_HINTS = {403: "the app lacks the User.Read.All application permission, or an administrator has not "
               "granted consent", 404: "check graph_url"}


class EntraDirectory:
    """``DirectoryReader`` over Microsoft Graph's users (docs/inputs.md, "A staff directory from Entra ID")."""

    WHAT = "Microsoft Graph users"
    UNIT = "user(s)"  # what ``sources check`` counts

    def __init__(self, name: str, app: GraphApp, client: httpx.Client, *, team: str = "department",
                 attempts: int = 4, max_wait: float = 60.0, sleep: Callable[[float], None] = tenacity.nap.sleep,
                 owns_client: bool = False) -> None:
        self.name = name
        self.description = f"staff directory {name} (Microsoft Entra ID)"
        self.team = team_attribute(team)
        self.client = client
        self._owns_client = owns_client
        self._base = app.graph_url
        try:
            self._api = GraphApi(app, client, attempts=attempts, max_wait=max_wait, sleep=sleep)
        except ValueError as exc:  # the certificate file cannot be used
            raise SourceError(f"{self.description}: {exc}") from None

    def read(self) -> Directory:
        directory = Directory()
        for user in self._users():
            directory.rows += 1
            mail, staff_id, name = (_text(user.get(p)) for p in ("mail", "employeeId", "displayName"))
            if user.get("accountEnabled") is False:
                directory.add_disabled(mail, staff_id=staff_id, name=name)
                continue
            if mail is None:
                directory.skipped += 1
                continue
            manager = user.get("manager")
            enabled = isinstance(manager, Mapping) and manager.get("accountEnabled") is not False
            directory.add(mail, staff_id=staff_id, name=name, team=_text(self._team(user)),
                          manager=_text(manager.get("mail")) if enabled and isinstance(manager, Mapping) else None)
        return directory.finish()

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def _team(self, user: Mapping[str, Any]) -> object:
        value: object = user
        for part in self.team.split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
        return value

    def _users(self) -> Iterator[Mapping[str, Any]]:
        select = ",".join(["id", "mail", "employeeId", "displayName", "accountEnabled", self.team.split("/")[0]])
        url: str | None = f"{self._base}/users"
        params: dict[str, str] | None = {"$select": select, "$expand": "manager($select=mail,accountEnabled)",
                                         "$top": str(PAGE_SIZE)}
        pages = 0
        while url is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise SourceError(f"{self.description}: more than {MAX_PAGES} pages of users; stopped")
            page = self._page(url, params)
            yield from (u for u in page.get("value", ()) if isinstance(u, Mapping))
            url, params = self._next(page.get("@odata.nextLink")), None

    def _page(self, url: str, params: Mapping[str, str] | None) -> Mapping[str, Any]:
        try:
            response = self._api.get(url, self.WHAT, params=params)
            if response.status_code != 200:
                raise failure(response, self.WHAT, _HINTS)
        except DeliveryError as exc:  # names the status and Graph's error code, never a token or a user
            raise SourceError(f"{self.description} could not be read: {exc}") from None
        try:
            page = response.json()
        except ValueError:
            page = None
        if not isinstance(page, Mapping) or not isinstance(page.get("value"), list):
            raise SourceError(f"{self.description}: Graph answered something that is not a page of users")
        return page

    def _next(self, link: object) -> str | None:
        if link is None:
            return None
        if not isinstance(link, str) or not link.startswith(f"{self._base}/users?"):
            raise SourceError(f"{self.description}: Graph's next page link is not under graph_url; not followed")
        return link


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def open_entra(settings: Settings, name: str, entry: EntraSupplementSettings) -> EntraDirectory:
    """The directory ``[supplements.NAME]`` describes, with its own HTTP client (closed by ``dispose``)."""
    g = settings.graph
    registration = entry if entry.client_id is not None else g
    secret, certificate = registration.client_secret, registration.certificate_path
    ca_file = entry.ca_file or g.ca_file
    where = f"[supplements.{name}]" if registration is entry else "[graph]"
    try:
        app = GraphApp(
            registration.tenant_id or "", registration.client_id or "", secret.get_secret_value() if secret else None,
            settings.resolve(certificate) if certificate else None,
            registration.certificate_thumbprint,
            entry.authority_host or g.authority_host, entry.graph_url or g.graph_url, entry.scope or g.scope)
    except ValueError as exc:
        raise SourceError(f"staff directory {name} (Microsoft Entra ID): the app registration in {where} "
                          f"cannot work: {exc}") from None
    verify: ssl.SSLContext | bool = (ssl.create_default_context(cafile=str(settings.resolve(ca_file)))
                                     if ca_file else True)
    client = httpx.Client(verify=verify, timeout=entry.timeout or g.timeout, follow_redirects=False)
    try:
        return EntraDirectory(name, app, client, team=entry.team_attribute, owns_client=True)
    except SourceError:
        client.close()
        raise
