"""Who sees and records what of the pioneer index (docs/PIONEER.md "Who sees what"). Pure.

- A party member sees their own score, its parts, its records and its trend; nobody else's.
- The centre — dispatchers (its staff, DESIGN.md "Who uses it"), supervisors (its
  leadership) and admins — sees every member's score, the ranking and the 创新先锋 shortlist,
  and records volunteer hours and attendance.
- Contribution points, awarded or deducted, are the leadership's call: supervisors and
  admins only.
- Department staff, leads, enterprise contacts and members see no one else's score."""

from __future__ import annotations

from server.enums import Role
from server.models import Person

CENTRE_ROLES = frozenset({Role.dispatcher, Role.supervisor, Role.admin})
AWARD_ROLES = frozenset({Role.supervisor, Role.admin})


def is_centre(person: Person) -> bool:
    return person.has_role(*CENTRE_ROLES)


def can_award(person: Person) -> bool:
    return person.has_role(*AWARD_ROLES)


def can_see_score(viewer: Person, subject_id: int) -> bool:
    return viewer.id == subject_id or is_centre(viewer)
