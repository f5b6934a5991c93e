"""The main areas of the site and which roles may enter each: the header's links and the home
page's choices both come from here, so a link never shows to someone it would refuse.

The header groups the centre's programme, rooms and clubs under one entry (a ``<details>``
menu: it opens without JavaScript), so that a member's header stays short on a phone."""

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
    # An area the home page may send someone straight to (the finder is beside a worker's
    # own area, never instead of it).
    landing: bool = True
    # Areas of one group share a menu in the header (GROUP_LABELS) when there are two or more.
    group: str | None = None


GROUP_LABELS = {"centre": N_("Programme and rooms")}


AREAS = (
    Area("/menu", N_("Service menu"), frozenset({Role.member, Role.contact})),
    # One /requests link: the finder for anyone who works on requests, else "my requests".
    Area("/requests", N_("Find requests"), frozenset({Role.staff, Role.lead, Role.dispatcher, Role.supervisor, Role.admin}),
         landing=False),
    Area("/requests", N_("My requests"), frozenset({Role.member, Role.contact})),
    Area("/desk", N_("Department desk"), frozenset({Role.staff, Role.lead})),
    Area("/dispatch", N_("Dispatch board"), frozenset({Role.dispatcher})),
    Area("/supervision", N_("Supervision"), frozenset({Role.supervisor})),
    # A lead's department figures and an admin's view of them: a link, not their home.
    Area("/supervision", N_("Supervision"), frozenset({Role.lead, Role.admin}), landing=False),
    Area("/admin", N_("Admin"), frozenset({Role.admin})),
    # The pioneer index 先锋指数: a party member's own score, the centre's ranking; nobody's home.
    Area("/pioneer", N_("Pioneer index"),
         frozenset({Role.member, Role.contact, Role.dispatcher, Role.supervisor, Role.admin}), landing=False),
    # The public board 晒单: for everyone, nobody's home.
    Area("/board", N_("Public board"), frozenset(Role), landing=False),
    # Visits 走访: the plan for the centre's people; an enterprise contact's own visits.
    Area("/visits", N_("Visits"), frozenset({Role.staff, Role.lead, Role.dispatcher, Role.supervisor, Role.admin}),
         landing=False),
    Area("/visits/log", N_("Visits"), frozenset({Role.contact}), landing=False),
    # Rooms 阵地预约: everyone may book a free slot; beside each role's own area, nobody's home.
    Area("/rooms", N_("Rooms"), frozenset(Role), landing=False, group="centre"),
    # The centre's programme 活动 and its clubs: for everyone, nobody's home.
    Area("/activities", N_("Programme"), frozenset(Role), landing=False, group="centre"),
    Area("/clubs", N_("Clubs"), frozenset({Role.member, Role.contact}), landing=False, group="centre"),
)


# Menu services that have a page of their own instead of a free-text request: the menu's card
# links there and the order form sends people on (the service stays, for the old requests).
SERVICE_PAGES = {"resources.venue-booking": "/rooms"}


def nav_areas(person: Person | None, *, landing_only: bool = False) -> list[Area]:
    """The header's links: one per path, the first area that lets the person in."""
    if person is None:
        return []
    roles = person.roles
    shown: dict[str, Area] = {}
    for area in AREAS:
        if area.roles & roles and (area.landing or not landing_only):
            shown.setdefault(area.path, area)
    return list(shown.values())


def areas_for(person: Person | None) -> list[Area]:
    """The areas the home page offers (and sends a one-area person straight to)."""
    return nav_areas(person, landing_only=True)


def is_current(area: Area, path: str) -> bool:
    return path == area.path or path.startswith(area.path + "/")


@dataclass(frozen=True)
class NavEntry:
    """One entry of the header: a link (``items`` holds just it), or a group's menu."""

    label: str  # an English msgid
    items: tuple[tuple[Area, bool], ...]  # (area, current)
    group: str | None = None

    @property
    def current(self) -> bool:
        return any(current for _area, current in self.items)


def nav_entries(person: Person | None, path: str) -> list[NavEntry]:
    """The header: the person's areas in order, a group's areas together in one menu at the
    place of its first (a group of one is a plain link)."""
    areas = nav_areas(person)
    grouped: dict[str, list[Area]] = {}
    for area in areas:
        if area.group:
            grouped.setdefault(area.group, []).append(area)
    entries: list[NavEntry] = []
    for area in areas:
        members = grouped.get(area.group or "", [])
        if len(members) < 2:
            entries.append(NavEntry(area.label, ((area, is_current(area, path)),)))
        elif area is members[0]:
            entries.append(NavEntry(GROUP_LABELS[area.group], tuple((a, is_current(a, path)) for a in members), area.group))
    return entries
