from __future__ import annotations

from sqlalchemy import event, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from server.models.base import Base
from server.models.building import Building
from server.models.catalog import Category, Service, ServiceField
from server.models.department import Department
from server.models.enterprise import Enterprise
from server.models.webhook import Webhook


class CatalogRevision(Base):
    """One row whose number grows with every change to the menu, departments, buildings,
    enterprises or webhooks.

    App processes keep a snapshot of those small tables in memory and compare this number
    on each use, so a change made by an admin in any worker is visible at once, everywhere,
    without a restart."""

    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)


# The classes whose rows the catalogue snapshot holds (of webhooks, the few columns that say
# which go out: they are added, switched off and removed through the ORM only).
CATALOG_CLASSES = (Building, Category, Department, Enterprise, Service, ServiceField, Webhook)

_BUMPED = "lianxin_catalog_bumped"


@event.listens_for(Session, "before_flush")
def _bump_on_catalog_change(session: Session, flush_context, instances) -> None:
    """Any ORM write to a catalogue table bumps the revision in the same transaction, so no
    code path can change the menu and forget to tell the caches."""
    if session.info.get(_BUMPED) is session.get_transaction():
        return
    changed = list(session.new) + list(session.deleted) + [o for o in session.dirty if session.is_modified(o)]
    if not any(isinstance(obj, CATALOG_CLASSES) for obj in changed):
        return
    session.execute(update(CatalogRevision).where(CatalogRevision.id == 1).values(revision=CatalogRevision.revision + 1))
    session.info[_BUMPED] = session.get_transaction()


def catalog_changed_in(session: Session) -> bool:
    """Whether this session's current transaction has written to the catalogue."""
    return session.info.get(_BUMPED) is not None and session.info.get(_BUMPED) is session.get_transaction()
