"""The audit trail viewer: every administrative change, newest first, filterable by what,
who and when; each entry shows only the fields that changed, before → after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from server.admin.common import AdminPerson, render_admin
from server.audit import labels, repository
from server.audit.service import changes
from server.catalog import snapshot
from server.i18n_text import N_
from server.models import AuditEntry
from server.web.deps import DatabaseDep
from server.web.i18n import gettext_for, locale_for, make_filters

router = APIRouter()

PAGE_SIZE = 50
ACTION_LABELS = {
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "retire": N_("Retired"),
    "unretire": N_("Put back"),
    "reorder": N_("Moved"),
    "activate": N_("Put in use"),
    "deactivate": N_("Taken out of use"),
    "enable": N_("Account enabled"),
    "disable": N_("Account disabled"),
    "reset_password": N_("Password reset"),
    "import": N_("Imported"),
    "revoke": N_("Revoked"),
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    actor: str | None
    changes: list[Change]
    href: str | None  # the changed object's admin page, while it exists


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _utc(day: date, timezone: str) -> datetime:
    # Days are the centre's days; the column compares in UTC.
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True)
class _Reader:
    """The reader's language, and the names of what one page of the trail mentions."""

    names: labels.Names
    existing: set[tuple[str, int]]
    locale: str
    gettext: Callable[[str], str]
    format_datetime: Callable[[datetime], str]

    def value(self, name: str, value: Any) -> str | None:
        return labels.shown(name, value, names=self.names, locale=self.locale, gettext=self.gettext,
                            format_datetime=self.format_datetime)

    def exists(self, entity: str, entity_id: int) -> bool:
        known = self.names.exists(entity, entity_id)
        return known if known is not None else (entity, entity_id) in self.existing


def _view(entry: AuditEntry, actors: dict, reader: _Reader) -> EntryView:
    actor = actors.get(entry.actor_id)
    diff = changes(entry.before, entry.after)
    shown = [
        Change(labels.field_label(entry.entity, name, reader.gettext), reader.value(name, old), reader.value(name, new))
        for name, (old, new) in diff.items()
        if name != "id" and not (_empty(old) and _empty(new))
    ]
    href = None
    if entry.entity_id is not None and reader.exists(entry.entity, entry.entity_id):
        href = labels.object_href(entry.entity, entry.entity_id)
    return EntryView(entry, f"{actor.display_name} ({actor.username})" if actor else None,
                     [c for c in shown if c.old != c.new], href)


def _empty(value: Any) -> bool:
    # A new row's empty defaults ({} help texts, [] choices) say nothing: leave them out.
    return value is None or value in ("", {}, [])


@router.get("/admin/audit")
def audit_page(
    request: Request,
    person: AdminPerson,
    database: DatabaseDep,
    entity: Annotated[str, Query(max_length=40)] = "",
    actor: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Response:
    timezone = request.app.state.settings.timezone
    since_day, until_day = _day(since), _day(until)
    filters = repository.AuditFilters(
        entity=entity or None,
        actor_username=actor.strip() or None,
        since=_utc(since_day, timezone) if since_day else None,
        # The last day has no day after it: "until" then leaves the list open-ended.
        until=_utc(until_day + timedelta(days=1), timezone) if until_day and until_day < date.max else None,
    )
    locale = locale_for(request)
    with database.read() as session:
        page = repository.list_entries(session, filters, before=before, limit=PAGE_SIZE)
        entities = repository.entities(session)
        named = labels.people_named(page.entries)
        reader = _Reader(
            names=labels.Names(snapshot.load(session), repository.people_names(session, named)),
            existing=repository.still_there(session, page.entries),
            locale=locale, gettext=gettext_for(locale), format_datetime=make_filters(locale)["dt"],
        )
    query = {"entity": entity, "actor": actor, "since": since, "until": until}
    context = {
        "entries": [_view(e, page.actors, reader) for e in page.entries],
        "next_before": page.next_before,
        "query": query,
        "entity_options": [(e, labels.ENTITY_LABELS.get(e, e)) for e in entities],
        "entity_labels": labels.ENTITY_LABELS,
        "action_labels": ACTION_LABELS,
        "bad_dates": (since and not since_day) or (until and not until_day),
    }
    return render_admin(request, "admin/audit.html", context, section="/admin/audit")
