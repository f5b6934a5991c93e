#!/bin/sh
# The image's build steps, also what check.sh runs in CI: build the wheel from the source tree
# (setup.py compiles the message catalogues into it), install it with the S3 client into a
# fresh venv, and check that the templates, static files and compiled catalogues came along.
#
#   docs/deploy/install.sh SOURCE_DIR VENV_DIR
set -eu
source_dir=$1
venv=$2
python=${PYTHON:-python3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$venv"
# The build itself runs isolated (setuptools and babel from pyproject.toml's build-system).
"$venv/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$work" "$source_dir"
wheel=$(ls "$work"/lianxin-*.whl)
"$venv/bin/pip" install --quiet --disable-pip-version-check "$wheel[s3]"

"$venv/bin/python" - <<'PY'
from server import resources

assert resources.SOURCE_ROOT is None, "the installed copy must not read a source checkout"
for locale in ("zh_Hans", "zh_Hant", "en"):
    mo = resources.TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.mo"
    assert mo.is_file(), f"no compiled catalogue {mo}"
assert (resources.TEMPLATES_DIR / "base.html").is_file()
assert (resources.STATIC_DIR / "app.css").is_file()
assert (resources.MIGRATIONS_DIR / "env.py").is_file()
import minio  # noqa: F401 - LIANXIN_STORAGE=s3 works in the image
print("install.sh: installed with its data files in", resources.ROOT)
PY
