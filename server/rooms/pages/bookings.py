"""Bookings as pages: my bookings 我的预约, one booking with its cancel form, and the centre's
list of bookings waiting for approval with approve and refuse (with a reason)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse

from server.errors import LianxinError, Msg, NotFound
from server.i18n_text import N_
from server.models import utcnow
from server.rooms import policy, presenters
from server.rooms import repository as repo
from server.rooms import service as room_service
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, text, whole_number
from server.web.render import is_htmx, render

router = APIRouter()
PAGE_SIZE = 20
Cursor = Annotated[str | None, Query(max_length=400)]


@router.get("/bookings")
def my_bookings(request: Request, person: PagePerson, database: DatabaseDep, cursor: Cursor = None):
    with database.read() as session:
        page = repo.my_bookings(session, person, cursor=cursor, limit=PAGE_SIZE)
        views = presenters.booking_views(session, person, page.rows)
    context = {"views": views, "next_cursor": page.next_cursor, "status_labels_booking": room_service.STATUS_LABELS}
    return render(request, "rooms/my_bookings.html", context, block="rows" if is_htmx(request) else None)


@router.get("/bookings/pending")
def pending(request: Request, person: PagePerson, database: DatabaseDep, cursor: Cursor = None):
    if not policy.may_decide(person):
        raise NotFound("There is no such booking.")
    with database.read() as session:
        page = repo.pending(session, since=utcnow(), cursor=cursor, limit=PAGE_SIZE)
        views = presenters.booking_views(session, person, page.rows)
    context = {"views": views, "next_cursor": page.next_cursor, "status_labels_booking": room_service.STATUS_LABELS}
    return render(request, "rooms/pending.html", context)


def _visible(session, person, booking_id: int):
    booking = room_service.get_booking(session, booking_id)
    if not policy.may_see_details(person, booking):
        # Someone else's booking is no more than "booked" to this person: no page of it.
        raise NotFound("There is no such booking.")
    return booking


def _detail(request, person, database, booking_id: int, *, notice=None, failure=None, errors=None,
            status_code=200):
    with database.read() as session:
        booking = _visible(session, person, booking_id)
        view = presenters.booking_views(session, person, [booking])[0]
        building = presenters.buildings_of(session, [view.room]).get(view.room.building_id) if view.room else None
    live = booking.status in ("requested", "approved") and booking.ends_at > utcnow()
    return render(request, "rooms/booking.html", {
        "view": view, "booking": booking, "building": building, "notice": notice, "failure": failure,
        "errors": errors or {}, "status_labels_booking": room_service.STATUS_LABELS,
        "may_cancel": live and policy.may_cancel(person, booking),
        "may_decide": booking.status == "requested" and policy.may_decide(person),
    }, status_code=status_code)


NOTICES = {
    "booked": N_("Booked. The room is yours for this time."),
    "requested": N_("Sent. The service centre will approve or refuse your booking."),
    "cancelled": N_("The booking is cancelled; the time is free again."),
    "approved": N_("The booking is approved."),
    "refused": N_("The booking is refused; the booker sees your reason."),
}


@router.get("/bookings/{booking_id:id}")
def booking_page(request: Request, person: PagePerson, database: DatabaseDep, booking_id: int,
                 booked: bool = False, done: Annotated[str, Query(max_length=20)] = ""):
    notice = None
    if booked or done:
        with database.read() as session:
            status = _visible(session, person, booking_id).status
        notice = NOTICES.get("requested" if booked and status == "requested" else "booked" if booked else done)
    return _detail(request, person, database, booking_id, notice=notice)


def _act(request, person, database, booking_id: int, form, action: str):
    version = whole_number(text(form, "version", 9))
    reason = text(form, "reason", room_service.REASON_MAX)
    try:
        with database.write() as session:
            _visible(session, person, booking_id)
            if action == "approve":
                room_service.approve(session, booking_id, by=person, version=version)
            elif action == "refuse":
                room_service.refuse(session, booking_id, by=person, reason=reason, version=version)
            else:
                room_service.cancel(session, booking_id, by=person, reason=reason, version=version)
    except LianxinError as exc:
        if exc.status_code == 404:
            raise
        return _detail(request, person, database, booking_id, failure=Msg(exc.message, **exc.params),
                       errors=getattr(exc, "errors", {}), status_code=exc.status_code)
    done = {"approve": "approved", "refuse": "refused", "cancel": "cancelled"}[action]
    target = text(form, "next", 200)
    if target == "/bookings/pending":
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(f"/bookings/{booking_id}?done={done}", status_code=303)


@router.post("/bookings/{booking_id:id}/cancel")
def cancel(request: Request, person: PagePerson, database: DatabaseDep, booking_id: int, form: FormDep):
    return _act(request, person, database, booking_id, form, "cancel")


@router.post("/bookings/{booking_id:id}/approve")
def approve(request: Request, person: PagePerson, database: DatabaseDep, booking_id: int, form: FormDep):
    return _act(request, person, database, booking_id, form, "approve")


@router.post("/bookings/{booking_id:id}/refuse")
def refuse(request: Request, person: PagePerson, database: DatabaseDep, booking_id: int, form: FormDep):
    return _act(request, person, database, booking_id, form, "refuse")
