"""Run Alembic from Python (``lianxin migrate``, ``make run``, tests, the readiness check).

The configuration is made here rather than read from pyproject.toml, which an installed package
does not have; ``[tool.alembic]`` there serves the ``alembic`` command in a checkout (``alembic
revision``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from server import resources


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    # ConfigParser interpolation: a literal % is written %%.
    cfg.set_main_option("script_location", str(resources.MIGRATIONS_DIR).replace("%", "%%"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revisions() -> tuple[str, ...]:
    """The revisions a fully migrated database is at (read from the migration scripts)."""
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
