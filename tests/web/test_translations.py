"""The catalogues keep up with the code: every message the templates and the server show has a
Simplified and a Traditional translation, the .po files compile, placeholders survive
translation, and no template shows text that bypasses gettext.

When this fails after you add a message: run the commands in docs/TRANSLATING.md and fill in
the new msgstr entries in web/translations/zh_Hans and zh_Hant.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from server.resources import SOURCE_ROOT
from server.web.i18n import TEMPLATES_DIR, TRANSLATIONS_DIR

TRANSLATED = ("zh_Hans", "zh_Hant")
ALL_CATALOGUES = ("zh_Hans", "zh_Hant", "en")
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


@cache
def extracted() -> dict[str, set[str]]:
    """msgid → the files it comes from, extracted exactly as babel.cfg says."""
    with (SOURCE_ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(SOURCE_ROOT, method_map, options_map):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, set()).add(filename)
    return found


def catalogue(name: str):
    with (TRANSLATIONS_DIR / name / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def _untranslated(name: str, from_templates: bool) -> list[str]:
    cat = catalogue(name)
    missing = []
    for msgid, files in sorted(extracted().items()):
        if any(f.startswith("web/templates") for f in files) != from_templates:
            continue
        message = cat.get(msgid)
        if message is None or not message.string or message.fuzzy:
            missing.append(f"{msgid!r} (from {', '.join(sorted(files))})")
    return missing


def test_extraction_finds_templates_and_server_messages():
    messages = extracted()
    assert "Sign in" in messages  # a template
    assert "Wrong username or password." in messages  # NotAuthenticated(...) in a service
    assert "At most {limit} characters." in messages  # Msg(...)
    assert "Please enter a number." in messages  # answers.py's ValueError
    assert "Required." in messages  # a field message in an errors dict
    assert "Department desk" in messages  # N_(...)


@pytest.mark.parametrize("name", TRANSLATED)
def test_every_template_message_is_translated(name):
    missing = _untranslated(name, from_templates=True)
    assert not missing, f"{name} lacks translations for:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", TRANSLATED)
def test_every_server_message_is_translated(name):
    missing = _untranslated(name, from_templates=False)
    assert not missing, f"{name} lacks translations for:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", ALL_CATALOGUES)
def test_catalogue_compiles_and_keeps_placeholders(name):
    cat = catalogue(name)
    problems = [f"{m.id!r}: {errors}" for m, errors in cat.check() if errors]
    for message in cat:
        if message.id and message.string:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = sorted(PLACEHOLDER.findall(ids[0]))
            for string in strings:
                if sorted(PLACEHOLDER.findall(string)) != wanted:
                    problems.append(f"{message.id!r}: placeholders {wanted} but msgstr {string!r}")
    assert not problems, "\n".join(problems)
    write_mo(io.BytesIO(), cat)


# --- raw text in templates -----------------------------------------------------------------------
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_VISIBLE_ATTRIBUTE = re.compile(r'\b(title|alt|placeholder|aria-label|aria-description)="([^"]*)"')
_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&#?\w+;")
_WORDS = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def raw_text(source: str) -> list[str]:
    """Visible text in a template that no gettext call covers (a heuristic: text between tags
    and the attributes people read, after every Jinja construct is taken out)."""
    source = _JINJA_COMMENT.sub("", source)
    source = _TRANS_BLOCK.sub("", source)
    source = _JINJA.sub("", source)
    found = [f'{name}="{value}"' for name, value in _VISIBLE_ATTRIBUTE.findall(source) if _WORDS.search(value)]
    for text in _TAG.sub("\n", source).split("\n"):
        text = _ENTITY.sub("", text).strip()
        if _WORDS.search(text):
            found.append(text)
    return found


def test_raw_text_heuristic_catches_what_it_should():
    assert raw_text("<p>Hello</p>") == ["Hello"]
    assert raw_text("<p>你好</p>") == ["你好"]
    assert raw_text('<a title="Open">{{ _("Open") }}</a>') == ['title="Open"']
    assert raw_text('<p>{{ _("Hello") }} · {% trans n=1 %}{{ n }} more{% endtrans %}</p>{# note #}') == []


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*.html")))
def test_template_has_no_untranslated_text(template):
    found = raw_text((TEMPLATES_DIR / template).read_text(encoding="utf-8"))
    assert not found, f"{template} shows text outside gettext: {found}"


def test_no_template_has_inline_script_or_style():
    for path in Path(TEMPLATES_DIR).rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source), f"{path}: inline <script>"
        assert "<style" not in source and not re.search(r"\sstyle=", source), f"{path}: inline style"
        assert not re.search(r"\son[a-z]+=", source), f"{path}: inline event handler"
        assert "hx-on" not in source, f"{path}: hx-on evaluates script"


def test_every_error_type_is_known_to_the_extractor():
    """A new error class whose messages the extractor does not look for would ship them
    untranslated without any other test noticing."""
    from server import errors
    from server.web.extract import MSGID_ARGUMENT

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    missing = {c.__name__ for c in subclasses(errors.LianxinError) if c.__module__ == errors.__name__} - set(MSGID_ARGUMENT)
    assert not missing, f"add {sorted(missing)} to server/web/extract.py MSGID_ARGUMENT"


@pytest.mark.parametrize(("name", "foreign"), [("zh_Hans", "「」『』"), ("zh_Hant", "“”‘’")])
def test_each_chinese_catalogue_uses_its_own_quotation_marks(name, foreign):
    """Simplified Chinese quotes “like this”; Traditional Chinese 「like this」."""
    wrong = [m.string for m in catalogue(name) if m.id and m.string and any(c in m.string for c in foreign)]
    assert wrong == []
