"""In-app notifications as pages: /notifications (a person's, newest first, paged; mark one
or all read) and /account/notifications (what reaches them, per channel). Plain forms that
answer with a 303, so they work with JavaScript off; the CSRF check guards them all."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse

from server.config import get_settings
from server.errors import NotFound
from server.models import Notification
from server.notifications import presenters
from server.notifications import repository as repo
from server.notifications import service as notifications
from server.notifications.recipients import EVENT_TYPES, LABELS
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, checked
from server.web.i18n import gettext_for, locale_for
from server.web.render import is_htmx, render

router = APIRouter()
PAGE_SIZE = 20
Cursor = Annotated[str | None, Query(max_length=400)]


@router.get("/notifications")
def notification_list(request: Request, person: PagePerson, database: DatabaseDep, cursor: Cursor = None,
                      unread: bool = False):
    locale = locale_for(request)
    gettext = gettext_for(locale)
    with database.read() as session:
        page = repo.page(session, person, cursor=cursor, limit=PAGE_SIZE, unread_only=unread)
    views = [presenters.view(n, gettext, locale) for n in page.rows]
    context = {"views": views, "next_cursor": page.next_cursor, "unread_only": unread}
    return render(request, "notifications/list.html", context, block="rows" if is_htmx(request) else None)


def _safe_link(link: str) -> str:
    # Only our own pages: a stored link never sends anyone elsewhere.
    # A backslash or a control character: browsers read "/\\evil" as "//evil", another site.
    parts = urlsplit(link or "")
    plain = not any(c == "\\" or ord(c) < 32 for c in link or "")
    return link if plain and link.startswith("/") and not link.startswith("//") and not parts.netloc else "/notifications"


@router.post("/notifications/{notification_id:id}/open")
def open_notification(request: Request, person: PagePerson, database: DatabaseDep, notification_id: int):
    """Mark it read and go to what it is about."""
    with database.write() as session:
        if not notifications.mark_read(session, person, notification_id):
            raise NotFound("There is no such notification.")
        link = session.get(Notification, notification_id).link
    return RedirectResponse(_safe_link(link), status_code=303)


@router.post("/notifications/{notification_id:id}/read")
def read_notification(request: Request, person: PagePerson, database: DatabaseDep, notification_id: int):
    with database.write() as session:
        if not notifications.mark_read(session, person, notification_id):
            raise NotFound("There is no such notification.")
    return RedirectResponse("/notifications", status_code=303)


@router.post("/notifications/read-all")
def read_all(request: Request, person: PagePerson, database: DatabaseDep):
    with database.write() as session:
        notifications.mark_all_read(session, person)
    return RedirectResponse("/notifications", status_code=303)


SETTINGS_PATH = "/account/notifications"


def _settings_page(request, person, database, *, saved: bool = False):
    with database.read() as session:
        chosen = notifications.choices(session, person)
    rows = [{"event_type": event_type, "label": LABELS[event_type],
             "in_app": chosen[(notifications.CHANNEL_IN_APP, event_type)],
             "email": chosen[(notifications.CHANNEL_EMAIL, event_type)]} for event_type in EVENT_TYPES]
    context = {"rows": rows, "saved": saved, "email_on": bool(get_settings().smtp_host), "has_email": bool(person.email)}
    return render(request, "notifications/settings.html", context)


@router.get(SETTINGS_PATH)
def notification_settings(request: Request, person: PagePerson, database: DatabaseDep, saved: bool = False):
    return _settings_page(request, person, database, saved=saved)


@router.post(SETTINGS_PATH)
def save_notification_settings(request: Request, person: PagePerson, database: DatabaseDep, form: FormDep):
    # One checkbox per (channel, event type), named "<channel>:<event type>"; others are ignored.
    enabled = {(channel, event_type) for channel in notifications.CHANNELS for event_type in EVENT_TYPES
               if checked(form, f"{channel}:{event_type}")}
    with database.write() as session:
        notifications.set_choices(session, person, enabled)
    return RedirectResponse(f"{SETTINGS_PATH}?saved=1", status_code=303)
