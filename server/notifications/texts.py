"""The catalogues for messages written outside any page (e-mails, the API's texts): the
worker has no request to negotiate a language from, so it reads the catalogue of the
recipient's language itself — the compiled one, or, in a checkout where nothing compiled them
yet (a `lianxin worker` started before any page), the ``.po`` file compiled in memory."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from server import resources
from server.i18n_locale import normalize_locale
from server.i18n_text import DEFAULT_LOCALE

_DIRS = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}


def locale_of(locale: str | None) -> str:
    return normalize_locale(locale or "") or DEFAULT_LOCALE


@cache
def gettext_for(locale: str | None) -> Callable[[str], str]:
    folder = resources.TRANSLATIONS_DIR / _DIRS.get(locale_of(locale), "zh_Hans") / "LC_MESSAGES"
    mo, po = folder / "messages.mo", folder / "messages.po"
    if mo.exists():
        with mo.open("rb") as f:
            return Translations(fp=f).gettext
    if po.exists():
        buffer = io.BytesIO()
        with po.open("rb") as f:
            write_mo(buffer, read_po(f))
        buffer.seek(0)
        return Translations(fp=buffer).gettext
    return NullTranslations().gettext
