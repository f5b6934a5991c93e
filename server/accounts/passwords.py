"""Password hashing. Argon2 with the library's production costs; ``fast`` costs only for
tests and for loading demo data (``LIANXIN_PASSWORD_HASHING=fast``)."""

from __future__ import annotations

from functools import lru_cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from server.config import get_settings
from server.i18n_text import N_


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


@lru_cache(maxsize=2)
def _dummy_hash(mode: str) -> str:
    return _hasher(mode).hash("not-a-real-password")


def dummy_verify() -> None:
    """What an unknown username costs: one verification against a hash made once per process
    with the same costs as real ones — the same work as a wrong password, so the time taken
    does not tell which usernames exist. (Hashing each time as well would double it.)"""
    verify_password("x", _dummy_hash(get_settings().password_hashing))


MIN_PASSWORD_LENGTH = 8

# Typical of Chinese users and missing from (or rare in) the English-speaking lists: "I love
# you" (woaini) with 1314 (一生一世) or 520 (我爱你), keyboard runs, QQ- and name-style
# patterns. Compared in lower case, like the big list.
CHINESE_COMMON = (
    "woaini1314", "woaini520", "woaini521", "woaini123", "woaini888", "iloveyou1314", "5201314a",
    "a5201314", "1314520a", "a1314520", "aa123456", "aa123456789", "a123456", "a1234567", "a12345678",
    "a123456789", "abc123456", "abc12345", "qq123456", "qq5201314", "123456aa", "123456a", "123456abc",
    "1qaz2wsx", "1q2w3e4r", "q1w2e3r4", "qwe123456", "qwer1234", "asd123456", "zxc123456",
    "zxcvbnm123", "woshishui", "wangyut2", "aini1314", "li123456", "zhang123", "wang1234",
    "password123", "admin123", "admin888", "lianxin123", "lianxin2026",
)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(CHINESE_COMMON)


def check_password_strength(password: str, *, username: str = "") -> str | None:
    """An English msgid saying what is wrong with a new password, or None. Refused: short
    ones, digits or letters only, the 30,000 most common passwords (zxcvbn's list) and the
    Chinese-typical ones above, and any that contain the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("A password needs at least 8 characters.")
    if password.isdigit() or password.isalpha():
        return N_("A password needs both letters and digits.")
    if password.lower() in _common_passwords():
        return N_("This password is among the most common ones; choose one nobody would guess.")
    if len(username) >= 3 and username.lower() in password.lower():
        return N_("A password must not contain the username.")
    return None
