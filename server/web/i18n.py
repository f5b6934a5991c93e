"""Translations for the pages: catalogues, one Jinja environment per locale, and the filters
that format dates, numbers and stored per-language text in the reader's language.

The compiled ``.mo`` files are build output (git-ignored): the wheel's build compiles them, and
in a source checkout :func:`compile_catalogues` builds them from the ``.po`` files when missing
or stale, so a fresh checkout serves translated pages without a separate ``pybabel compile``.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request

from server import resources
from server.config import get_settings
from server.errors import localize
from server.i18n_locale import negotiate, normalize_locale
from server.i18n_text import DEFAULT_LOCALE, LOCALES, localized

log = logging.getLogger("lianxin")

TEMPLATES_DIR = resources.TEMPLATES_DIR
TRANSLATIONS_DIR = resources.TRANSLATIONS_DIR
LANG_COOKIE = "lianxin_lang"

# Our locale tags → catalogue folder names and Babel locales (for dates and numbers).
CATALOGUE_DIRS = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}
BABEL_LOCALES = {"zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW", "en": "en"}
# Each language named in itself, so anyone can find their own in the switcher.
LANGUAGE_NAMES = {"zh-Hans": "简体", "zh-Hant": "繁體", "en": "English"}


# --- catalogues --------------------------------------------------------------------------------
def compile_catalogues(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every ``.po`` whose ``.mo`` is missing or older. Returns the files written.
    The installed package's own catalogues were compiled by its build: never written here."""
    if directory == TRANSLATIONS_DIR and not resources.writable_checkout():
        return []
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f)
        # Write beside and rename: workers starting together never read half a file.
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog)
            os.replace(tmp, mo_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(mo_path)
    return written


@cache
def translations(locale: str) -> NullTranslations:
    mo_path = TRANSLATIONS_DIR / CATALOGUE_DIRS[locale] / "LC_MESSAGES" / "messages.mo"
    if not mo_path.exists():
        compile_catalogues()
    if not mo_path.exists():
        log.warning("no catalogue for %s: showing the English msgids", locale)
        return NullTranslations()
    with mo_path.open("rb") as f:
        return Translations(fp=f)


def gettext_for(locale: str):
    return translations(locale).gettext


# --- formatting --------------------------------------------------------------------------------
@cache
def babel_locale(locale: str) -> Locale:
    return Locale.parse(BABEL_LOCALES[locale])


def _local(value: datetime) -> datetime:
    # Stored times are UTC; naive ones (SQLite) are UTC too.
    zone = ZoneInfo(get_settings().timezone)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(zone)


def make_filters(locale: str) -> dict:
    """The formatting filters of one locale's environment. Times show in the centre's zone."""
    babel = babel_locale(locale)
    gettext = gettext_for(locale)

    # Babel takes ~60 µs a time; a work list shows two or three per row and is rendered again
    # and again with the same times (every viewer's poll), so each text is kept. The zone is
    # part of the key: it is a setting.
    @lru_cache(maxsize=8192)
    def formatted(value: datetime, format: str, zone: str) -> str:
        return format_datetime(_local(value), format, locale=babel)

    def dt(value: datetime | None, format: str = "short") -> str:
        return "" if value is None else formatted(value, format, get_settings().timezone)

    @lru_cache(maxsize=8192)
    def tagged(value: datetime, zone: str) -> Markup:
        return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), formatted(value, "short", zone))

    def time_tag(value: datetime | None) -> Markup:
        """``<time datetime="…">short text</time>``, or "—" without a time: one filter call
        where a row wrote out the element, its isoformat() and the dt filter (twice a row)."""
        return Markup("—") if value is None else tagged(value, get_settings().timezone)

    def date_(value: date | datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = _local(value).date()
        return format_date(value, format, locale=babel)

    def number(value: float | int | None, format: str | None = None) -> str:
        return "" if value is None else format_decimal(value, format, locale=babel)

    def percent(value: float | None, format: str | None = None) -> str:
        return "" if value is None else format_percent(value, format, locale=babel)

    return {
        "dt": dt,
        "time_tag": time_tag,
        "date": date_,
        "number": number,
        "percent": percent,
        "localized": lambda texts: localized(texts, locale),
        "msg": lambda message: "" if message is None else localize(message, gettext),
    }


# --- environments ------------------------------------------------------------------------------
@cache
def environment(locale: str) -> Environment:
    """One environment per locale: translations installed once, not swapped per request."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html", "xml"), default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates change only with a new release, which restarts the server: no stat() of
        # every template (and every imported one) at each use.
        auto_reload=False,
    )
    # newstyle: _("Hello %(name)s", name=x) escapes x and never breaks on a stray %.
    env.install_gettext_translations(translations(locale), newstyle=True)
    env.filters.update(make_filters(locale))
    env.globals.update(language_names=LANGUAGE_NAMES, locales=LOCALES)
    return env


# --- choosing the locale -----------------------------------------------------------------------
def locale_for(request: Request) -> str:
    """Cookie → the person's saved choice → Accept-Language → zh-Hans. Cached per request."""
    cached = getattr(request.state, "locale", None)
    if cached:
        return cached
    locale = normalize_locale(request.cookies.get(LANG_COOKIE))
    person = getattr(request.state, "person", None)
    if locale not in LOCALES and person is not None:
        locale = normalize_locale(person.locale)
    if locale not in LOCALES:
        locale = negotiate(request.headers.get("accept-language"))
    request.state.locale = locale or DEFAULT_LOCALE
    return request.state.locale
