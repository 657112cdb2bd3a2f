"""The five shipped profiles: exactly their obligations, owners, ladders and their own citations.

The lists are the product's contract for each protocol: the five core obligations everywhere, and per
profile the others its protocol asks for (Lancashire 000, Kent 002, BCP 003, Luton 004, the national
guidance 001).
"""

from __future__ import annotations

import email
import email.message
import email.policy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.caseload import write_rows

from checker.cli import main
from checker.paths import bundled_config_dir
from checker.profiles import ProfileError, load_profile
from checker.rendering.formatting import describe_citation
from rules.records import Role

CORE = {"housing-register-initial", "housing-register-renewal", "pathway-plan-review", "custody-release-review",
        "dispute-escalation"}
EXTENDED = {
    "lancashire": {"housing-panel", "housing-options-meeting", "planned-move", "duty-to-refer",
                   "host-area-registration", "information-sharing-consent", "pathway-plan-shared", "bnb-approval"},
    "kent": {"pre-move-housing-contact", "planned-move", "duty-to-refer", "information-sharing-consent"},
    "bcp": {"pa-allocated", "joint-housing-assessment", "planned-move", "duty-to-refer", "custody-duty-to-refer",
            "bnb-approval"},
    "luton": {"pre18-panel", "planned-move", "duty-to-refer"},
    "national": {"planned-move", "duty-to-refer", "custody-duty-to-refer", "intentionality-signoff"},
}
PROTOCOL = {"lancashire": "000", "kent": "002", "bcp": "003", "luton": "004", "national": "001"}
HEAD_OF_SERVICE = {"bnb-approval", "intentionality-signoff"}


def test_exactly_five_profiles_are_shipped() -> None:
    assert sorted(p.stem for p in (bundled_config_dir() / "profiles").glob("*.toml")) == sorted(EXTENDED)


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_each_profile_switches_on_exactly_its_list(name: str) -> None:
    profile = load_profile(name)
    ids = [o.id for o in profile.obligations]
    assert len(ids) == len(set(ids))
    assert set(ids) == CORE | EXTENDED[name]
    assert profile.name == name


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_owners_and_the_escalation_ladder(name: str) -> None:
    profile = load_profile(name)
    for obligation in profile.obligations:
        expected = Role.HEAD_OF_SERVICE if obligation.id in HEAD_OF_SERVICE else Role.ADVISER
        assert obligation.owner is expected, obligation.id
    ladder = profile.escalation
    assert (ladder.manager, ladder.senior_manager, ladder.head_of_service) == (5, 20, 40)
    disputes = next(o for o in profile.obligations if o.id == "dispute-escalation")
    assert disputes.parameters.stage_owners == (Role.ADVISER, Role.MANAGER, Role.SENIOR_MANAGER,
                                                Role.HEAD_OF_SERVICE)
    assert disputes.parameters.working_days_per_stage == 2


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_no_shipped_profile_changes_a_catalogue_parameter(tmp_path: Path, name: str) -> None:
    catalogue = load_profile(str(_all_on(tmp_path, name)))
    by_id = {o.id: o.parameters for o in catalogue.obligations}
    for obligation in load_profile(name).obligations:
        assert obligation.parameters == by_id[obligation.id], obligation.id


def _all_on(tmp_path: Path, name: str) -> Path:
    """The bundled catalogue's own entries: a profile switching on the same ids, with nothing else."""
    ids = ", ".join(f'"{o.id}"' for o in load_profile(name).obligations)
    folder = tmp_path / "profiles"
    folder.mkdir()
    path = folder / "plain.toml"
    path.write_text(f'[profile]\nname = "plain"\ntitle = "Plain"\nobligations = [{ids}]\n')
    return path


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_every_citation_is_the_profiles_own_protocol_or_the_national_guidance(name: str) -> None:
    for obligation in load_profile(name).obligations:
        documents = set(re.findall(r"\b(\d{3}) §|\b(\d{3}) Appendix", obligation.citation))
        numbers = {a or b for a, b in documents}
        assert numbers, (obligation.id, obligation.citation)
        assert numbers <= {PROTOCOL[name], "001"}, (obligation.id, obligation.citation)


def test_a_lancashire_pathway_plan_review_does_not_cite_kent() -> None:
    review = next(o for o in load_profile("lancashire").obligations if o.id == "pathway-plan-review")
    described = describe_citation(review.citation)
    assert "Kent" not in described
    assert described.startswith("Lancashire protocol 000 §7")


def test_kent_cites_kent(tmp_path: Path) -> None:
    review = next(o for o in load_profile("kent").obligations if o.id == "pathway-plan-review")
    assert describe_citation(review.citation).startswith("Kent protocol 002 §7.2")


def _profile_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "profiles" / "mine.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[profile]\nname = "mine"\ntitle = "Mine"\nobligations = ["housing-register-initial"]\n'
                    + body)
    return path


def test_a_profile_sets_its_own_citation(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, '[citations]\n"housing-register-initial" = "005 §2.1"\n')
    assert load_profile(str(path)).obligations[0].citation == "005 §2.1"


