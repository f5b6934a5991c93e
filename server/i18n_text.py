"""Text helpers below every layer: the no-op ``N_`` marker for msgids, and per-language text
stored in the database as ``{locale: text}`` maps."""

from __future__ import annotations

DEFAULT_LOCALE = "zh-Hans"
LOCALES = ("zh-Hans", "zh-Hant", "en")


def localized(texts: dict | None, locale: str = DEFAULT_LOCALE) -> str:
    """The text in ``locale``, falling back to Simplified Chinese, then to any text at all."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get(DEFAULT_LOCALE) or next(iter(texts.values()), "")


def missing_locales(texts: dict | None) -> list[str]:
    return [loc for loc in LOCALES if not (texts or {}).get(loc)]


def N_(message: str) -> str:
    """Marks a msgid for extraction where it is defined; translate it where it is shown.

    It lives here, below every layer, so that services and rules can define their labels
    without importing the web layer."""
    return message
