"""People: the one write path for accounts, whichever door they come through (the admin
pages, the bulk import, `lianxin create-user`, the seed loader). Create, edit, roles, password
resets, disabling; the rules are server/accounts/rules.py plus the look-ups here. Each change
is recorded in the audit trail (never the password hash) in its transaction.

Disabling and resetting revoke every session and token of the person at once: sign-in and
token look-ups check ``Person.active``, and revoked tokens stop working at the next request."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from server.accounts import people_repository as people_repo
from server.accounts import rules
from server.accounts import service as account_service
from server.accounts.passwords import check_password_strength, hash_password
from server.audit import service as audit
from server.checks import raise_if_invalid
from server.enums import Role
from server.errors import Forbidden, InvalidInput, NotFound
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
    # None keeps what the person has (a new account: not a party member), so a door that does
    # not show party membership (the bulk import) never clears it.
    is_party_member: bool | None = None
    party_branch: str | None = None


def get(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person.")
    return person


def validate(session: Session, data: PersonInput, current: Person | None) -> dict:
    """The cleaned values, or InvalidInput with a message per field: the one set of rules for
    an account, whichever door or file it comes from (server/accounts/rules.py, and here what
    needs the database)."""
    errors: dict[str, str] = {}
    username = rules.username(errors, data.username)
    if "username" not in errors:
        other = people_repo.person_by_username(session, username)
        if other is not None and other is not current:
            errors["username"] = "This username is taken."
    display_name = rules.display_name(errors, data.display_name)
    phone, email = rules.contact(errors, data.phone, data.email)
    roles = rules.roles(errors, data.roles)
    department = _existing(session, Department, data.department_id, current and current.department_id)
    enterprise = _existing(session, Enterprise, data.enterprise_id, current and current.enterprise_id)
    if department is False:
        errors["department_id"] = "This department does not exist or is no longer active."
    if enterprise is False:
        errors["enterprise_id"] = "This enterprise does not exist or is no longer active."
    rules.belonging(errors, roles, has_department=department is not None, has_enterprise=enterprise is not None)
    is_member = data.is_party_member if data.is_party_member is not None else bool(current and current.is_party_member)
    kept_branch = current.party_branch if current is not None and is_member else ""
    is_party_member, party_branch = rules.party(
        errors, is_member, data.party_branch if data.party_branch is not None else kept_branch)
    raise_if_invalid(errors)
    return {
        "is_party_member": is_party_member, "party_branch": party_branch,
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


def add(session: Session, data: PersonInput, *, password_hash: str = NO_PASSWORD) -> Person:
    """Check and insert an account, without an audit entry: the core of :func:`create`, for the
    seed loader (demo accounts sharing one password hash) and test factories."""
    values = validate(session, data, None)
    roles = values.pop("roles")
    person = Person(**values, password_hash=password_hash, role_rows=[PersonRole(role=r) for r in sorted(roles)])
    session.add(person)
    session.flush()
    return person


def create(session: Session, actor: Person | None, data: PersonInput, *, password: str | None = None,
           note: str = "") -> Person:
    """A new account, recorded in the audit trail (``actor`` None: the command line, named in
    ``note``). Without ``password`` it has no usable password yet: the admin resets it to hand
    out a temporary one, which must be changed at the first sign-in."""
    if password is not None:
        problem = check_password_strength(password, username=data.username)
        if problem:
            raise InvalidInput("Please correct the marked fields.", {"password": problem})
    person = add(session, data, password_hash=hash_password(password) if password is not None else NO_PASSWORD)
    person.must_change_password = password is None
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=person.id, label=person.username,
                 after=_snapshot(person), note=note)
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
    roles = rules.normalized_roles(roles)
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
