"""Settings: environment variables (``CHECKER_``), a ``.env`` file, a secrets directory and a TOML file.

Precedence, highest first: values given to ``Settings(...)`` in code, the environment, ``.env`` in the
working directory, the secrets directory, the TOML file named by ``CHECKER_SETTINGS_FILE`` (default
``checker.toml`` in the working directory, if present). Sections merge key by key, so the TOML file can
name the SMTP host while the password comes from a secret. Relative paths in the TOML file are read from
the file's own folder. ``config/settings.example.toml`` shows every setting.

The secrets directory (``/run/secrets``, or the folder named by ``CHECKER_SECRETS_DIR``, which like
``CHECKER_SETTINGS_FILE`` is read from the environment, not from ``.env``; a missing folder is fine)
holds one file per setting, named like the environment variable without ``CHECKER_``, levels joined by
``__`` (case does not matter), its content the value with surrounding whitespace and the trailing
newline stripped: ``smtp__password``, ``graph__client_secret``, ``teams__webhooks__preston`` (a
Workflows URL: its ``sig`` is a credential), ``state_url``, ``sources__casemgmt__url``. This is what
Docker and Kubernetes secrets mount. It is pydantic-settings' own ``NestedSecretsSettingsSource``
(pydantic-settings 2.12 or newer; 2.14.2 or newer for its symlink fix), made to skip files that are
not text (``SecretsDirectorySource``). Files whose names are no setting are ignored. A Graph
certificate is a file too, but its setting is a path, not the content:
``graph.certificate_path = "/run/secrets/graph-app.pem"``.

Secrets (passwords, the client secret, webhook URLs, a database URL with a password) are ``SecretStr``
and never printed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from checker.source_settings import (  # the sources' settings live beside the source kinds' documentation
    AnnexASourceSettings,
    CsvSourceSettings,
    EntraSupplementSettings,
    EventsSupplementSettings,
    SourceSettings,
    SqlSourceSettings,
    Ssda903SourceSettings,
    SsdSourceSettings,
    StaffSupplementSettings,
    SupplementSettings,
)

__all__ = ["AnnexASourceSettings", "CsvSourceSettings", "EntraSupplementSettings", "EventsSupplementSettings",
           "Settings", "SqlSourceSettings", "SsdSourceSettings", "Ssda903SourceSettings", "StaffSupplementSettings"]

SETTINGS_FILE_VARIABLE = "CHECKER_SETTINGS_FILE"
SECRETS_DIR_VARIABLE = "CHECKER_SECRETS_DIR"
DEFAULT_SECRETS_DIR = Path("/run/secrets")


def settings_file() -> Path:
    return Path(os.environ.get(SETTINGS_FILE_VARIABLE, "checker.toml"))


def secrets_dir() -> Path:
    """The folder of secret files: ``CHECKER_SECRETS_DIR``, else ``/run/secrets`` (it need not exist)."""
    return Path(os.environ.get(SECRETS_DIR_VARIABLE) or DEFAULT_SECRETS_DIR)


class SecretsDirectorySource(NestedSecretsSettingsSource):
    """pydantic-settings' nested secrets source, except that a file that is not UTF-8 text is skipped.

    The base reads every file in the folder and fails on the first binary one; but a binary key or
    keystore mounted beside the secrets is nobody's setting, and must not stop the process. Hidden
    entries (Kubernetes' ``..data``) and files that resolve outside the folder are skipped, as the base
    skips them; its size limit still applies.
    """

    @classmethod
    def load_secrets(cls, path: Path) -> dict[str, str]:
        if not path.is_dir():
            return {}  # a missing folder is fine (``secrets_dir_missing="ok"``)
        root = path.resolve()
        found: dict[str, str] = {}
        for entry in sorted(path.iterdir()):
            if entry.name.startswith(".") or not entry.is_file() or root not in entry.resolve().parents:
                continue
            try:
                found[entry.name] = entry.read_text(encoding="utf-8").strip()
            except UnicodeDecodeError:
                continue
        return found




class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OnAmbiguousSettings(_Section):
    """What to do with a message whose request went out with no definite answer (a 504, a read timeout, a
    connection dropped after sending, the sending process killed): send it again, or hold it for the
    operator. Graph mail and the sink always find out what happened, so this never applies to them."""

    email: Literal["resend", "hold"] = "resend"  # SMTP: a copy carries the same Message-ID
    teams_activity: Literal["resend", "hold"] = "hold"  # the adviser's email carries the same reminder
    teams_channel: Literal["resend", "hold"] = "hold"


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
    # A delivering process beats this often; one silent for three beats is known dead, and the messages
    # it had claimed are resumed at once (the claim lease is then only for claimants that never beat).
    heartbeat_seconds: int = Field(default=10, ge=1, le=300)
    on_ambiguous: OnAmbiguousSettings = OnAmbiguousSettings()
    # The text of a message (which may name a young person) is kept this long after it was sent or
    # cancelled, then purged; the audit trail (who was told what, when) stays.
    keep_sent_content_days: int = Field(default=30, ge=0)
    case_url_template: str = "https://case-management.invalid/people/{case_ref}"
    mention_advisers: bool = False
    templates_dir: Path | None = None
    digest_weekday: int = Field(default=0, ge=0, le=6, description="0 = Monday")
    # The most items one message lists; the rest are counted (and attached as a CSV to an email).
    max_items_per_message: int = Field(default=25, ge=5, le=500)
    # The most bytes one email may take as sent (MIME, or Graph's JSON); over it, its CSV file is zipped, and
    # if need be cut to its most urgent rows (checker/rendering/budget.py, docs/go-live.md). Graph takes a
    # file in one request only under 3 MB; 2 MB leaves room.
    max_message_bytes: int = Field(default=2_000_000, ge=200_000, le=30_000_000)
    # Teams (names as in the case records, any case) whose advisers get ONE email each working morning with
    # everything due or overdue for them, instead of a reminder per change (checker/planning/daily.py).
    daily_digest_teams: list[str] = []


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
    # The token scope: the real Graph's, whatever graph_url is (a proxy, a test server); another cloud's
    # Graph has its own (https://graph.microsoft.us/.default...).
    scope: str = "https://graph.microsoft.com/.default"
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


class ScheduleSettings(_Section):
    """When the daemon works (cron expressions, Europe/London; see APScheduler's CronTrigger.from_crontab)."""

    tick: str = "0 7 * * mon-fri"                 # evaluate, plan and deliver each working day
    retry: str = "*/15 8-17 * * mon-fri"          # deliver what is due again (retries, the window opening)
    digests: str = "0 8 * * mon"                  # the managers' weekly digests
    misfire_grace_seconds: int = Field(default=3600, ge=1)  # a run missed by less than this still happens
    catch_up: bool = True                          # on start-up, make today's tick if it was missed


class HealthSettings(_Section):
    """The daemon's HTTP endpoints: /healthz, /readyz and /metrics."""

    host: str = "0.0.0.0"  # noqa: S104 - inside a container the probe comes from outside it
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    # /readyz fails when the tick the schedule last asked for has not succeeded this long after its time
    tick_grace_minutes: int = Field(default=60, ge=1)
    # A client has this long to send its whole request, or its connection is closed.
    read_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # Requests answered at once, and connections that may wait for a worker (more are answered 503).
    workers: int = Field(default=4, ge=1, le=64)
    max_waiting: int = Field(default=16, ge=0, le=1024)


class GuardSettings(_Section):
    """The source safety guard: a tick whose source looks broken changes nothing and sends nothing."""

    max_drop_percent: float = Field(default=20.0, ge=0, le=100)  # fewer cases than the last good tick by more


class GoLiveSettings(_Section):
    """The first tick on an empty state database, and the first after an outage, send each recipient one
    summary instead of a message per item (docs/go-live.md)."""

    summary: bool = True
    outage_working_days: int = Field(default=3, ge=1)  # a last good tick more working days ago than this
    urgent_items: int = Field(default=10, ge=1, le=100)  # the most urgent items a summary lists in full


class RetentionSettings(_Section):
    """How long the state database keeps what names or reaches a person (``checker/state/retention.py``)."""

    # Initials, e-mail addresses and stored error texts of finished business (obligations closed, messages
    # sent or cancelled, snoozes and waivers ended, runs finished) this many days ago are erased; the audit
    # trail (which obligation of which case reference was told, when, on which channel) stays.
    keep_personal_data_days: int = Field(default=365, ge=1)


class LeaderSettings(_Section):
    """Two or more replicas on one state database: only the holder of the lease ticks and delivers."""

    lease_seconds: int = Field(default=60, ge=5)


class ReportSettings(_Section):
    """The board's quarterly report (``checker report``) and when the daemon sends it (docs/reports.md)."""

    # Counts from 1 to this less one are suppressed in any figure that breaks a team down.
    small_number_threshold: int = Field(default=5, ge=1)
    # Who gets the quarter's report besides the head of service (routing.head_of_service).
    recipients: tuple[str, ...] = ()
    send: bool = True  # the daemon sends the report, and the protocol's review reminder
    schedule: str = "30 8 * * mon-fri"  # when the daemon looks whether one is due (Europe/London)


class ActionsSettings(_Section):
    """The acknowledge and snooze links in advisers' messages, and the listener serving their pages.

    Off unless ``public_url`` is set. ``public_url``: where the authority's reverse proxy (which
    terminates TLS) publishes the listener, e.g. ``https://checker.example.gov.uk``; the links are
    ``<public_url>/act/<token>``. ``secret``: the key the links are signed with, at least 32 characters,
    from the environment (``CHECKER_ACTIONS__SECRET``) or the secret file ``actions__secret``; never put
    it in the settings file. Changing it makes every link already sent invalid.
    """

    public_url: str | None = None
    host: str = "0.0.0.0"  # noqa: S104 - inside a container the proxy's requests come from outside it
    port: int = Field(default=8081, ge=0, le=65535)  # 0: any free port (tests)
    secret: SecretStr | None = None
    link_days: int = Field(default=14, ge=1, le=60)  # a link can be used until this many days after it was sent

    @model_validator(mode="after")
    def _secret_with_links(self) -> ActionsSettings:
        if self.public_url and (self.secret is None or len(self.secret.get_secret_value()) < 32):
            raise ValueError("actions.public_url is set, so the links need a secret of at least 32 characters: "
                             "set CHECKER_ACTIONS__SECRET or the secret file actions__secret")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHECKER_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
        # The secrets directory: file names without the CHECKER_ prefix, levels joined by "__".
        secrets_prefix="",
        secrets_nested_delimiter="__",
        secrets_dir_missing="ok",
    )

    profile: str = "lancashire"
    config_dir: Path | None = None
    default_source: str | None = None
    sources: dict[str, SourceSettings] = {}
    supplements: dict[str, SupplementSettings] = {}
    state_url: SecretStr = SecretStr("sqlite:///checker-state/state.sqlite")
    delivery: DeliverySettings = DeliverySettings()
    smtp: SmtpSettings = SmtpSettings()
    graph: GraphSettings = GraphSettings()
    teams: TeamsSettings = TeamsSettings()
    routing: RoutingSettings = RoutingSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    health: HealthSettings = HealthSettings()
    guard: GuardSettings = GuardSettings()
    go_live: GoLiveSettings = GoLiveSettings()
    leader: LeaderSettings = LeaderSettings()
    retention: RetentionSettings = RetentionSettings()
    report: ReportSettings = ReportSettings()
    actions: ActionsSettings = ActionsSettings()

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
        # ``Settings(_secrets_dir=...)`` still wins over CHECKER_SECRETS_DIR and the default.
        folder = getattr(file_secret_settings, "secrets_dir", None) or secrets_dir()
        secrets = SecretsDirectorySource(file_secret_settings, secrets_dir=folder)
        return init_settings, env_settings, dotenv_settings, secrets, toml

    def resolve(self, path: Path) -> Path:
        """A path from the settings: relative ones are read from the settings file's folder."""
        if path.is_absolute():
            return path
        file = settings_file()
        return (file.parent / path) if file.is_file() else path
