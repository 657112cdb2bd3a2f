"""The invented leaving-care service of the demo: four locality teams, their advisers and managers.

Staff emails follow the service's pattern (``pa.sam.khan@example.org`` for a personal adviser,
``tm.…`` for a team manager) and are all at example.org. The name lists are short and made up.
"""

from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "example.org"


@dataclass(frozen=True, slots=True)
class StaffMember:
    given_name: str
    family_name: str
    prefix: str  # "pa" for a personal adviser, "tm" for a team manager

    @property
    def email(self) -> str:
        return f"{self.prefix}.{self.given_name}.{self.family_name}@{DOMAIN}".lower().replace("'", "")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    weight: int  # share of the caseload
    manager: StaffMember
    advisers: tuple[StaffMember, ...]
    districts: tuple[str, ...]  # housing districts the team's young people mostly have a connection to


def _pa(given: str, family: str) -> StaffMember:
    return StaffMember(given, family, "pa")


def _tm(given: str, family: str) -> StaffMember:
    return StaffMember(given, family, "tm")


TEAMS: tuple[Team, ...] = (
    Team("Preston", 32, _tm("Ruth", "Ashworth"),
         (_pa("Sam", "Khan"), _pa("Jo", "Whittaker"), _pa("Priya", "Patel"), _pa("Dan", "Hughes"),
          _pa("Kerry", "Moss")),
         ("Preston", "South Ribble", "Chorley")),
    Team("Burnley", 26, _tm("Imran", "Hussain"),
         (_pa("Lisa", "Cropper"), _pa("Tom", "Nuttall"), _pa("Aisha", "Begum"), _pa("Gareth", "Lord")),
         ("Burnley", "Pendle", "Hyndburn", "Rossendale")),
    Team("Lancaster", 20, _tm("Helen", "Fairclough"),
         (_pa("Mark", "Dobson"), _pa("Nadia", "Rahman"), _pa("Chris", "Bell")),
         ("Lancaster", "Wyre")),
    Team("Fylde", 22, _tm("Paul", "Singleton"),
         (_pa("Emma", "Thornber"), _pa("Kwame", "Mensah"), _pa("Sophie", "Riley"), _pa("Lee", "Walsh")),
         ("Fylde", "Blackpool", "Wyre")),
)

OTHER_DISTRICTS: tuple[str, ...] = (
    "Blackburn with Darwen", "West Lancashire", "Ribble Valley", "Manchester", "Bolton", "Wigan",
    "Cumberland", "Westmorland and Furness",
)

ESTABLISHMENTS: tuple[str, ...] = (
    "HMP Preston", "HMP Lancaster Farms", "HMYOI Wetherby", "HMP Kirkham", "HMP Liverpool", "HMP Styal",
)

GIVEN_NAMES: tuple[str, ...] = (
    "Aaliyah", "Alfie", "Amara", "Ben", "Callum", "Chloe", "Demi", "Ellie", "Ethan", "Faith", "Harvey",
    "Isla", "Jayden", "Kacey", "Kai", "Leah", "Liam", "Maisie", "Mason", "Mia", "Noah", "Olivia", "Reece",
    "Ruby", "Ryan", "Sienna", "Tyler", "Zara", "Zoë", "Yusuf", "Hamza", "Precious", "Oliwia", "Tomasz",
)

FAMILY_NAMES: tuple[str, ...] = (
    "Ahmed", "Atkinson", "Barker", "Brennan", "Clarke", "Cooper", "Davies", "Eastwood", "Fletcher",
    "Gorecki", "Hall", "Haworth", "Ibrahim", "Jackson", "Kowalski", "Lund", "McDonald", "Mahmood", "Nolan",
    "Okafor", "O'Neill", "Pilling", "Quinn", "Robinson", "Shaw", "Taylor", "Tomlinson", "Walker", "Wood",
    "Yates",
)

_BY_EMAIL = {member.email: member for team in TEAMS for member in (team.manager, *team.advisers)}


def staff_member(email: str) -> StaffMember | None:
    """The roster entry for a staff email, or ``None`` (an address typed wrong, or not on the roster)."""
    return _BY_EMAIL.get(email)
