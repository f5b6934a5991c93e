"""Alembic environment: the URL comes from Lianxin's settings (DATABASE_URL), or a caller
passes an open connection in ``config.attributes["connection"]`` (tests, ``lianxin migrate``)."""

from alembic import context

from server.config import get_settings
from server.db import create_db_engine
from server.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    settings = get_settings()
    url = config.get_main_option("sqlalchemy.url") or settings.effective_database_url
    engine = create_db_engine(url, settings, pooled=False)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
