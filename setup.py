"""The build step the wheel needs beyond setuptools' defaults: site-packages has no ``web/``,
``seeds/`` or ``migrations/`` beside the package, so they travel inside it as ``server/_data/``
(where ``server/resources.py`` looks first), with the message catalogues compiled to ``.mo``
here, at build time: an installed copy never writes into itself.

An editable install skips this: it reads the checkout (and ``make`` compiles the catalogues).
Everything else about the project is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_FOLDERS = ("web", "seeds", "migrations")
# Build output and caches of a working checkout stay out; the .mo files are compiled afresh.
SKIP = shutil.ignore_patterns("__pycache__", "*.py[co]", "*.mo", "*.tmp")


def compile_catalogues(directory: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as f:
            catalog = read_po(f)
        with po_path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


class BuildWithData(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "server" / "_data"
        # A build folder left from an earlier build may hold files deleted since.
        shutil.rmtree(target, ignore_errors=True)
        for name in DATA_FOLDERS:
            shutil.copytree(HERE / name, target / name, ignore=SKIP)
        compile_catalogues(target / "web" / "translations")


setup(cmdclass={"build_py": BuildWithData})
