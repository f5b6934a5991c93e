"""The audit trail viewer: every administrative change, newest first, filterable by what,
who and when; each entry shows only the fields that changed, before → after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from server.admin.common import AdminPerson, render_admin
from server.audit import repository
from server.audit.service import changes
from server.i18n_text import N_
from server.models import AuditEntry
from server.web.deps import DatabaseDep

router = APIRouter()

PAGE_SIZE = 50
ENTITY_LABELS = {
    "category": N_("Category"),
    "service": N_("Service"),
    "service_field": N_("Service field"),
}
ACTION_LABELS = {
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "retire": N_("Retired"),
    "unretire": N_("Put back"),
    "reorder": N_("Moved"),
}


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    actor: str | None
    changes: list[tuple[str, Any, Any]]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _utc(day: date, timezone: str) -> datetime:
    # Days are the centre's days; the column compares in UTC.
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC"))


def _view(entry: AuditEntry, actors: dict) -> EntryView:
    actor = actors.get(entry.actor_id)
    diff = changes(entry.before, entry.after)
    return EntryView(entry, f"{actor.display_name} ({actor.username})" if actor else None,
                     [(name, _shown(old), _shown(new)) for name, (old, new) in diff.items()
                      if name != "id" and not (_empty(old) and _empty(new))])


def _empty(value: Any) -> bool:
    # A new row's empty defaults ({} help texts, [] choices) say nothing: leave them out.
    return value is None or value in ("", {}, [])


def _shown(value: Any) -> str | None:
    """A stored value as readable text (Chinese kept as it is, not \\u-escaped)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


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
    with database.read() as session:
        page = repository.list_entries(session, filters, before=before, limit=PAGE_SIZE)
        entities = repository.entities(session)
    query = {"entity": entity, "actor": actor, "since": since, "until": until}
    context = {
        "entries": [_view(e, page.actors) for e in page.entries],
        "next_before": page.next_before,
        "query": query,
        "entity_options": [(e, ENTITY_LABELS.get(e, e)) for e in entities],
        "entity_labels": ENTITY_LABELS,
        "action_labels": ACTION_LABELS,
        "bad_dates": (since and not since_day) or (until and not until_day),
    }
    return render_admin(request, "admin/audit.html", context, section="/admin/audit")
