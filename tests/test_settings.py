"""Settings: the example file stays true to the settings model, and secrets never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.paths import bundled_config_dir
from checker.settings import Settings, SqlSourceSettings

EXAMPLE = bundled_config_dir() / "settings.example.toml"


@pytest.fixture
def clean(cli_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The settings environment of a clean machine (conftest.py's cli_env)."""
    return cli_env


def test_the_example_settings_file_is_valid_and_says_what_it_shows(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("CHECKER_SETTINGS_FILE", str(EXAMPLE))
    settings = Settings()
    assert settings.default_source == "casemgmt"
    assert settings.delivery.email == "sink"
    assert settings.routing.teams["Burnley"].senior_manager == "housing.lead.east@council.example"
    source = settings.sources["casemgmt"]
    assert isinstance(source, SqlSourceSettings)
    assert settings.resolve(source.cases_query) == EXAMPLE.parent / "sql" / "cases.sql"


def test_environment_wins_over_the_file_and_secrets_do_not_show(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("CHECKER_SETTINGS_FILE", str(EXAMPLE))
    clean.setenv("CHECKER_SMTP__HOST", "relay.internal")
    clean.setenv("CHECKER_SMTP__PASSWORD", "hunter2-smtp")
    clean.setenv("CHECKER_GRAPH__CLIENT_SECRET", "graph~secret~value")
    clean.setenv("CHECKER_TEAMS__WEBHOOKS__PRESTON", "https://example.invalid/workflows/x?sig=webhook-sig-value")
    settings = Settings()
    assert settings.smtp.host == "relay.internal"
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for secret in ("hunter2-smtp", "graph~secret~value", "webhook-sig-value"):
        assert secret not in shown


def test_a_misspelt_setting_is_refused(clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "checker.toml"
    bad.write_text('[delivery]\nemial = "smtp"\n')
    clean.setenv("CHECKER_SETTINGS_FILE", str(bad))
    with pytest.raises(ValueError, match="emial"):
        Settings()


def test_a_secrets_folder_that_is_a_file_is_a_clear_start_up_error(clean: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from click.testing import CliRunner  # noqa: PLC0415 - only this test drives the CLI

    from checker.cli import main  # noqa: PLC0415 - as above

    not_a_folder = tmp_path / "secrets"
    not_a_folder.write_text("x")
    clean.setenv("CHECKER_SECRETS_DIR", str(not_a_folder))
    clean.setenv("CHECKER_SETTINGS_FILE", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(main, ["check", "--cases", str(tmp_path / "cases.csv")])
    assert result.exit_code == 2
    assert "the settings cannot be read" in result.stderr
    assert "Traceback" not in result.output
