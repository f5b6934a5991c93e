"""Open311 API keys: issued by an admin (the admin page or ``lianxin open311-key``), each
bound to the account whose permissions apply to what it files, revocable. Only the key's
SHA-256 is stored; the key itself is shown once, when it is issued."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from server.accounts import people_repository
from server.audit import service as audit
from server.errors import InvalidInput, NotFound
from server.models import Open311Key, Person, utcnow
from server.open311 import repository

PREFIX_LENGTH = 8
MAX_LABEL = 100
ENTITY = "open311_key"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    key: str  # the secret: show it now, it is never shown again
    row: Open311Key


def issue(session: Session, actor: Person | None, username: str, *, label: str = "", note: str = "") -> Issued:
    """A new key filing as ``username``'s account; audited."""
    username, label = (username or "").strip(), (label or "").strip()
    errors: dict[str, str] = {}
    person = people_repository.person_by_username(session, username) if username else None
    if person is None:
        errors["username"] = "There is no account with this username."
    elif not person.active:
        errors["username"] = "This account is deactivated."
    if len(label) > MAX_LABEL or "\x00" in label:
        errors["label"] = "At most 100 characters."
    if errors:
        raise InvalidInput("Please correct the marked fields.", errors)
    key = _new_key()
    row = Open311Key(key_hash=digest(key), prefix=key[:PREFIX_LENGTH], label=label, person_id=person.id,
                     created_by_id=actor.id if actor else None, created_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=row.id, label=f"{row.prefix}… {person.username}",
                 after=audit.snapshot(row, exclude=("key_hash",)), note=note)
    return Issued(key, row)


def _new_key() -> str:
    """A fresh key that does not start with "-": its prefix is what `lianxin open311-key revoke`
    takes, and a command line reads "-Ol54…" as an option (1 key in 64 would be refused)."""
    while True:
        key = secrets.token_urlsafe(30)
        if not key.startswith("-"):
            return key


def revoke(session: Session, actor: Person | None, key: Open311Key, *, note: str = "") -> Open311Key:
    """Revoke ``key`` (again is a no-op); audited."""
    if key.revoked_at is None:
        audit.change(session, actor, key, {"revoked_at": utcnow()}, entity=ENTITY, label=f"{key.prefix}…",
                     action="revoke", note=note)
    return key


def get(session: Session, key_id: int) -> Open311Key:
    key = session.get(Open311Key, key_id)
    if key is None:
        raise NotFound("There is no such key.")
    return key


def find(session: Session, key_or_prefix: str) -> Open311Key:
    """A key by the key itself or by the prefix lists show (when it names one key)."""
    text = (key_or_prefix or "").strip().rstrip("…")
    found = repository.key_by_hash(session, digest(text)) if text else None
    if found is not None:
        return found
    matches = repository.keys_by_prefix(session, text) if len(text) == PREFIX_LENGTH else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise InvalidInput("Several keys start with this prefix: give the whole key.", {"key": "Ambiguous."})
    raise NotFound("There is no such key.")


def resolve(session: Session, key: str) -> tuple[Open311Key, Person] | None:
    """The live key and its active account for an ``api_key``, or None."""
    if not key or len(key) > 200:
        return None
    row = repository.key_by_hash(session, digest(key))
    if row is None or row.revoked_at is not None:
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    return row, person


def mark_used(session: Session, key_id: int, now: datetime | None = None) -> None:
    """Stamp a key's last use, in the unit of work that used it."""
    session.get_one(Open311Key, key_id).last_used_at = now or utcnow()
