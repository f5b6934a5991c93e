"""Who may do what with rooms and bookings: the one place the pages, the API and the service
ask. Pure: no database.

- Everyone signed in with a role may book a free slot: members and enterprise contacts for
  themselves and their companies, centre and department staff for their work (an activity
  books its room through the same service).
- The centre decides: dispatchers (the centre's staff, DESIGN.md "Who uses it") and admins
  approve and refuse bookings of rooms that need approval, and may cancel any booking. Their
  own bookings need no approval.
- The booker, the centre and supervisors see a booking's details (title, purpose, contact);
  an enterprise's contacts see its bookings too. Everyone else sees only that a slot is booked.
- Admins keep the list of rooms.
"""

from __future__ import annotations

from server.enums import Role
from server.models import Booking, Person

DECIDER_ROLES = frozenset({Role.dispatcher, Role.admin})
SEE_ALL_ROLES = DECIDER_ROLES | {Role.supervisor}


def may_book(person: Person) -> bool:
    return person.active and bool(person.roles)


def may_decide(person: Person) -> bool:
    return person.active and person.has_role(*DECIDER_ROLES)


def may_cancel(person: Person, booking: Booking) -> bool:
    return booking.booked_by_id == person.id or may_decide(person)


def sees_all(person: Person) -> bool:
    return person.has_role(*SEE_ALL_ROLES)


def may_see_details(person: Person | None, booking: Booking) -> bool:
    if person is None:
        return False
    if booking.booked_by_id == person.id or sees_all(person):
        return True
    return (person.has_role(Role.contact) and person.enterprise_id is not None
            and booking.enterprise_id == person.enterprise_id)
