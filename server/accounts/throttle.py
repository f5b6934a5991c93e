"""Sign-in throttling, shared by every worker through the database (``sign_in_failure``).

Two counts over the last 15 minutes, and what each one does:
- per account (the username as typed, known or not, so a refusal tells nothing about which
  accounts exist): after 5 failures each further try must wait, 30 s after the 5th failure,
  doubling with each failure after it, at most 15 minutes. A slowed attacker gets a handful
  of guesses an hour; nobody is locked out for good.
- per client address, across all usernames: after 30 failures the address waits until its
  oldest counted failure ages out. This stops trying one password on many accounts.
A browser in which the account has signed in before carries a signed device cookie
(``server.http.device``): its tries skip both waits, so an attacker hammering an account
cannot keep its owner out. Its failures still count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.models import SignInFailure

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 30
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)


def account_key(username: str) -> str:
    return username.strip().casefold()[:200]


@dataclass(frozen=True)
class Attempt:
    username: str
    address: str  # the client's IP address ("" when unknown)
    trusted_device: bool = False  # the browser carries this account's device cookie


def retry_after(session: Session, attempt: Attempt, now: datetime) -> int:
    """Seconds until ``attempt`` may be tried; 0 when it may be tried now."""
    if attempt.trusted_device:
        return 0
    since = now - WINDOW
    waits = [0.0]
    times = session.execute(
        select(func.count(), func.max(SignInFailure.at))
        .where(SignInFailure.account == account_key(attempt.username), SignInFailure.at > since)
    ).one()
    count, latest = times
    if count >= ACCOUNT_FAILURES and latest is not None:
        delay = min(WINDOW, FIRST_DELAY * 2 ** (count - ACCOUNT_FAILURES))
        waits.append((latest + delay - now).total_seconds())
    if attempt.address:
        oldest = session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.address == attempt.address, SignInFailure.at > since)
            .order_by(SignInFailure.at.desc())
            .offset(ADDRESS_FAILURES - 1)
            .limit(1)
        ).first()
        if oldest is not None:
            waits.append((oldest + WINDOW - now).total_seconds())
    wait = max(waits)
    return int(wait) + 1 if wait > 0 else 0


def failed(session: Session, attempt: Attempt, now: datetime) -> None:
    session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))
    session.add(SignInFailure(at=now, account=account_key(attempt.username), address=attempt.address[:64]))
    session.flush()


def succeeded(session: Session, attempt: Attempt) -> None:
    """The account's count starts again; the address's stays (it may be spraying)."""
    session.execute(delete(SignInFailure).where(SignInFailure.account == account_key(attempt.username)))
