"""Settings: environment variables (``CHECKER_``), a ``.env`` file and an optional TOML settings file.

Precedence, highest first: environment, ``.env``, the TOML file named by ``CHECKER_SETTINGS_FILE``
(default ``checker.toml`` in the working directory, if present). Relative paths in the TOML file are
read from the file's own folder. ``config/settings.example.toml`` shows every setting. Secrets (a
database password in a URL) are ``SecretStr`` and never printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SETTINGS_FILE_VARIABLE = "CHECKER_SETTINGS_FILE"


def settings_file() -> Path:
    return Path(os.environ.get(SETTINGS_FILE_VARIABLE, "checker.toml"))


class CsvSourceSettings(BaseModel):
    """A pair of CSV files (obligations.md §2)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["csv"]
    cases: Path
    disputes: Path | None = None


class SqlSourceSettings(BaseModel):
    """A SQLAlchemy URL and the operator's two query files returning the canonical columns."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["sql"]
    url: SecretStr
    cases_query: Path
    disputes_query: Path | None = None


SourceSettings = Annotated[CsvSourceSettings | SqlSourceSettings, Field(discriminator="kind")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliverySettings(_Section):
    """Which transport each channel uses, chosen explicitly (never inferred from which keys are set)."""

    email: Literal["sink", "smtp", "graph"] = "sink"
    teams_activity: Literal["off", "sink", "graph"] = "off"
    teams_channel: Literal["off", "sink", "webhook"] = "off"
    sink_dir: Path = Path("checker-outbox")
    max_attempts: int = Field(default=5, ge=1, le=50)
    retry_minutes: int = Field(default=15, ge=1)
    # "working_hours": reminders and digests go out only inside the profile's delivery window.
    # "any_time": at once, for trying the tool out against the sink; never for real channels.
    window: Literal["working_hours", "any_time"] = "working_hours"
    # A message claimed longer ago than this by a sender that has not finished is taken to be abandoned
    # (its process died) and is resumed from its checkpoint. Longer than any one send can take.
    claim_lease_seconds: int = Field(default=600, ge=1)
    case_url_template: str = "https://case-management.invalid/people/{case_ref}"
    mention_advisers: bool = False
    templates_dir: Path | None = None
    digest_weekday: int = Field(default=0, ge=0, le=6, description="0 = Monday")


class SmtpSettings(_Section):
    host: str = "localhost"
    port: int = 587
    sender: str = "checker@localhost"
    username: str | None = None
    password: SecretStr | None = None
    security: Literal["starttls", "tls"] = "starttls"
    timeout: float = 30.0
    ca_file: Path | None = None


class GraphSettings(_Section):
    tenant_id: str = ""
    client_id: str = ""
    client_secret: SecretStr | None = None
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    sender: str = ""
    authority_host: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    ca_file: Path | None = None
    timeout: float = 30.0


class TeamsSettings(_Section):
    webhooks: dict[str, SecretStr] = {}
    team_channels: dict[str, str] = {}
    ca_file: Path | None = None
    timeout: float = 30.0


class RoleAddressSettings(_Section):
    senior_manager: str | None = None
    head_of_service: str | None = None


class RoutingSettings(_Section):
    operator_email: str = "checker-operator@localhost"
    senior_manager: str | None = None
    head_of_service: str | None = None
    teams: dict[str, RoleAddressSettings] = {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHECKER_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
    )

    profile: str = "lancashire"
    config_dir: Path | None = None
    default_source: str | None = None
    sources: dict[str, SourceSettings] = {}
    state_url: SecretStr = SecretStr("sqlite:///checker-state/state.sqlite")
    delivery: DeliverySettings = DeliverySettings()
    smtp: SmtpSettings = SmtpSettings()
    graph: GraphSettings = GraphSettings()
    teams: TeamsSettings = TeamsSettings()
    routing: RoutingSettings = RoutingSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=settings_file())
        return init_settings, env_settings, dotenv_settings, file_secret_settings, toml

    def resolve(self, path: Path) -> Path:
        """A path from the settings: relative ones are read from the settings file's folder."""
        if path.is_absolute():
            return path
        file = settings_file()
        return (file.parent / path) if file.is_file() else path
