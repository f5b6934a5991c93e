"""Sign-in and tokens. One function per write; callers own the transaction. Accounts are
created and changed by the people service (server/accounts/people.py)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from server.accounts import throttle
from server.accounts.passwords import dummy_verify, verify_password
from server.config import get_settings
from server.errors import NotAuthenticated, TooManyAttempts
from server.models import AuthToken, Person, utcnow
from server.notifications import repository as notifications_repo


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate(session: Session, username: str, password: str, *, address: str = "",
                 trusted_device: bool = False, now: datetime | None = None) -> Person:
    """The person with this username and password; refused (429) while the throttle says wait.

    A failure raises and so rolls the unit of work back: the door records it in a unit of
    its own with :func:`record_failed_sign_in` (``server.http.session.check_password`` does)."""
    now = now or utcnow()
    attempt = throttle.Attempt(username, address, trusted_device)
    wait = throttle.retry_after(session, attempt, now)
    if wait:
        raise TooManyAttempts(
            "Too many failed sign-ins; try again in {minutes} minutes.",
            {"minutes": max(1, (wait + 59) // 60)},
            retry_after=wait,
        )
    person = session.scalar(select(Person).where(Person.username == username.strip()))
    if person is None:
        dummy_verify()
        raise NotAuthenticated("Wrong username or password.")
    if not verify_password(password, person.password_hash) or not person.active:
        raise NotAuthenticated("Wrong username or password.")
    throttle.succeeded(session, attempt)
    return person


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


def resolve_token(session: Session, secret: str, *, kind: str = "api") -> tuple[Person, AuthToken] | None:
    """The active person behind a live, unrevoked token, or None."""
    if not secret:
        return None
    row = session.execute(_TOKEN_LOOKUP, {"token_hash": _digest(secret), "kind": kind}).unique().first()
    if row is None:
        return None
    token, person = row
    if token.revoked_at is not None or token.expires_at <= utcnow() or not person.active:
        return None
    return person, token


# The session's lookup also brings the bell's unread count (server/notifications), so that
# every page shows it without a query of its own.
_SESSION_LOOKUP = _TOKEN_LOOKUP.add_columns(notifications_repo.unread_count_column(Person.id).label("unread"))


def resolve_session(session: Session, secret: str) -> tuple[Person, AuthToken, int] | None:
    """Like :func:`resolve_token` for a session cookie, with the person's unread count."""
    if not secret:
        return None
    row = session.execute(_SESSION_LOOKUP, {"token_hash": _digest(secret), "kind": "session"}).unique().first()
    if row is None:
        return None
    token, person, unread = row
    if token.revoked_at is not None or token.expires_at <= utcnow() or not person.active:
        return None
    return person, token, unread or 0


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
