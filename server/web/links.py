"""Where we may send a browser after sign-in or a language switch: only our own paths."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``. Refuses absolute URLs,
    scheme-relative ``//host`` and ``/\\host`` (browsers treat ``\\`` as ``/``), and control
    characters that browsers strip before parsing."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
