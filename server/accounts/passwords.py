"""Password hashing. Argon2 with the library's production costs; ``fast`` costs only for
tests and for loading demo data (``LIANXIN_PASSWORD_HASHING=fast``)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from server.config import get_settings


@lru_cache(maxsize=2)
def _hasher(mode: str) -> PasswordHash:
    if mode == "fast":
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return _hasher(get_settings().password_hashing).hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher(get_settings().password_hashing).verify(password, password_hash)
    except Exception:  # a malformed stored hash must not become a 500
        return False


# Verifying against this when the username is unknown keeps the timing of both failures alike.
def dummy_verify() -> None:
    verify_password("x", hash_password("not-a-real-password"))


MIN_PASSWORD_LENGTH = 8


def check_password_strength(password: str) -> str | None:
    """An English msgid saying what is wrong with a new password, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "A password needs at least 8 characters."
    if password.isdigit() or password.isalpha():
        return "A password needs both letters and digits."
    return None
