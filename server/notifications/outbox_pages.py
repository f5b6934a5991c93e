"""/admin/outbox: the messages the worker gave up on (parked after too many failures) or did
not send (the recipient no longer receives them), each with its attempts and answers, and
sending one again (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse

from server.admin.common import AdminPerson, render_admin
from server.errors import InvalidInput
from server.i18n_text import N_
from server.notifications import answers, recipients
from server.notifications import repository as repo
from server.notifications import service as notifications
from server.web.deps import DatabaseDep
from server.web.i18n import gettext_for, locale_for

router = APIRouter()
SECTION = "/admin/outbox"
PAGE_SIZE = 50
SHOWN = ("parked", "dropped", "queued", "sent")
Cursor = Annotated[str | None, Query(max_length=400)]
CHANNEL_LABELS = {"email": N_("E-mail"), "webhook": N_("Webhook")}


@router.get("/admin/outbox")
def outbox(request: Request, person: AdminPerson, database: DatabaseDep, status: str = "parked",
           cursor: Cursor = None, resent: bool = False):
    if status not in SHOWN:
        raise InvalidInput("There is no such list.", {"status": "Choose parked, dropped, queued or sent."})
    with database.read() as session:
        page = repo.outbox_page(session, status=status, cursor=cursor, limit=PAGE_SIZE)
        attempts = repo.attempts(session, [m.id for m in page.rows])
    gettext = gettext_for(locale_for(request))
    context = {"messages": page.rows, "attempts": attempts, "next_cursor": page.next_cursor, "status": status,
               "statuses": SHOWN, "resent": resent,
               # What each event is called where people choose what reaches them; the code beside.
               "event_labels": recipients.LABELS, "channel_labels": CHANNEL_LABELS,
               "answer": lambda recorded: answers.shown(recorded, gettext)}
    return render_admin(request, "admin/outbox.html", context, section=SECTION)


@router.post("/admin/outbox/{message_id:id}/resend")
def resend(request: Request, person: AdminPerson, database: DatabaseDep, message_id: int):
    with database.write() as session:
        notifications.resend(session, person, message_id)
    return RedirectResponse("/admin/outbox?resent=1", status_code=303)
