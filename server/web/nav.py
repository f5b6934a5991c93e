"""The main areas of the site and which roles may enter each: the header's links and the home
page's choices both come from here, so a link never shows to someone it would refuse."""

from __future__ import annotations

from dataclasses import dataclass

from server.enums import Role
from server.i18n_text import N_
from server.models import Person


@dataclass(frozen=True)
class Area:
    path: str
    label: str  # an English msgid
    roles: frozenset[Role]  # whose own area it is: the home page offers it (or goes straight there)
    # Who may also follow the link without it being a home of theirs (a lead's department
    # figures, the public board for every signed-in person).
    also: frozenset[Role] = frozenset()
    everyone: bool = False


AREAS = (
    Area("/menu", N_("Service menu"), frozenset({Role.member, Role.contact})),
    Area("/requests", N_("My requests"), frozenset({Role.member, Role.contact})),
    Area("/desk", N_("Department desk"), frozenset({Role.staff, Role.lead})),
    Area("/dispatch", N_("Dispatch board"), frozenset({Role.dispatcher})),
    Area("/supervision", N_("Supervision"), frozenset({Role.supervisor}), also=frozenset({Role.admin, Role.lead})),
    Area("/admin", N_("Admin"), frozenset({Role.admin})),
    Area("/board", N_("Public board"), frozenset(), everyone=True),
)


def areas_for(person: Person | None) -> list[Area]:
    """Every area whose link this person may follow: the header's links."""
    if person is None:
        return []
    roles = person.roles
    return [area for area in AREAS if area.everyone or (area.roles | area.also) & roles]


def home_areas(person: Person | None) -> list[Area]:
    """The areas that are this person's own: the home page's choices (one: straight there)."""
    if person is None:
        return []
    return [area for area in AREAS if area.roles & person.roles]


def is_current(area: Area, path: str) -> bool:
    return path == area.path or path.startswith(area.path + "/")
