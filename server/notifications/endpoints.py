"""The notifications API (/api/v1/notifications): the caller's own notifications, newest
first, and marking one or all read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from server.api.deps import DatabaseDep, PersonDep
from server.errors import NotFound
from server.i18n_locale import negotiate
from server.notifications import presenters
from server.notifications import repository as repo
from server.notifications import service as notifications
from server.notifications.schemas import NotificationOut, NotificationPage, ReadAllOut
from server.notifications.texts import gettext_for

router = APIRouter(prefix="/notifications", tags=["notifications"])

AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]
Cursor = Annotated[str | None, Query(max_length=400, description="next_cursor of the page before")]
Limit = Annotated[int, Query(ge=1, le=100)]
ERRORS = {
    401: {"description": "Not signed in"},
    404: {"description": "No such notification of yours"},
    422: {"description": "Invalid cursor or parameters"},
}


@router.get("", response_model=NotificationPage, summary="Your notifications, newest first", responses=ERRORS)
def list_notifications(database: DatabaseDep, person: PersonDep, cursor: Cursor = None, limit: Limit = 50,
                       unread: bool = False, accept_language: AcceptLanguage = None) -> NotificationPage:
    locale = negotiate(accept_language)
    gettext = gettext_for(locale)
    with database.read() as session:
        page = repo.page(session, person, cursor=cursor, limit=limit, unread_only=unread)
        count = repo.unread_count(session, person)
    items = [NotificationOut(id=n.id, type=n.event_type, text=presenters.text_for(n.event_type, n.params or {}, gettext, locale),
                             request=(n.params or {}).get("number") if n.request_id else None, link=n.link,
                             created_at=n.created_at, read=n.read_at is not None) for n in page.rows]
    return NotificationPage(items=items, next_cursor=page.next_cursor, unread=count)


@router.post("/{notification_id:id}/read", status_code=status.HTTP_204_NO_CONTENT, summary="Mark one read",
             responses=ERRORS)
def mark_notification_read(notification_id: int, database: DatabaseDep, person: PersonDep) -> Response:
    with database.write() as session:
        if not notifications.mark_read(session, person, notification_id):
            raise NotFound("There is no such notification.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/read", response_model=ReadAllOut, summary="Mark all read", responses=ERRORS)
def mark_all_notifications_read(database: DatabaseDep, person: PersonDep) -> ReadAllOut:
    with database.write() as session:
        return ReadAllOut(marked=notifications.mark_all_read(session, person))
