"""Sign-in throttling: after too many failed passwords for one username, refuse further
attempts for a while, so a password cannot be guessed at the speed of the server.

Counted per username (known or not, so the refusal tells nothing about which accounts exist)
and per process: several app workers each keep their own count, which multiplies the allowance
but still stops guessing at scale. The state lives in the database's per-process cache, so
tests with separate databases never share it."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
# Past this many tracked names, old entries are swept (bounded memory under a spray attack).
MAX_TRACKED = 10_000


@dataclass
class SignInThrottle:
    max_failures: int = MAX_FAILURES
    window: float = WINDOW_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, username: str, now: float | None = None) -> int:
        """Seconds until ``username`` may try again; 0 when it may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(_key(username), now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= MAX_TRACKED:
                self._sweep(now)
            self._recent(_key(username), now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(_key(username), None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def _sweep(self, now: float) -> None:
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= now - self.window]:
            del self._failures[key]


def _key(username: str) -> str:
    return username.strip().casefold()


_CACHE_KEY = "sign_in_throttle"
_create_lock = threading.Lock()


def for_cache(cache: dict | None) -> SignInThrottle:
    """The throttle kept in a database's per-process cache (a throwaway one without cache)."""
    if cache is None:
        return SignInThrottle()
    with _create_lock:
        throttle = cache.get(_CACHE_KEY)
        if throttle is None:
            throttle = cache[_CACHE_KEY] = SignInThrottle()
        return throttle
