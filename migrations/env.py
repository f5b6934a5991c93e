"""Alembic environment: the URL comes from Lianxin's settings (DATABASE_URL), or a caller
passes an open connection in ``config.attributes["connection"]`` (tests, ``lianxin migrate``)."""

from contextlib import contextmanager

from alembic import context
from sqlalchemy import text

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


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """Run SQLite migrations with foreign keys off, checked afterwards.

    Batch operations rebuild a table (copy, drop, rename). With foreign keys on, dropping a
    parent such as ``person`` deletes its children through ON DELETE CASCADE (every
    ``person_role`` row went once) or fails. SQLite's own advice for schema changes: switch
    the checks off for the change (the pragma is ignored inside a transaction, hence the raw
    connection in autocommit before the migration's transaction), then prove nothing dangles
    with ``PRAGMA foreign_key_check`` before switching them back on."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        dangling = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        connection.commit()
        if dangling:
            raise RuntimeError(f"migration left rows pointing at nothing: {dangling[:10]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


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
        with _sqlite_foreign_keys_off(connection):
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
        return
    settings = get_settings()
    url = config.get_main_option("sqlalchemy.url") or settings.effective_database_url
    engine = create_db_engine(url, settings, pooled=False)
    with engine.connect() as conn, _sqlite_foreign_keys_off(conn):
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
