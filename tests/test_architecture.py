"""The import direction that docs/ARCHITECTURE.md draws, enforced: the contracts live in
``.importlinter`` at the project root, and import-linter checks them on every test run.

When this fails, the message names the import chain that breaks a contract; move the shared
piece down a layer instead of adding an exception."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_imports_follow_the_layers():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / ".importlinter"), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout


def test_a_broken_contract_fails(tmp_path: Path):
    """The check can fail: a contract that the code breaks on purpose is reported as broken."""
    config = tmp_path / "broken.ini"
    config.write_text(
        "[importlinter]\nroot_package = server\n\n"
        "[importlinter:contract:x]\nname = app imports nothing\ntype = forbidden\n"
        "source_modules = server.app\nforbidden_modules = server.db\n"
    )
    result = subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
