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
