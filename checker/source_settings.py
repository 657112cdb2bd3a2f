"""The settings of a source's parts: ``[sources.NAME]`` (a base, with ``kind`` and ``supplements``) and
``[supplements.NAME]`` (a supplementary events file, or a staff directory from a CSV file or from
Microsoft Entra ID), docs/inputs.md.

A base is the canonical CSV pair (``csv``), operator-written SQL (``sql``), the Standard Safeguarding
Dataset's tables in any SQLAlchemy database (``ssd``), a folder of SSDA903 return files (``ssda903``) or
the List 9 sheet of an Annex A workbook (``annex_a``). ``supplements`` names ``[supplements.NAME]``
sections, joined to the base on the person id (``case_ref``).

A section is read by the settings class its ``kind`` is registered with (``checker/sources/registry.py``:
``BASE_KINDS``, ``SUPPLEMENT_KINDS``), so a kind is added there, not here; the classes of the kinds shipped
are below, so that reading the settings imports none of the kinds' modules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, SecretStr, SerializeAsAny, model_validator


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseSourceSettings(_Part):
    """What every ``[sources.NAME]`` section has; its kind's class adds the rest."""

    kind: str
    #: ``[supplements.NAME]`` sections joined to this base, in order of precedence after the base.
    supplements: tuple[str, ...] = ()


class BaseSupplementSettings(_Part):
    """What every ``[supplements.NAME]`` section has; its kind's class adds the rest."""

    kind: str




class CsvSourceSettings(BaseSourceSettings):
    """A pair of CSV files (docs/input.md)."""

    kind: Literal["csv"]
    cases: Path
    disputes: Path | None = None


class SqlSourceSettings(BaseSourceSettings):
    """A SQLAlchemy URL and the operator's two query files returning the canonical columns."""

    kind: Literal["sql"]
    url: SecretStr
    cases_query: Path
    disputes_query: Path | None = None


class SsdSourceSettings(BaseSourceSettings):
    """The Standard Safeguarding Dataset's ``ssd_*`` tables in the database at ``url``."""

    kind: Literal["ssd"]
    url: SecretStr
    schema_name: str | None = Field(default=None, alias="schema")  # the tables' schema, when not the default
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Ssda903SourceSettings(BaseSourceSettings):
    """A folder holding one year's SSDA903 return files (CSV), recognised by their columns."""

    kind: Literal["ssda903"]
    folder: Path


class AnnexASourceSettings(BaseSourceSettings):
    """An Ofsted Annex A workbook (.xlsx); its List 9 (care leavers) sheet is read."""

    kind: Literal["annex_a"]
    workbook: Path
    sheet: str | None = None  # default: the sheet whose name starts "List 9"


class EventsSupplementSettings(BaseSupplementSettings):
    """Case columns no national return holds, keyed by ``case_ref``: a CSV file, or a query on a database."""

    kind: Literal["events"]
    cases: Path | None = None  # a CSV file
    disputes: Path | None = None  # a disputes CSV file (docs/input.md), added to the base's disputes
    url: SecretStr | None = None
    cases_query: Path | None = None
    disputes_query: Path | None = None

    @model_validator(mode="after")
    def _one_way(self) -> EventsSupplementSettings:
        by_file = self.cases is not None or self.disputes is not None
        by_query = self.url is not None or self.cases_query is not None or self.disputes_query is not None
        if by_file == by_query:
            raise ValueError("give either cases (a CSV file, and optionally disputes) or url with cases_query "
                             "(and optionally disputes_query)")
        if by_query and (self.url is None or self.cases_query is None):
            raise ValueError("a supplement read from a database needs both url and cases_query")
        if by_file and self.cases is None:
            raise ValueError("a supplement with a disputes file needs a cases file too")
        return self


class StaffSupplementSettings(BaseSupplementSettings):
    """A staff directory (CSV): a staff id or name, or an adviser's email, to email, team and manager."""

    kind: Literal["staff"]
    path: Path


_ATTRIBUTE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,119}(/extensionAttribute(?:[1-9]|1[0-5]))?$")


def team_attribute(value: str) -> str:
    """``value`` when it names a user property Graph can select (else ``ValueError``)."""
    if not _ATTRIBUTE.match(value) or ("/" in value and not value.startswith("onPremisesExtensionAttributes/")):
        raise ValueError("team_attribute must be a user property, such as 'department', or "
                         "'onPremisesExtensionAttributes/extensionAttribute1' to 15")
    return value


class EntraSupplementSettings(BaseSupplementSettings):
    """A staff directory read from Microsoft Entra ID through Graph (app-only, ``User.Read.All``).

    The app registration is the ``[graph]`` section's unless ``client_id`` is set here: then ``tenant_id``,
    ``client_id`` and one credential (``client_secret``, from ``CHECKER_SUPPLEMENTS__<NAME>__CLIENT_SECRET``
    or the secret file ``supplements__<name>__client_secret``, or ``certificate_path``) are this section's.
    ``authority_host``, ``graph_url``, ``scope``, ``ca_file`` and ``timeout`` each default to ``[graph]``'s.
    """

    kind: Literal["entra"]
    team_attribute: str = "department"  # the user property holding the team, as the case records name it
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority_host: str | None = None
    graph_url: str | None = None
    scope: str | None = None
    ca_file: Path | None = None
    timeout: float | None = Field(default=None, gt=0, le=600)

    @model_validator(mode="after")
    def _own_registration(self) -> EntraSupplementSettings:
        own = (self.tenant_id, self.client_secret, self.certificate_path, self.certificate_thumbprint)
        if self.client_id is None and any(v is not None for v in own):
            raise ValueError("tenant_id and a credential are this section's own only with its own client_id; "
                             "without one, the [graph] section's app registration is used")
        team_attribute(self.team_attribute)
        return self


def _by_kind(registered: str, base: type[_Part]) -> Callable[[object], _Part]:
    """A section read by the settings class its ``kind`` is registered with (``registered``: the name of the
    registry's table)."""

    def read(value: object) -> _Part:
        from checker.sources import registry  # noqa: PLC0415 - when a section is read: no import cycle

        kinds = getattr(registry, registered)
        if isinstance(value, base):  # built in code (the demo)
            return value
        if not isinstance(value, Mapping):
            raise ValueError("must be a table of settings with a kind")  # noqa: TRY004 - pydantic reports it
        kind = value.get("kind")
        if not isinstance(kind, str) or kind not in kinds:
            given = (f", not {kind!r}" if isinstance(kind, str) else " (none is given)" if kind is None
                     else ", written as text")
            raise ValueError(f"kind must be one of {', '.join(kinds)}{given}")
        model: type[_Part] = registry.load(kinds[kind].settings)
        return model.model_validate(value)

    return read


#: A ``[sources.NAME]`` section, read by its kind's settings class (``BASE_KINDS``).
SourceSettings = SerializeAsAny[Annotated[BaseSourceSettings,
                                          PlainValidator(_by_kind("BASE_KINDS", BaseSourceSettings))]]
#: A ``[supplements.NAME]`` section, read by its kind's settings class (``SUPPLEMENT_KINDS``).
SupplementSettings = SerializeAsAny[Annotated[BaseSupplementSettings,
                                              PlainValidator(_by_kind("SUPPLEMENT_KINDS", BaseSupplementSettings))]]
