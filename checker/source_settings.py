"""The settings of a source's parts: ``[sources.NAME]`` (a base, with ``kind`` and ``supplements``) and
``[supplements.NAME]`` (a supplementary events file or a staff directory), docs/inputs.md.

A base is the canonical CSV pair (``csv``), operator-written SQL (``sql``), the Standard Safeguarding
Dataset's tables in any SQLAlchemy database (``ssd``), a folder of SSDA903 return files (``ssda903``) or
the List 9 sheet of an Annex A workbook (``annex_a``). ``supplements`` names ``[supplements.NAME]``
sections, joined to the base on the person id (``case_ref``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Base(_Part):
    #: ``[supplements.NAME]`` sections joined to this base, in order of precedence after the base.
    supplements: tuple[str, ...] = ()


class CsvSourceSettings(_Base):
    """A pair of CSV files (docs/input.md)."""

    kind: Literal["csv"]
    cases: Path
    disputes: Path | None = None


class SqlSourceSettings(_Base):
    """A SQLAlchemy URL and the operator's two query files returning the canonical columns."""

    kind: Literal["sql"]
    url: SecretStr
    cases_query: Path
    disputes_query: Path | None = None


class SsdSourceSettings(_Base):
    """The Standard Safeguarding Dataset's ``ssd_*`` tables in the database at ``url``."""

    kind: Literal["ssd"]
    url: SecretStr
    schema_name: str | None = Field(default=None, alias="schema")  # the tables' schema, when not the default
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Ssda903SourceSettings(_Base):
    """A folder holding one year's SSDA903 return files (CSV), recognised by their columns."""

    kind: Literal["ssda903"]
    folder: Path


class AnnexASourceSettings(_Base):
    """An Ofsted Annex A workbook (.xlsx); its List 9 (care leavers) sheet is read."""

    kind: Literal["annex_a"]
    workbook: Path
    sheet: str | None = None  # default: the sheet whose name starts "List 9"


SourceSettings = Annotated[
    CsvSourceSettings | SqlSourceSettings | SsdSourceSettings | Ssda903SourceSettings | AnnexASourceSettings,
    Field(discriminator="kind"),
]


class EventsSupplementSettings(_Part):
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


class StaffSupplementSettings(_Part):
    """A staff directory (CSV): a staff id or name, or an adviser's email, to email, team and manager."""

    kind: Literal["staff"]
    path: Path


SupplementSettings = Annotated[EventsSupplementSettings | StaffSupplementSettings, Field(discriminator="kind")]
