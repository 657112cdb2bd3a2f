"""Profiles are checked in full at start-up; a bad one is refused with where and how to fix it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from checker.cli import main
from checker.paths import bundled_config_dir
from checker.profiles import ProfileError, load_profile
from rules.records import Role

CORE = (
    "housing-register-initial",
    "housing-register-renewal",
    "pathway-plan-review",
    "custody-release-review",
    "dispute-escalation",
)


def write_profile(tmp_path: Path, body: str, obligations: tuple[str, ...] = CORE) -> Path:
    listed = ", ".join(f'"{o}"' for o in obligations)
    path = tmp_path / "profiles" / "test.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[profile]\nname = "test"\ntitle = "Test"\nobligations = [{listed}]\n{body}')
    return path


def test_lancashire_has_the_five_core_obligations_with_citations_and_owners() -> None:
    profile = load_profile("lancashire")
    assert set(CORE) <= {o.id for o in profile.obligations}  # and its own eight: tests/test_shipped_profiles.py
    citations = {o.id: o.citation for o in profile.obligations}
    assert citations["housing-register-initial"] == "000 §7"
    assert citations["custody-release-review"] == "000 §14"
    assert citations["dispute-escalation"].startswith("000 §18")
    assert all(o.owner is Role.ADVISER for o in profile.obligations if o.id in CORE)
    assert all(o.reminder_lead_working_days == (20, 5) for o in profile.obligations)


def test_the_default_profile_is_lancashire() -> None:
    assert load_profile().name == "lancashire"


def test_every_catalogue_entry_loads(tmp_path: Path) -> None:
    catalogue = tomllib.loads((bundled_config_dir() / "obligations.toml").read_text())
    ids = tuple(e["id"] for e in catalogue["obligation"])
    assert len(ids) == 19
    profile = load_profile(str(write_profile(tmp_path, "", ids)))
    assert {o.id for o in profile.obligations} == set(ids)
    owners = {o.id: o.owner for o in profile.obligations}
    assert owners["bnb-approval"] is Role.HEAD_OF_SERVICE
    assert owners["intentionality-signoff"] is Role.HEAD_OF_SERVICE


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param('[overrides.housing-register-initial]\nkind = "after_ankor"\n',
                     ["housing-register-initial", "unknown kind 'after_ankor'", "after_anchor"], id="unknown-kind"),
        pytest.param('[overrides.housing-register-initial.parameters]\nperiod = { monts = 3 }\n',
                     ["housing-register-initial", "monts"], id="unknown-period-unit"),
        pytest.param('[overrides.housing-register-initial.parameters]\ngrace = 3\n',
                     ["unknown parameter 'grace'", "anchor, period, completed_by"], id="unknown-parameter"),
        pytest.param('[overrides.housing-register-initial.parameters]\ncompleted_by = "housing_registered_on"\n',
                     ["unknown column 'housing_registered_on'"], id="unknown-column"),
        pytest.param('[overrides.housing-register-initial.parameters]\ncompleted_by = "in_custody"\n',
                     ["'in_custody' is a bool column", "date column"], id="wrong-column-type"),
        pytest.param('[overrides.housing-register-initial]\napplies_when = [{ test = "is_adult" }]\n',
                     ["applies_when", "is_adult"], id="unknown-condition"),
        pytest.param('[overrides.housing-register-initial]\nowner = "director"\n',
                     ["owner"], id="unknown-owner"),
        pytest.param('[overrides.housing-panel]\ntitle = "x"\n',
                     ["[overrides.housing-panel]", "not switched on"], id="override-not-enabled"),
        pytest.param('[escalation]\nmanager = 0\n', ["escalation.manager"], id="bad-threshold"),
        pytest.param('[reminders]\nlead_days = [3]\n', ["unknown parameter 'reminders.lead_days'"], id="bad-reminders"),
    ],
)
def test_bad_profiles_are_refused_with_file_entry_and_fix(tmp_path: Path, override: str,
                                                          expected: list[str]) -> None:
    path = write_profile(tmp_path, override)
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message


def test_unknown_obligation_id_names_the_known_ones(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "", (*CORE, "housing-regster-renewal"))
    with pytest.raises(ProfileError, match=r"unknown obligation 'housing-regster-renewal'.*housing-register-renewal"):
        load_profile(str(path))


def test_an_obligation_listed_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="listed twice"):
        load_profile(str(write_profile(tmp_path, "", (*CORE, CORE[0]))))


def test_invalid_toml_is_refused_with_the_file(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "[escalation\n")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(str(path))


def test_unknown_profile_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ProfileError, match=r"no profile named 'lancs'.*lancashire"):
        load_profile("lancs")


def test_an_authority_can_override_a_parameter(tmp_path: Path) -> None:
    path = write_profile(tmp_path, "[overrides.dispute-escalation.parameters]\nworking_days_per_stage = 5\n")
    profile = load_profile(str(path))
    ladder = next(o for o in profile.obligations if o.id == "dispute-escalation")
    assert ladder.parameters.working_days_per_stage == 5


def test_an_authority_can_add_its_own_obligation(tmp_path: Path) -> None:
    body = (
        '[[obligation]]\nid = "local-tenancy-course"\nkind = "age_milestone"\ntitle = "Renting Ready course"\n'
        'citation = "000 §3"\nowner = "adviser"\n'
        'parameters = { due_at = { years = 17 }, completed_by = "housing_panel_on" }\n'
    )
    profile = load_profile(str(write_profile(tmp_path, body, (*CORE, "local-tenancy-course"))))
    assert "local-tenancy-course" in [o.id for o in profile.obligations]


def test_a_bad_entry_of_the_authoritys_own_names_it(tmp_path: Path) -> None:
    body = '[[obligation]]\nid = "mine"\nkind = "recurring"\ntitle = "x"\ncitation = "000 §7"\nowner = "adviser"\n'
    path = write_profile(tmp_path, body, (*CORE, "mine"))
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    assert "[[obligation]] entry 1" in str(caught.value)
    assert "missing 'since'" in str(caught.value)


def test_the_cli_refuses_a_bad_profile_at_start_up(tmp_path: Path) -> None:
    path = write_profile(tmp_path, '[overrides.pathway-plan-review.parameters]\nevery = { months = 6, days = 1 }\n')
    cases = tmp_path / "cases.csv"
    cases.write_text("case_ref,date_of_birth\nC1,2009-01-01\n")
    result = CliRunner().invoke(main, ["check", "--profile", str(path), "--cases", str(cases), "--format", "json"])
    assert result.exit_code != 0
    assert "one unit" in result.stderr
    assert result.stdout == ""
