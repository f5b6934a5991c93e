"""Choosing a language from a request: an explicit choice, else Accept-Language, else zh-Hans."""

from __future__ import annotations

from server.i18n_text import DEFAULT_LOCALE, LOCALES

_ALIASES = {
    "zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "zh-hans": "zh-Hans",
    "zh-tw": "zh-Hant", "zh-hk": "zh-Hant", "zh-mo": "zh-Hant", "zh-hant": "zh-Hant",
    "en": "en",
}


def normalize_locale(tag: str | None) -> str | None:
    if not tag:
        return None
    tag = tag.strip().replace("_", "-").lower()
    if tag in _ALIASES:
        return _ALIASES[tag]
    for prefix in ("zh-hant", "zh-hans", "en"):
        if tag.startswith(prefix):
            return _ALIASES[prefix]
    return None


def negotiate(accept_language: str | None) -> str:
    """The best of our locales for an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        quality = 1.0
        for param in pieces[1:]:
            if param.strip().startswith("q="):
                try:
                    quality = float(param.strip()[2:])
                except ValueError:
                    quality = 0.0
        locale = normalize_locale(pieces[0])
        if locale in LOCALES and quality > 0:
            ranked.append((-quality, index, locale))
    return sorted(ranked)[0][2] if ranked else DEFAULT_LOCALE
