"""Where Lianxin's own files are: page templates, static files, message catalogues, seed files,
the holiday calendar and the migrations. Every other module asks here instead of working a path
out from its own ``__file__``.

Two layouts, one answer:

- a source checkout (also an editable install): the top-level ``web/``, ``seeds/`` and
  ``migrations/`` beside ``server/``;
- an installed wheel: site-packages has nothing beside ``server/``, so the build (``setup.py``)
  copies the three folders into the package as ``server/_data/`` and compiles the catalogues.

An installed copy is read-only: nothing writes into it at run time (:func:`writable_checkout`).
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib.resources import files
from pathlib import Path

# The folder inside the package that an installed wheel carries; setup.py writes it.
DATA_DIR_NAME = "_data"


def _locate() -> tuple[Path, bool]:
    # A plain file-system package gives a real path; a zipped one could not serve templates,
    # static files or Alembic scripts from disk anyway.
    package = Path(os.fspath(files(__package__)))
    installed = package / DATA_DIR_NAME
    if installed.is_dir():
        return installed, False
    checkout = package.parent
    if (checkout / "web" / "templates").is_dir() and (checkout / "migrations" / "env.py").is_file():
        return checkout, True
    raise RuntimeError(
        f"Lianxin's data files are missing: neither {installed} (an installed package) nor web/ and "
        f"migrations/ in {checkout} (a source checkout). Reinstall the package."
    )


ROOT, SOURCE_CHECKOUT = _locate()
"""The folder holding ``web/``, ``seeds/`` and ``migrations/``; whether it is a source checkout."""

SOURCE_ROOT: Path | None = ROOT if SOURCE_CHECKOUT else None
"""The checkout, for developer-only files (``babel.cfg``, ``pyproject.toml``); None when installed."""

TEMPLATES_DIR = ROOT / "web" / "templates"
STATIC_DIR = ROOT / "web" / "static"
TRANSLATIONS_DIR = ROOT / "web" / "translations"
SEEDS_DIR = ROOT / "seeds"
CALENDAR_FILE = SEEDS_DIR / "calendar.yaml"
MIGRATIONS_DIR = ROOT / "migrations"


def writable_checkout() -> bool:
    """True in a source checkout whose catalogues folder may be written: only there are the
    ``.mo`` files compiled at start-up (a fresh clone serves translated pages without a build
    step). An installed copy had them compiled by the build."""
    return SOURCE_CHECKOUT and os.access(TRANSLATIONS_DIR, os.W_OK)


@cache
def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``: the files are cached for a year, so a changed file
    must get a new address. Versioned vendor files need no hash."""
    if "/vendor/" in f"/{path}":
        return f"/static/{path}"
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"
