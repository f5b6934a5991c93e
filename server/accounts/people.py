"""People: accounts as the admin keeps them. Create, edit, roles, password resets, disabling.
Each change is recorded in the audit trail (never the password hash) in its transaction.

Disabling and resetting revoke every session and token of the person at once: sign-in and
token look-ups check ``Person.active``, and revoked tokens stop working at the next request."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from server.accounts import people_repository as people_repo
from server.accounts import service as account_service
from server.accounts.passwords import hash_password
from server.audit import service as audit
from server.checks import check_contact, raise_if_invalid
from server.enums import Role
from server.errors import Forbidden, NotFound
from server.models import Department, Enterprise, Person, PersonRole

ENTITY = "person"
# Imported accounts get no usable password: pwdlib cannot parse this, so nobody signs in with
# it until an admin resets the password (which also shows the temporary one).
NO_PASSWORD = "!no-password"
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read out over the phone


@dataclass
class PersonInput:
    username: str
    display_name: str
    roles: set[str] = field(default_factory=set)
    phone: str = ""
    email: str = ""
    enterprise_id: int | None = None
    department_id: int | None = None


def get(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person.")
    return person


def normalized_roles(roles: Iterable[str]) -> set[Role]:
    """Known roles only; a lead is always staff of their department too."""
    chosen = {Role(r) for r in roles if r in Role.__members__}
    if Role.lead in chosen:
        chosen.add(Role.staff)
    return chosen


def validate(session: Session, data: PersonInput, current: Person | None) -> dict:
    """The cleaned values, or InvalidInput with a message per field."""
    errors: dict[str, str] = {}
    username = data.username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        errors["username"] = "A username is 1 to 64 characters without spaces."
    else:
        other = people_repo.person_by_username(session, username)
        if other is not None and other is not current:
            errors["username"] = "This username is taken."
    display_name = data.display_name.strip()
    if not display_name:
        errors["display_name"] = "A name is required."
    elif len(display_name) > 100:
        errors["display_name"] = "At most 100 characters."
    phone, email = data.phone.strip(), data.email.strip()
    check_contact(phone, email, errors)
    unknown = {r for r in data.roles if r not in Role.__members__}
    roles = normalized_roles(data.roles)
    if unknown:
        errors["roles"] = "Unknown role."
    elif not roles:
        errors["roles"] = "Choose at least one role."
    department = _existing(session, Department, data.department_id, current and current.department_id)
    enterprise = _existing(session, Enterprise, data.enterprise_id, current and current.enterprise_id)
    if department is False:
        errors["department_id"] = "This department does not exist or is no longer active."
    elif roles & {Role.staff, Role.lead} and department is None:
        errors["department_id"] = "Staff and leads belong to a department."
    if enterprise is False:
        errors["enterprise_id"] = "This enterprise does not exist or is no longer active."
    elif Role.contact in roles and enterprise is None:
        errors["enterprise_id"] = "An enterprise contact belongs to an enterprise."
    raise_if_invalid(errors)
    return {
        "username": username, "display_name": display_name, "phone": phone, "email": email, "roles": roles,
        "department_id": department.id if department else None,
        "enterprise_id": enterprise.id if enterprise else None,
    }


def _existing(session: Session, model, wanted: int | None, kept: int | None):
    """The row for ``wanted``, None for none, False when it is missing or retired (a retired
    one may stay where it already is, but nobody new joins it)."""
    if wanted is None:
        return None
    row = session.get(model, wanted)
    if row is None or (not row.active and wanted != kept):
        return False
    return row


def create(session: Session, actor: Person | None, data: PersonInput, *, password_hash: str | None = None) -> Person:
    """A new account. Without ``password_hash`` it has no usable password yet: the admin
    resets it to hand out a temporary one."""
    values = validate(session, data, None)
    person = account_service.create_person(
        session, username=values["username"], password="", display_name=values["display_name"],
        roles=values["roles"], phone=values["phone"], email=values["email"],
        enterprise_id=values["enterprise_id"], department_id=values["department_id"],
        password_hash=password_hash or NO_PASSWORD,
    )
    person.must_change_password = True
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=person.id, label=person.username,
                 after=_snapshot(person))
    return person


def update(session: Session, actor: Person | None, person: Person, data: PersonInput) -> Person:
    values = validate(session, data, person)
    roles = values.pop("roles")
    _guard_self(actor, person, roles=roles)
    before = _snapshot(person)
    for key, value in values.items():
        setattr(person, key, value)
    _replace_roles(person, roles)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="update", entity_id=person.id, label=person.username,
                 before=before, after=_snapshot(person))
    return person


def set_roles(session: Session, actor: Person | None, person: Person, roles: Iterable[Role]) -> Person:
    """Only the roles (the department page uses this to change who leads it)."""
    roles = normalized_roles(roles)
    _guard_self(actor, person, roles=roles)
    before = _snapshot(person)
    _replace_roles(person, roles)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="update", entity_id=person.id, label=person.username,
                 before=before, after=_snapshot(person))
    return person


def reset_password(session: Session, actor: Person | None, person: Person) -> str:
    """A new temporary password, returned once for the admin to pass on. The person must
    change it at their next sign-in, and every open session and token of theirs ends now."""
    temporary = temporary_password()
    before = _snapshot(person)
    person.password_hash = hash_password(temporary)
    person.must_change_password = True
    account_service.revoke_all_tokens(session, person)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="reset_password", entity_id=person.id,
                 label=person.username, before=before, after=_snapshot(person))
    return temporary


def set_active(session: Session, actor: Person | None, person: Person, active: bool) -> Person:
    """Disable (or enable again) an account. Disabling ends every session and token at once."""
    if not active:
        _guard_self(actor, person, disabling=True)
    if person.active == active:
        return person
    before = _snapshot(person)
    person.active = active
    if not active:
        account_service.revoke_all_tokens(session, person)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="enable" if active else "disable", entity_id=person.id,
                 label=person.username, before=before, after=_snapshot(person))
    return person


def temporary_password() -> str:
    """Ten characters, letters and digits, so that it passes the strength check."""
    while True:
        value = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(10))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def _guard_self(actor: Person | None, person: Person, *, roles: set[Role] | None = None, disabling: bool = False) -> None:
    """An admin cannot lock themselves out: no disabling their own account, no dropping their
    own admin role (another admin must do it)."""
    if actor is None or actor.id != person.id:
        return
    if disabling:
        raise Forbidden("You cannot disable your own account.")
    if roles is not None and Role.admin in person.roles and Role.admin not in roles:
        raise Forbidden("You cannot remove your own administrator role.")


def _replace_roles(person: Person, roles: set[Role]) -> None:
    if person.roles == roles:
        return
    keep = [row for row in person.role_rows if Role(row.role) in roles]
    have = {Role(row.role) for row in keep}
    person.role_rows = keep + [PersonRole(role=r) for r in sorted(roles - have)]


def _snapshot(person: Person) -> dict:
    values = audit.snapshot(person)
    values["roles"] = sorted(person.roles)
    return values
