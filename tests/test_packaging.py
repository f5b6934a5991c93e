"""A non-editable install (what a container image does) works on its own: the wheel carries the
templates, static files, compiled catalogues, seeds and migrations, and the installed copy
migrates, seeds and serves translated pages without the source tree and without writing into
itself. Builds and installs the wheel once (~15 s); ``-m "not packaging"`` leaves it out."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from server import resources

pytestmark = pytest.mark.packaging

# What a build reads; copied so that the build's own output (build/, *.egg-info) never lands
# in the working tree and parallel runs never share it.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "babel.cfg", "server", "web", "seeds", "migrations")


def _skip_reason() -> str | None:
    if resources.SOURCE_ROOT is None:
        return "runs from a source checkout only (the suite runs against an installed copy)"
    try:
        setuptools_version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed here: pip install -e '.[test]'"
    if int(setuptools_version.split(".")[0]) < 77:
        return f"setuptools {setuptools_version} is too old to build offline (>= 77): pip install -e '.[test]'"
    return None


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    source.mkdir()
    # No .mo files: the build must compile the catalogues itself.
    skip = shutil.ignore_patterns("__pycache__", "*.py[co]", "*.mo")
    for name in BUILD_INPUTS:
        origin = resources.SOURCE_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=skip)
        else:
            shutil.copy2(origin, source / name)
    # Without build isolation: offline, and seconds faster; the test extras bring setuptools.
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", str(work / "dist"), str(source)])
    (built,) = (work / "dist").glob("lianxin-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path) -> Path:
    target = wheel.parent.parent / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
          "--target", str(target), str(wheel)])
    return target


def test_the_wheel_carries_the_data_files(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = "server/_data/"
    for expected in (
        "web/templates/base.html",
        "web/static/app.css",
        "web/translations/zh_Hans/LC_MESSAGES/messages.mo",
        "web/translations/zh_Hant/LC_MESSAGES/messages.mo",
        "web/translations/en/LC_MESSAGES/messages.mo",
        "seeds/catalog.yaml",
        "seeds/calendar.yaml",
        "migrations/env.py",
        "migrations/script.py.mako",
    ):
        assert data + expected in names
    versions = {n for n in names if n.startswith(data + "migrations/versions/") and n.endswith(".py")}
    assert len(versions) == len(list((resources.MIGRATIONS_DIR / "versions").glob("*.py")))


SERVE = textwrap.dedent(
    """
    import json, re, sys
    from pathlib import Path

    import server
    from server import resources
    from fastapi.testclient import TestClient
    from server.app import create_app

    found = {"package": server.__file__, "checkout": resources.SOURCE_CHECKOUT, "sys_path": sys.path}
    with TestClient(create_app(), cookies={"lianxin_lang": "zh-Hant"}) as client:
        page = client.get("/login")
        found["login"] = page.status_code
        found["signs_in"] = "登入" in page.text
        css = re.search(r'href="(/static/app\\.css\\?v=\\w+)"', page.text)
        found["css"] = client.get(css.group(1)).status_code if css else None
        found["ready"] = client.get("/readyz").status_code
    print(json.dumps(found))
    """
)


def _snapshot(tree: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(tree)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in tree.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_installed_copy_migrates_seeds_and_serves(installed: Path, tmp_path: Path):
    # -S: no site-packages processing, so the editable install's import hook for this checkout
    # is not loaded; the dependencies come from this venv's site-packages on PYTHONPATH, after
    # the installed copy. The working directory is empty: nothing is found relative to it.
    dependencies = [p for p in site.getsitepackages() if Path(p).is_dir()]
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("LIANXIN_") and key not in ("DATABASE_URL", "PYTHONPATH")
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(installed), *dependencies]),
        DATABASE_URL=f"sqlite:///{tmp_path / 'lianxin.db'}",
        LIANXIN_DATA_DIR=str(tmp_path / "data"),
        LIANXIN_PASSWORD_HASHING="fast",
        LIANXIN_SWEEP_INTERVAL_SECONDS="0",
    )
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    before = _snapshot(installed)
    lianxin = [sys.executable, "-S", str(installed / "bin" / "lianxin")]

    migrated = _run([*lianxin, "migrate"], env=env, cwd=cwd)
    assert "up to date" in migrated.stdout
    seeded = _run([*lianxin, "seed"], env=env, cwd=cwd)
    assert "created" in seeded.stdout
    served = _run([sys.executable, "-S", "-c", SERVE], env=env, cwd=cwd)
    found = json.loads(served.stdout.strip().splitlines()[-1])

    assert Path(found["package"]).is_relative_to(installed)
    assert found["checkout"] is False
    assert str(resources.SOURCE_ROOT) not in found["sys_path"]
    assert found["login"] == 200
    assert found["signs_in"], "the zh-Hant sign-in page is not translated"
    assert found["css"] == 200
    assert found["ready"] == 200
    # Nothing was written into the installed package (no catalogues compiled at start-up).
    assert _snapshot(installed) == before
    # The state went where the settings said, not next to the package.
    assert (tmp_path / "lianxin.db").exists()
    assert not (installed / "var").exists() and not (installed.parent / "var").exists()
