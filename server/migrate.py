"""Run Alembic from Python (``lianxin migrate``, ``make run``, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from server.config import PROJECT_ROOT


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
