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
    roles: frozenset[Role]


AREAS = (
    Area("/menu", N_("Service menu"), frozenset({Role.member, Role.contact})),
    Area("/requests", N_("My requests"), frozenset({Role.member, Role.contact})),
    Area("/desk", N_("Department desk"), frozenset({Role.staff, Role.lead})),
    Area("/dispatch", N_("Dispatch board"), frozenset({Role.dispatcher})),
    Area("/supervision", N_("Supervision"), frozenset({Role.supervisor})),
    Area("/admin", N_("Admin"), frozenset({Role.admin})),
)


def areas_for(person: Person | None) -> list[Area]:
    if person is None:
        return []
    roles = person.roles
    return [area for area in AREAS if area.roles & roles]


def is_current(area: Area, path: str) -> bool:
    return path == area.path or path.startswith(area.path + "/")
