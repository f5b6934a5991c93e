"""The catalogues for messages written outside any page (e-mails, the API's texts): the
worker has no request to negotiate a language from, so it reads the compiled catalogue of
the recipient's language itself."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from server import resources
from server.i18n_locale import normalize_locale
from server.i18n_text import DEFAULT_LOCALE

_DIRS = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}


@cache
def gettext_for(locale: str | None) -> Callable[[str], str]:
    from babel.support import Translations

    tag = normalize_locale(locale or "") or DEFAULT_LOCALE
    return Translations.load(str(resources.TRANSLATIONS_DIR), [_DIRS.get(tag, "zh_Hans")]).gettext


def locale_of(locale: str | None) -> str:
    return normalize_locale(locale or "") or DEFAULT_LOCALE
