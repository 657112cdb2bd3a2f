"""The users list of the local Graph server (``servers.graph``): ``GET /v1.0/users``, as Graph answers it.

- ``$select``: the properties returned (``id`` always); an unknown property is 400 ``BadRequest``, as Graph
  refuses one. ``onPremisesExtensionAttributes`` returns the object of ``extensionAttribute1``..``15``.
- ``$expand=manager`` or ``manager($select=...)``: each user's manager, as a directory object with the
  selected properties; a user without a manager has no ``manager`` property at all (Graph leaves it out).
  Any other ``$expand``: 400.
- Paging: ``$top`` users a page (default 100; at most 999, and at most 100 with ``$expand``, Graph's limit
  for expanded directory objects), then ``@odata.nextLink``: the same query with an opaque ``$skiptoken``.
  An unknown ``$skiptoken``: 400.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

USER_PROPERTIES = frozenset({"id", "mail", "employeeId", "displayName", "department", "jobTitle", "officeLocation",
                             "companyName", "userPrincipalName", "accountEnabled", "onPremisesExtensionAttributes"})
_EXPAND = re.compile(r"^manager(?:\(\$select=(?P<select>[A-Za-z,]+)\))?$")


@dataclass
class DirectoryUser:
    id: str
    mail: str | None
    employee_id: str | None = None
    display_name: str | None = None
    department: str | None = None
    manager: str | None = None  # the manager's id
    account_enabled: bool = True
    extension_attributes: dict[str, str] = field(default_factory=dict)  # extensionAttribute1..15

    def properties(self) -> dict[str, Any]:
        return {"id": self.id, "mail": self.mail, "employeeId": self.employee_id, "displayName": self.display_name,
                "department": self.department, "jobTitle": None, "officeLocation": None, "companyName": None,
                "userPrincipalName": self.mail or f"{self.id}@council.example", "accountEnabled": self.account_enabled,
                "onPremisesExtensionAttributes": {f"extensionAttribute{n}": self.extension_attributes.get(
                    f"extensionAttribute{n}") for n in range(1, 16)}}


class Reject(Exception):  # noqa: N818 - carries Graph's 400 answer to the server, which shapes it
    pass


@dataclass
class UsersEndpoint:
    """The users and the pages handed out (``$skiptoken`` → the offset of the next page)."""

    users: list[DirectoryUser] = field(default_factory=list)
    tokens: dict[str, int] = field(default_factory=dict)

    def page(self, graph_url: str, query: dict[str, str]) -> dict[str, Any]:
        select = self._select(query.get("$select"), USER_PROPERTIES)
        expand = query.get("$expand")
        manager_select: list[str] | None = None
        if expand is not None:
            found = _EXPAND.match(expand.replace(" ", ""))
            if found is None:
                raise Reject("Unsupported $expand.")
            manager_select = self._select(found.group("select"), USER_PROPERTIES)
        limit = 100 if expand is not None else 999
        try:
            top = min(int(query.get("$top", "100")), limit)
        except ValueError:
            raise Reject("Invalid $top.") from None
        if top < 1:
            raise Reject("Invalid $top.")
        start = 0
        if "$skiptoken" in query:
            if query["$skiptoken"] not in self.tokens:
                raise Reject("Invalid $skiptoken.")
            start = self.tokens[query["$skiptoken"]]
        by_id = {u.id: u for u in self.users}
        value = []
        for user in self.users[start:start + top]:
            shown = {k: v for k, v in user.properties().items() if select is None or k in select}
            manager = by_id.get(user.manager) if user.manager else None
            if expand is not None and manager is not None:
                shown["manager"] = {"@odata.type": "#microsoft.graph.user", **{
                    k: v for k, v in manager.properties().items() if manager_select is None or k in manager_select}}
            value.append(shown)
        page: dict[str, Any] = {"@odata.context": f"{graph_url}/$metadata#users", "value": value}
        if start + top < len(self.users):
            token = secrets.token_urlsafe(16)
            self.tokens[token] = start + top
            following = {k: v for k, v in query.items() if k != "$skiptoken"} | {"$skiptoken": token}
            page["@odata.nextLink"] = f"{graph_url}/users?{urlencode(following, safe='$(),=')}"
        return page

    @staticmethod
    def _select(value: str | None, known: frozenset[str]) -> list[str] | None:
        if value is None:
            return None
        chosen = [s.strip() for s in value.split(",")]
        unknown = [s for s in chosen if s not in known]
        if unknown:
            raise Reject(f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.user'.")
        return ["id", *chosen]
