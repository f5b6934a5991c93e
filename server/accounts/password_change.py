"""A person changing their own password: after an admin's reset (``must_change_password``)
or whenever they like. Their other sessions and tokens end; the one in use stays."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.passwords import check_password_strength, hash_password, verify_password
from server.errors import InvalidInput
from server.models import AuthToken, Person, utcnow


def change_own_password(session: Session, person: Person, *, current: str, new: str, repeat: str,
                        keep_token_id: int | None = None) -> None:
    errors: dict[str, str] = {}
    if not verify_password(current, person.password_hash):
        errors["current_password"] = "This is not your current password."
    weakness = check_password_strength(new, username=person.username)
    if weakness:
        errors["new_password"] = weakness
    elif new == current:
        errors["new_password"] = "Choose a password different from the current one."
    if new != repeat:
        errors["repeat_password"] = "The two new passwords differ."
    if errors:
        raise InvalidInput("The password was not changed.", errors)
    person.password_hash = hash_password(new)
    person.must_change_password = False
    # Whoever else holds a session or token of this person (the reason to change it, maybe)
    # loses it now.
    now = utcnow()
    for token in session.scalars(select(AuthToken).where(
        AuthToken.person_id == person.id, AuthToken.revoked_at.is_(None), AuthToken.id != (keep_token_id or -1),
    )):
        token.revoked_at = now
    session.flush()


def must_change(session: Session, person_id: int) -> bool:
    return bool(session.scalar(select(Person.must_change_password).where(Person.id == person_id)))
