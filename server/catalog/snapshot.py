"""An in-memory copy of the small, read-mostly tables — services with their fields,
categories, departments, buildings, enterprises — kept per database and per process.

Each use costs one tiny query: the catalogue revision (see server/models/catalog_revision.py).
When it moved, the copy is reloaded; so an admin's change is seen by every worker at its next
request, and a submission or a list page needs no further queries for names and rules.

The objects are detached and shared between threads: read them, never change them. To change
the catalogue, load the rows in your own session."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from server.db import CACHE_INFO_KEY
from server.models import (
    Building,
    CatalogRevision,
    Category,
    Department,
    Enterprise,
    Service,
    Webhook,
)
from server.models.catalog_revision import catalog_changed_in


@dataclass(frozen=True)
class Catalog:
    revision: int
    services: dict[int, Service] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    departments: dict[int, Department] = field(default_factory=dict)
    buildings: dict[int, Building] = field(default_factory=dict)
    enterprises: dict[int, Enterprise] = field(default_factory=dict)
    # The active webhooks as (id, department id or None, event types or None), by id: every
    # request event that notifies asks which go out (server/notifications/webhooks_repository).
    webhooks: tuple[tuple[int, int | None, list | None], ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "_service_codes", {s.code: s for s in self.services.values()})
        object.__setattr__(self, "_department_codes", {d.code: d for d in self.departments.values()})
        object.__setattr__(self, "_building_codes", {b.code: b for b in self.buildings.values()})

    def service(self, code: str) -> Service | None:
        return self._service_codes.get(code)

    def department(self, code: str) -> Department | None:
        return self._department_codes.get(code)

    def building(self, code: str) -> Building | None:
        return self._building_codes.get(code)

    def is_orderable(self, service: Service) -> bool:
        """On the menu: neither the service nor its category is retired."""
        category = self.categories.get(service.category_id)
        return service.retired_at is None and category is not None and category.retired_at is None

    def ordered_services(self, *, include_retired: bool = False) -> list[Service]:
        def key(s: Service):
            category = self.categories.get(s.category_id)
            return (category.position if category else 0, s.category_id, s.position, s.id)

        return sorted((s for s in self.services.values() if include_retired or self.is_orderable(s)), key=key)

    def ordered_categories(self, *, include_retired: bool = False) -> list[Category]:
        categories = (c for c in self.categories.values() if include_retired or c.retired_at is None)
        return sorted(categories, key=lambda c: (c.position, c.id))


_lock = threading.Lock()
_CACHE_KEY = "catalog_snapshot"
_SESSION_MEMO = "lianxin_catalog"


_REVISION = select(CatalogRevision.__table__.c.revision).where(CatalogRevision.__table__.c.id == 1)


_HOOKS = Webhook.__table__
_ACTIVE_WEBHOOKS = (select(_HOOKS.c.id, _HOOKS.c.department_id, _HOOKS.c.event_types)
                    .where(_HOOKS.c.active).order_by(_HOOKS.c.id))


_PRIMED = "lianxin_catalog_primed"


def current_revision(session: Session) -> int:
    # A Core statement: this runs on every request that needs the catalogue.
    return session.connection().execute(_REVISION).scalar() or 0


def revision_column():
    """The catalogue's revision as a column, for a unit of work's first statement to bring
    along (the API caller's lookup): then :func:`prime` saves the query of its own that
    :func:`load` would make."""
    return _REVISION.scalar_subquery().label("catalog_revision")


def prime(session: Session, revision: int | None) -> None:
    """The revision ``session``'s current transaction read (with :func:`revision_column`),
    for this transaction's first :func:`load`."""
    session.info[_PRIMED] = (session.get_transaction(), revision or 0)


def _revision(session: Session) -> int:
    primed = session.info.pop(_PRIMED, None)
    # Only as read in this transaction, and not when it changed the catalogue since.
    if primed is not None and primed[0] is session.get_transaction() and not catalog_changed_in(session):
        return primed[1]
    return current_revision(session)


def load(session: Session) -> Catalog:
    """The catalogue as ``session`` sees it, from the cache when that is still current.
    Checked once per session (our sessions live for one unit of work)."""
    memo = session.info.get(_SESSION_MEMO)
    if memo is not None and not catalog_changed_in(session):
        return memo
    catalog = _load(session)
    session.info[_SESSION_MEMO] = catalog
    return catalog


def held(cache: dict) -> Catalog | None:
    """The catalogue this process loaded last (``Database.cache``), without a query: perhaps a
    revision behind. Only for what a later :func:`load` in the same request checks again —
    which fields to read from a posted form before the write that validates it."""
    return cache.get(_CACHE_KEY)


def _load(session: Session) -> Catalog:
    revision = _revision(session)
    cache: dict | None = session.info.get(CACHE_INFO_KEY)
    # A transaction that changed the catalogue itself sees an uncommitted revision: never
    # cache what might be rolled back.
    cacheable = cache is not None and not catalog_changed_in(session)
    cached: Catalog | None = cache.get(_CACHE_KEY) if cacheable else None
    if cached is not None and cached.revision == revision:
        return cached
    catalog = Catalog(
        revision=revision,
        services={s.id: s for s in session.scalars(select(Service).options(selectinload(Service.fields)))},
        categories={c.id: c for c in session.scalars(select(Category))},
        departments={d.id: d for d in session.scalars(select(Department))},
        buildings={b.id: b for b in session.scalars(select(Building))},
        enterprises={e.id: e for e in session.scalars(select(Enterprise))},
        webhooks=tuple(tuple(row) for row in session.connection().execute(_ACTIVE_WEBHOOKS)),
    )
    # Detach, so the shared copies never lazy-load or flush through someone's session.
    for obj in [
        *catalog.services.values(), *catalog.categories.values(), *catalog.departments.values(),
        *catalog.buildings.values(), *catalog.enterprises.values(),
    ]:
        session.expunge(obj)
    if cacheable:
        with _lock:
            current: Catalog | None = cache.get(_CACHE_KEY)
            if current is None or current.revision <= revision:
                cache[_CACHE_KEY] = catalog
    return catalog
