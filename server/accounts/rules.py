"""The rules an account must meet, as pure functions that collect a message per field (English
msgids): usernames, names, contact details, roles and where they belong. No database here:
the people service (server/accounts/people.py) adds the checks that need one (a username
taken, a department or enterprise that exists), and the seed files are checked with the same
functions, so every door and every file refuses the same accounts."""

from __future__ import annotations

import re
from collections.abc import Iterable

from server.enums import Role

USERNAME_MAX = 64
DISPLAY_NAME_MAX = 100
PARTY_BRANCH_MAX = 100
PHONE_PATTERN = re.compile(r"^[0-9+\-() ]{0,30}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Errors = dict[str, str]


def username(errors: Errors, value: str) -> str:
    """1 to 64 characters without spaces (it is typed at every sign-in)."""
    value = value.strip()
    if not value or len(value) > USERNAME_MAX or any(c.isspace() for c in value):
        errors["username"] = "A username is 1 to 64 characters without spaces."
    return value


def display_name(errors: Errors, value: str) -> str:
    value = value.strip()
    if not value:
        errors["display_name"] = "A name is required."
    elif len(value) > DISPLAY_NAME_MAX:
        errors["display_name"] = "At most 100 characters."
    return value


def contact(errors: Errors, phone: str, email: str) -> tuple[str, str]:
    phone, email = phone.strip(), email.strip()
    if not PHONE_PATTERN.match(phone):
        errors["phone"] = "A phone number has digits and at most 30 characters."
    if email and (len(email) > 200 or not EMAIL_PATTERN.match(email)):
        errors["email"] = "This is not an e-mail address."
    return phone, email


def normalized_roles(roles: Iterable[str]) -> set[Role]:
    """Known roles only; a lead is always staff of their department too."""
    chosen = {Role(r) for r in roles if r in Role.__members__}
    if Role.lead in chosen:
        chosen.add(Role.staff)
    return chosen


def roles(errors: Errors, wanted: Iterable[str]) -> set[Role]:
    wanted = set(wanted)
    chosen = normalized_roles(wanted)
    if any(r not in Role.__members__ for r in wanted):
        errors["roles"] = "Unknown role."
    elif not chosen:
        errors["roles"] = "Choose at least one role."
    return chosen


def belonging(errors: Errors, roles: set[Role], *, has_department: bool, has_enterprise: bool) -> None:
    """Staff and leads work in a department; an enterprise contact speaks for an enterprise."""
    if roles & {Role.staff, Role.lead} and not has_department:
        errors.setdefault("department_id", "Staff and leads belong to a department.")
    if Role.contact in roles and not has_enterprise:
        errors.setdefault("enterprise_id", "An enterprise contact belongs to an enterprise.")


def party(errors: Errors, is_member: bool, branch: str) -> tuple[bool, str]:
    """A party member may name their branch 党支部; someone who is not one has no branch."""
    branch = branch.strip()
    if len(branch) > PARTY_BRANCH_MAX:
        errors["party_branch"] = "At most 100 characters."
    elif branch and not is_member:
        errors["party_branch"] = "Only a party member belongs to a party branch."
    return is_member, branch