@pytest.mark.parametrize(("body", "message"), [
    ('[citations]\n"housing-panel" = "000 §4"\n', "'housing-panel' is not switched on"),
    ('[citations]\n"housing-register-initial" = " "\n', "the citation is empty"),
    ('[citations]\n"housing-register-initial" = "005 §1"\n[overrides.housing-register-initial]\ncitation = "x"\n',
     "keep one of the two"),
])
def test_a_bad_citation_entry_is_refused(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        load_profile(str(_profile_file(tmp_path, body)))


# --- checker check --profile NAME --format json, for every profile ---------------------------------------------

AS_OF = "2026-03-02"
# One case that every profile has something for: born 1 Feb 2008 (18 on 1 Feb 2026), in care since 2015,
# threatened with homelessness on Fri 20 Feb 2026 (due Mon 23 Feb), and a planned move on 20 Mar 2026 (28 days
# before: 20 Feb 2026).
CASE = {"case_ref": "C1", "date_of_birth": "2008-02-01", "looked_after_since": "2015-01-01",
        "threatened_with_homelessness_on": "2026-02-20", "planned_move_on": "2026-03-20"}


@pytest.mark.parametrize("name", sorted(EXTENDED))
def test_check_prints_the_document_with_owner_and_escalated_to(tmp_path: Path, name: str) -> None:
    cases = write_rows(tmp_path / "cases.csv", [CASE])
    disputes = write_rows(tmp_path / "disputes.csv", [{"dispute_ref": "D1", "case_ref": "C1", "stage": "2",
                                                       "stage_started_on": "2026-02-20", "resolved_on": ""}])
    result = CliRunner().invoke(main, ["check", "--as-of", AS_OF, "--profile", name, "--cases", str(cases),
                                       "--disputes", str(disputes), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["as_of"] == AS_OF
    assert document["data_errors"] == []
    found = {f["obligation"]: f for f in document["findings"]}
    assert set(found) <= CORE | EXTENDED[name]
    # Every profile has the Duty to Refer (due Mon 23 Feb 2026: 5 working days overdue on Mon 2 Mar, so the
    # manager is told) and the planned move (due 20 Feb 2026, overdue, 6 working days: 23-27 Feb, 2 Mar).
    assert (found["duty-to-refer"]["status"], found["duty-to-refer"]["due_date"]) == ("overdue", "2026-02-23")
    assert (found["duty-to-refer"]["owner"], found["duty-to-refer"]["escalated_to"]) == ("adviser", "manager")
    assert (found["planned-move"]["due_date"], found["planned-move"]["escalated_to"]) == ("2026-02-20", "manager")
    # The dispute at stage 2 from Fri 20 Feb: due Tue 24 Feb; owned by the manager; goes to stage 3.
    dispute = found["dispute-escalation"]
    assert (dispute["ref"], dispute["owner"], dispute["escalate_to_stage"]) == ("D1", "manager", 3)
    assert "escalated_to" not in dispute
    for finding in document["findings"]:
        assert finding["owner"] in {"adviser", "manager", "senior_manager", "head_of_service"}
        if finding["obligation"] != "dispute-escalation":
            assert finding["ref"] is None
            assert "escalated_to" in finding


# --- the reminder an adviser receives cites the profile's own protocol -----------------------------------------


@pytest.mark.parametrize(("name", "cited", "foreign"), [
    ("lancashire", "Lancashire protocol 000 §7", "Kent"),
    ("kent", "Kent protocol 002 §7.2", "Lancashire"),
])
def test_a_reminder_cites_the_profiles_own_protocol(tmp_path: Path, name: str, cited: str, foreign: str) -> None:
    # In care since 2015, 16 on 1 Jun 2024; the pathway plan was reviewed on 10 Jun 2026, so the next review is
    # due 10 Dec 2026: 13 working days after 23 Nov 2026, inside the 20-day lead time, so a reminder goes out.
    cases = write_rows(tmp_path / "cases.csv", [{
        "case_ref": "C1", "date_of_birth": "2008-06-01", "looked_after_since": "2015-01-01",
        "housing_register_joined_on": "2024-07-01", "housing_register_renewed_on": "2026-07-01",
        "pathway_plan_reviewed_on": "2026-06-10", "adviser_email": "pa.one@example.org"}])
    sink = tmp_path / "outbox"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_") or k == "CHECKER_GO_LIVE__SUMMARY"} | {
        "CHECKER_SETTINGS_FILE": str(tmp_path / "none.toml"), "CHECKER_PROFILE": name,
        "CHECKER_STATE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}", "CHECKER_DELIVERY__WINDOW": "any_time",
        "CHECKER_DELIVERY__EMAIL": "sink", "CHECKER_DELIVERY__SINK_DIR": str(sink),
        "CHECKER_ROUTING__OPERATOR_EMAIL": "ops@example.org"}
    result = subprocess.run([str(Path(sys.executable).parent / "checker"), "run", "--once", "--as-of", "2026-11-23",
                             "--cases", str(cases), "--no-digests"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    [path] = sink.glob("reminder_*pa.one_example.org*.eml")  # the adviser's reminder
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    reminder = body.get_content()
    assert "Review the pathway plan" in reminder
    assert cited in reminder
    assert foreign not in reminder
