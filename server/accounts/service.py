"""Sign-in and tokens. One function per write; callers own the transaction. Accounts are
created and changed by the people service (server/accounts/people.py)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from server.accounts import throttle
from server.accounts.passwords import dummy_verify, verify_password
from server.catalog import snapshot
from server.config import get_settings
from server.errors import NotAuthenticated, TooManyAttempts
from server.models import AuthToken, Person, PersonRole, utcnow
from server.notifications import repository as notifications_repo


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class PendingSignIn:
    """A sign-in between its steps: the try (for the throttle) and the account as it was read
    (None when the username is unknown)."""

    attempt: throttle.Attempt
    person_id: int | None
    password_hash: str | None


def start_sign_in(session: Session, username: str, *, address: str = "", trusted_device: bool = False,
                  now: datetime | None = None) -> PendingSignIn:
    """Step 1: refused (429) while the throttle says wait; else the account to check against."""
    now = now or utcnow()
    attempt = throttle.Attempt(username, address, trusted_device)
    wait = throttle.retry_after(session, attempt, now)
    if wait:
        raise TooManyAttempts(
            "Too many failed sign-ins; try again in {minutes} minutes.",
            {"minutes": max(1, (wait + 59) // 60)},
            retry_after=wait,
        )
    row = session.execute(
        select(Person.id, Person.password_hash).where(Person.username == username.strip())
    ).first()
    return PendingSignIn(attempt, row.id if row else None, row.password_hash if row else None)


def password_matches(pending: PendingSignIn, password: str) -> bool:
    """Step 2, meant to run outside any unit of work: Argon2 costs about a quarter of a second
    of CPU, and inside a write it would hold SQLite's write lock (every other writer of the
    process waits) or a PostgreSQL connection for that long. An unknown username costs the
    same as a wrong password, so the time taken does not tell which usernames exist."""
    if pending.password_hash is None:
        dummy_verify()
        return False
    return verify_password(password, pending.password_hash)


def finish_sign_in(session: Session, pending: PendingSignIn) -> Person:
    """Step 3, once the password matched: the person as they are now. Refused if, since step 1,
    the account was disabled or its password changed (the password checked is no longer its)."""
    person = session.get(Person, pending.person_id) if pending.person_id is not None else None
    if person is None or not person.active or person.password_hash != pending.password_hash:
        raise NotAuthenticated("Wrong username or password.")
    throttle.succeeded(session, pending.attempt)
    return person


def authenticate(session: Session, username: str, password: str, *, address: str = "",
                 trusted_device: bool = False, now: datetime | None = None) -> Person:
    """The three steps in one unit of work, for a caller that holds one already (scripts, the
    seeding checks). The doors run them in units of their own (``server.http.session.check_password``)
    so that the password check holds no transaction.

    A failure raises and so rolls the unit of work back; the doors count every try with
    :func:`record_failed_sign_in` in their first unit, before the password is checked."""
    pending = start_sign_in(session, username, address=address, trusted_device=trusted_device, now=now)
    if not password_matches(pending, password):
        raise NotAuthenticated("Wrong username or password.")
    return finish_sign_in(session, pending)


def record_failed_sign_in(session: Session, username: str, address: str, *, now: datetime | None = None) -> None:
    throttle.failed(session, throttle.Attempt(username, address), now or utcnow())


def issue_token(session: Session, person: Person, *, kind: str = "api") -> tuple[str, AuthToken]:
    """A new random secret for ``person``; only its hash is stored. Returns (secret, row)."""
    settings = get_settings()
    ttl = settings.token_ttl_hours if kind == "api" else settings.session_ttl_hours
    secret = secrets.token_urlsafe(32)
    row = AuthToken(
        token_hash=_digest(secret),
        kind=kind,
        person_id=person.id,
        expires_at=utcnow() + timedelta(hours=ttl),
        csrf_token=secrets.token_urlsafe(32) if kind == "session" else None,
    )
    session.add(row)
    session.flush()
    return secret, row


# One statement for token, person and roles, built once: this runs on every authenticated call.
_TOKEN_LOOKUP = (
    select(AuthToken, Person)
    .join(Person, Person.id == AuthToken.person_id)
    .options(joinedload(Person.role_rows))
    .where(AuthToken.token_hash == bindparam("token_hash"), AuthToken.kind == bindparam("kind"))
)


def _usable(revoked_at: datetime | None, expires_at: datetime, active: bool) -> bool:
    """Whether a token still lets its person in: not revoked, not expired, the person active.
    Checked on every call (no cache), so a revocation or a deactivation stops the next one."""
    return revoked_at is None and expires_at > utcnow() and bool(active)


def resolve_token(session: Session, secret: str, *, kind: str = "api") -> tuple[Person, AuthToken] | None:
    """The active person behind a live, unrevoked token, or None."""
    if not secret:
        return None
    row = session.execute(_TOKEN_LOOKUP, {"token_hash": _digest(secret), "kind": kind}).unique().first()
    if row is None:
        return None
    token, person = row
    if not _usable(token.revoked_at, token.expires_at, person.active):
        return None
    return person, token


_TOKENS = AuthToken.__table__
_PEOPLE = Person.__table__
_ROLES = PersonRole.__table__
_PERSON_KEYS = tuple(c.key for c in _PEOPLE.columns)
_TOKEN_KEYS = tuple(c.key for c in _TOKENS.columns)
# The same lookup in Core, one row per role (outer join: a person may hold none), built once;
# the catalogue's revision rides along (snapshot.prime).
_TOKEN_PERSON = (
    select(*(c.label(f"token_{c.key}") for c in _TOKENS.columns), _ROLES.c.role, snapshot.revision_column(),
           *_PEOPLE.columns)
    .select_from(_TOKENS.join(_PEOPLE, _PEOPLE.c.id == _TOKENS.c.person_id)
                 .outerjoin(_ROLES, _ROLES.c.person_id == _PEOPLE.c.id))
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.kind == bindparam("kind"))
    .order_by(_ROLES.c.role)  # as Person.role_rows is ordered
)
# The session's lookup also brings the bell's unread count (server/notifications), so that
# every page shows it without a query of its own.
_SESSION_PERSON = _TOKEN_PERSON.add_columns(notifications_repo.unread_count_column(_PEOPLE.c.id).label("unread"))


def _caller(session: Session, statement, secret: str, kind: str):
    """(person, the lookup's first row) behind a usable token, the person detached; or None.

    Core rows and objects built as if loaded: on every authenticated call, and inside the
    busiest writes (a submission) under SQLite's process-wide write lock, loading token,
    person and roles through the ORM (joined eager load, uniquing, identity map) cost ~0.8 ms
    per call, this a fraction of it. The catalogue's revision comes along
    (:func:`snapshot.prime`): the unit of work's catalogue then needs no query of its own."""
    if not secret:
        return None
    rows = session.connection().execute(statement, {"token_hash": _digest(secret), "kind": kind}).all()
    if not rows:
        return None
    first = rows[0]
    snapshot.prime(session, first.catalog_revision)
    if not _usable(first.token_revoked_at, first.token_expires_at, first.active):
        return None
    mapping = first._mapping
    person = _loaded(Person, {key: mapping[key] for key in _PERSON_KEYS})
    roles = [_loaded(PersonRole, {"person_id": person.id, "role": row.role}) for row in rows if row.role is not None]
    set_committed_value(person, "role_rows", roles)
    return person, first


def token_person(session: Session, secret: str, *, kind: str = "api") -> Person | None:
    """The person :func:`resolve_token` finds, detached (in no session), or None: the API's
    caller (server.api.deps), which kept it detached anyway. Changes to it are never written,
    and its relationships other than its roles cannot be loaded from it."""
    found = _caller(session, _TOKEN_PERSON, secret, kind)
    return found[0] if found is not None else None


def resolve_session(session: Session, secret: str) -> tuple[Person, AuthToken, int] | None:
    """Like :func:`resolve_token` for a session cookie, with the person's unread count: the
    person and token in ``session``, as if loaded there."""
    found = _caller(session, _SESSION_PERSON, secret, "session")
    if found is None:
        return None
    person, row = found
    mapping = row._mapping
    token = _loaded(AuthToken, {key: mapping[f"token_{key}"] for key in _TOKEN_KEYS})
    session.add_all((person, token))
    return person, token, row.unread or 0


def _loaded(cls, values: dict):
    """A detached instance of ``cls`` holding ``values`` as if loaded, as the ORM's loader
    makes one: the values go straight into its dict (the constructor's attribute events cost
    more than the query here)."""
    obj = cls._sa_class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    return obj


def revoke_token(session: Session, secret: str) -> bool:
    token = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.flush()
    return True


def revoke_all_tokens(session: Session, person: Person) -> int:
    now = utcnow()
    tokens = session.scalars(
        select(AuthToken).where(AuthToken.person_id == person.id, AuthToken.revoked_at.is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
    session.flush()
    return len(tokens)
