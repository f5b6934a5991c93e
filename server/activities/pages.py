"""The programme's pages 活动: the programme (this week or month, by kind and organiser, places
left), an activity's page (sign up or cancel, waiting position, check-in code, rating, comment
wall), the organiser's pages (create, edit, cancel, the sign-up list with ticks and the code to
show, approving comments, the list as CSV/XLSX), my activities with the private calendar
address, and the .ics feeds.

Every action is a plain form post answered with a 303 back to the page (JavaScript off works);
a refusal shows the page again with the reason beside the form that was refused."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from server.activities import calendar, presenters, rules
from server.activities import repository as repo
from server.activities import service as activity_service
from server.activities.rules import ActivityFields
from server.config import get_settings
from server.enums import ActivityAudience, ActivityKind, SignupStatus
from server.errors import Forbidden, InvalidInput, LianxinError, Msg, NotFound
from server.exports import FORMATS, export_response
from server.i18n_text import DEFAULT_LOCALE, LOCALES, N_, localized
from server.models import Person, utcnow
from server.rooms import repository as room_repo
from server.rooms import service as room_service
from server.rooms.service import BookingConflict
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, optional_id, text, values, whole_number
from server.web.i18n import gettext_for, locale_for
from server.web.render import render

router = APIRouter()
Kind = Annotated[str | None, Query(max_length=30)]
Organiser = Annotated[str | None, Query(max_length=20)]
Period = Annotated[str | None, Query(max_length=10)]
Day = Annotated[str | None, Query(max_length=10)]
DONE = {
    "signed_up": N_("You have a place. See you there!"),
    "waiting": N_("The activity is full: you are on the waiting list and move up when a place frees."),
    "cancelled_signup": N_("Your sign-up is cancelled."),
    "checked_in": N_("You are checked in. Welcome!"),
    "already": N_("You were already checked in."),
    "rated": N_("Thank you for your rating."),
    "saved": N_("Saved."),
    "cancelled": N_("The activity is cancelled; those who signed up are told."),
}


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


# --- reading the forms ---------------------------------------------------------------------------
def _local_time(form: FormData, name: str, errors: dict) -> datetime | None:
    """A ``datetime-local`` field (the centre's wall time) as UTC; blank is None."""
    value = text(form, name, 20).replace(" ", "T")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=_zone()).astimezone(ZoneInfo("UTC"))
    except ValueError:
        errors[name] = "Give a date and time such as 2026-12-10 14:30."
        return None


def _organiser(form: FormData) -> tuple[int | None, int | None]:
    chosen = text(form, "organiser", 20)
    kind, _sep, number = chosen.partition("-")
    ident = whole_number(number)
    if ident is None:
        return None, None
    return (ident, None) if kind == "d" else (None, ident) if kind == "c" else (None, None)


def _fields(form: FormData) -> ActivityFields:
    errors: dict = {}
    capacity_text = text(form, "capacity", 10)
    capacity = whole_number(capacity_text) if capacity_text else None
    if capacity_text and capacity is None:
        errors["capacity"] = "Places must be a whole number from 1, or empty for no limit."
    department_id, club_id = _organiser(form)
    data = ActivityFields(
        title=text(form, "title", rules.TITLE_LIMIT), kind=text(form, "kind", 30),
        starts_at=_local_time(form, "starts_at", errors), ends_at=_local_time(form, "ends_at", errors),
        description=text(form, "description", rules.DESCRIPTION_LIMIT), place=text(form, "place", rules.PLACE_LIMIT),
        speaker_name=text(form, "speaker_name", rules.SPEAKER_LIMIT), speaker_id=None, capacity=capacity,
        audience=text(form, "audience", 30) or ActivityAudience.members,
        signup_opens_at=_local_time(form, "signup_opens_at", errors),
        signup_closes_at=_local_time(form, "signup_closes_at", errors),
        organiser_department_id=department_id, organiser_club_id=club_id,
        repeat_rule=text(form, "repeat_rule", 200), room_id=optional_id(form, "room_id"),
    )
    if errors:
        raise InvalidInput("Please correct the marked fields.", errors)
    return data


def _local_input(value: datetime | None) -> str:
    return value.astimezone(_zone()).strftime("%Y-%m-%dT%H:%M") if value else ""


def _form_values(activity, room_id: int | None = None) -> dict:
    if activity is None:
        return {"kind": ActivityKind.theme_day, "audience": ActivityAudience.members}
    organiser = f"d-{activity.organiser_department_id}" if activity.organiser_department_id else f"c-{activity.organiser_club_id}"
    return {
        "title": activity.title, "kind": activity.kind, "description": activity.description, "place": activity.place,
        "speaker_name": activity.speaker_name, "capacity": str(activity.capacity or ""), "audience": activity.audience,
        "starts_at": _local_input(activity.starts_at), "ends_at": _local_input(activity.ends_at),
        "signup_opens_at": _local_input(activity.signup_opens_at),
        "signup_closes_at": _local_input(activity.signup_closes_at), "organiser": organiser,
        "room_id": str(room_id or ""),
    }


def _organiser_choices(session, person: Person, locale: str) -> list[tuple[str, str]]:
    """The departments and clubs this person may organise for."""
    choices = []
    for department in repo.department_choices(session):
        if rules.may_organise(person, department_id=department.id, club_lead_id=None):
            choices.append((f"d-{department.id}", localized(department.name, locale)))
    for club in repo.club_choices(session):
        if rules.may_organise(person, department_id=None, club_lead_id=club.lead_id):
            choices.append((f"c-{club.id}", club.name))
    return choices


# --- the programme -----------------------------------------------------------------------------------
def _period(period: str | None, day: str | None) -> tuple[str, date, date]:
    today = utcnow().astimezone(_zone()).date()
    try:
        anchor = date.fromisoformat(day) if day else today
    except ValueError:
        raise InvalidInput("Please correct the marked fields.", {"day": "Give a date such as 2026-12-10."}) from None
    if period == "month":
        first = anchor.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return "month", first, following
    monday = anchor - timedelta(days=anchor.weekday())
    return "week", monday, monday + timedelta(days=7)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=_zone()).astimezone(ZoneInfo("UTC"))


@router.get("/activities")
def programme(request: Request, person: PagePerson, database: DatabaseDep, period: Period = None, day: Day = None,
              kind: Kind = None, organiser: Organiser = None):
    locale = locale_for(request)
    chosen, first, following = _period(period, day)
    kind = kind if kind in ActivityKind.__members__ else None
    kind_part, _sep, number = (organiser or "").partition("-")
    organiser_id = whole_number(number)
    with database.read() as session:
        activities = repo.programme(
            session, start=_utc(first), end=_utc(following), kind=kind,
            department_id=organiser_id if kind_part == "d" else None, club_id=organiser_id if kind_part == "c" else None,
        )
        items = presenters.views(session, activities, person, locale)
        organisers = [(f"d-{d.id}", localized(d.name, locale)) for d in repo.department_choices(session)]
        organisers += [(f"c-{c.id}", c.name) for c in repo.club_choices(session)]
        may_create = activity_service.may_create(session, person)
    days: dict[date, list] = {}
    for item in items:
        days.setdefault(item.starts_at.astimezone(_zone()).date(), []).append(item)
    step = timedelta(days=7) if chosen == "week" else timedelta(days=1)
    context = {
        "days": days, "period": chosen, "first": first, "last": following - timedelta(days=1),
        "previous_day": (first - step).isoformat() if chosen == "week" else (first - timedelta(days=1)).replace(day=1).isoformat(),
        "next_day": following.isoformat(), "kind": kind or "", "organiser": organiser or "",
        "kinds": [(k.value, rules.KIND_LABELS[k]) for k in ActivityKind], "organisers": organisers,
        "may_create": may_create,
    }
    return render(request, "activities/programme.html", context)


# --- one activity ----------------------------------------------------------------------------------------
def _activity_context(session, person: Person, activity_id: int, locale: str) -> dict:
    activity = activity_service.get(session, activity_id)
    item = presenters.view(session, activity, person, locale)
    now = utcnow()
    signup = repo.signup_of(session, activity.id, person.id)
    attended = repo.attendance_of_person(session, activity.id, person.id) is not None
    rating = repo.rating_of(session, activity.id, person.id)
    count, content_average, speaker_average = repo.rating_averages(session, activity.id)
    return {
        "a": item, "activity": activity,
        "manage": activity_service.may_manage(session, person, activity),
        "signup_refusal": rules.signup_refusal(activity, now) or activity_service.in_audience(session, activity, person),
        "may_cancel_signup": rules.cancel_refusal(activity, now) is None,
        "waiting_place": repo.waiting_place(session, signup) if signup and signup.status == SignupStatus.waiting else None,
        "checkin_open": rules.checkin_open(activity, now), "attended": attended,
        "may_rate": rules.rating_refusal(activity, now, attended=attended) is None and rating is None,
        "my_rating": rating, "has_speaker": rules.has_speaker(activity),
        "rating_count": count, "content_average": content_average, "speaker_average": speaker_average,
        "wall": repo.ratings(session, activity.id, approved_only=True),
        "errors": {}, "values": {}, "problem": None, "problem_at": None,
    }


def _activity_page(request: Request, person: Person, database, activity_id: int, *, done: str | None = None,
                   problem: LianxinError | None = None, at: str | None = None, form: FormData | None = None):
    with database.read() as session:
        context = _activity_context(session, person, activity_id, locale_for(request))
    context["done"] = DONE.get(done or "")
    status = 200
    if problem is not None:
        status = problem.status_code
        context.update(problem=Msg(problem.message, **problem.params), problem_at=at,
                       errors=getattr(problem, "errors", {}), values=values(form) if form is not None else {})
    return render(request, "activities/detail.html", context, status_code=status)


@router.get("/activities/{activity_id:id}")
def activity_page(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep,
                  done: Annotated[str | None, Query(max_length=30)] = None):
    return _activity_page(request, person, database, activity_id, done=done)


def _act(request, person, database, activity_id: int, at: str, work, form: FormData | None = None):
    """Run ``work(session)`` in one unit of work; 303 to the page with its notice, or the
    page again with the refusal beside the form ``at``."""
    try:
        with database.write() as session:
            done = work(session)
    except NotFound:
        raise
    except LianxinError as exc:
        return _activity_page(request, person, database, activity_id, problem=exc, at=at, form=form)
    return RedirectResponse(f"/activities/{activity_id}?done={done}", status_code=303)


@router.post("/activities/{activity_id:id}/signup")
def sign_up(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep):
    return _act(request, person, database, activity_id, "signup",
                lambda s: activity_service.sign_up(s, person, activity_id).status)


@router.post("/activities/{activity_id:id}/cancel-signup")
def cancel_signup(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep):
    def work(session):
        activity_service.cancel_signup(session, person, activity_id)
        return "cancelled_signup"
    return _act(request, person, database, activity_id, "signup", work)


@router.post("/activities/{activity_id:id}/checkin")
def check_in(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep, form: FormDep):
    def work(session):
        recorded = activity_service.check_in_with_code(session, person, activity_id, text(form, "code", 20))
        return "checked_in" if recorded else "already"
    return _act(request, person, database, activity_id, "checkin", work, form)


def _score(form: FormData, name: str) -> int | None:
    return whole_number(text(form, name, 2))


@router.post("/activities/{activity_id:id}/rate")
def rate(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep, form: FormDep):
    def work(session):
        activity_service.rate(session, person, activity_id, content=_score(form, "content"),
                              speaker=_score(form, "speaker"), comment=text(form, "comment", rules.COMMENT_LIMIT))
        return "rated"
    return _act(request, person, database, activity_id, "rate", work, form)


# --- organisers -----------------------------------------------------------------------------------------
def _form_page(request, person, database, activity, form_values, *, errors=None, status_code=200):
    locale = locale_for(request)
    with database.read() as session:
        choices = _organiser_choices(session, person, locale)
        rooms = [(str(r.id), localized(r.name, locale)) for r in room_repo.rooms(session, active_only=True)]
        if activity is None and not activity_service.may_create(session, person):
            raise Forbidden("You may not open this page.")
    gettext = gettext_for(locale_for(request))
    context = {
        "activity": activity, "values": form_values, "errors": errors or {}, "organisers": choices, "rooms": rooms,
        "kinds": [(k.value, gettext(rules.KIND_LABELS[k])) for k in ActivityKind],
        "audiences": [(a.value, gettext(rules.AUDIENCE_LABELS[a])) for a in ActivityAudience],
    }
    return render(request, "activities/form.html", context, status_code=status_code)


@router.get("/activities/new")
def new_activity(request: Request, person: PagePerson, database: DatabaseDep, organiser: Organiser = None):
    """``?organiser=c-3`` comes from a club's page (its lead), ``d-2`` for a department."""
    return _form_page(request, person, database, None, {**_form_values(None), "organiser": organiser or ""})


@router.post("/activities/new")
def create_activity(request: Request, person: PagePerson, database: DatabaseDep, form: FormDep):
    try:
        data = _fields(form)
        with database.write() as session:
            activity = activity_service.create(session, person, data)
    except InvalidInput as exc:
        return _form_page(request, person, database, None, values(form), errors=exc.errors, status_code=422)
    except BookingConflict as exc:
        return _form_page(request, person, database, None, values(form), errors=_room_taken(exc), status_code=409)
    return RedirectResponse(f"/activities/{activity.id}/manage?done=saved", status_code=303)


def _managed(session, person: Person, activity_id: int):
    activity = activity_service.get(session, activity_id)
    activity_service.require_manage(session, person, activity)
    return activity


def _room_taken(exc: BookingConflict) -> dict:
    """The booking rules' refusal, beside the room it is about."""
    return {"room_id": Msg(exc.message, **exc.params)}


@router.get("/activities/{activity_id:id}/edit")
def edit_activity(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep):
    with database.read() as session:
        activity = _managed(session, person, activity_id)
        held = room_service.activity_booking(session, activity.id)
    return _form_page(request, person, database, activity, _form_values(activity, held.room_id if held else None))


@router.post("/activities/{activity_id:id}/edit")
def update_activity(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep, form: FormDep):
    try:
        data = _fields(form)
        with database.write() as session:
            activity = _managed(session, person, activity_id)
            # The speaker's account stays as it was; the form edits the name shown.
            data.speaker_id = activity.speaker_id
            activity_service.update(session, person, activity_id, data)
    except (InvalidInput, BookingConflict) as exc:
        with database.read() as session:
            activity = _managed(session, person, activity_id)
        errors, code = (exc.errors, 422) if isinstance(exc, InvalidInput) else (_room_taken(exc), 409)
        return _form_page(request, person, database, activity, values(form), errors=errors, status_code=code)
    return RedirectResponse(f"/activities/{activity_id}/manage?done=saved", status_code=303)


@router.post("/activities/{activity_id:id}/cancel")
def cancel_activity(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep):
    with database.write() as session:
        activity_service.cancel(session, person, activity_id)
    return RedirectResponse(f"/activities/{activity_id}/manage?done=cancelled", status_code=303)


def _manage_page(request, person, database, activity_id: int, *, done=None, problem=None):
    locale = locale_for(request)
    with database.read() as session:
        activity = _managed(session, person, activity_id)
        context = {
            "a": presenters.view(session, activity, person, locale), "activity": activity,
            "rows": repo.signup_list(session, activity.id), "ratings": repo.ratings(session, activity.id, approved_only=False),
            "tick_open": rules.tick_open(activity, utcnow()), "checkin_open": rules.checkin_open(activity, utcnow()),
            "grace": int(rules.CHECKIN_GRACE.total_seconds() // 60),
            "done": DONE.get(done or ""), "problem": problem,
        }
    return render(request, "activities/manage.html", context,
                  status_code=problem_status(problem))


def problem_status(problem) -> int:
    return problem.status_code if isinstance(problem, LianxinError) else 200


@router.get("/activities/{activity_id:id}/manage")
def manage(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep,
           done: Annotated[str | None, Query(max_length=30)] = None):
    return _manage_page(request, person, database, activity_id, done=done)


@router.post("/activities/{activity_id:id}/tick")
def tick(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep, form: FormDep):
    person_id = optional_id(form, "person")
    try:
        with database.write() as session:
            activity = _managed(session, person, activity_id)
            if person_id is None:
                raise InvalidInput("Please correct the marked fields.", {"person": "This person has not signed up."})
            activity_service.tick(session, person, activity, person_id)
    except LianxinError as exc:
        if isinstance(exc, NotFound):
            raise
        return _manage_page(request, person, database, activity_id, problem=exc)
    return RedirectResponse(f"/activities/{activity_id}/manage#signups", status_code=303)


@router.post("/activities/{activity_id:id}/ratings/{rating_id:id}/approve")
def approve_comment(request: Request, activity_id: int, rating_id: int, person: PagePerson, database: DatabaseDep,
                    form: FormDep):
    with database.write() as session:
        activity = _managed(session, person, activity_id)
        activity_service.set_comment_approved(session, activity, rating_id, text(form, "approved", 1) == "1")
    return RedirectResponse(f"/activities/{activity_id}/manage#ratings", status_code=303)


def _export(fmt: str):
    def export(request: Request, activity_id: int, person: PagePerson, database: DatabaseDep):
        gettext = gettext_for(locale_for(request))
        zone = _zone()
        with database.read() as session:
            activity = _managed(session, person, activity_id)
            rows = repo.signup_list(session, activity.id)
        labels = {"signed_up": gettext("Signed up"), "waiting": gettext("Waiting"), "walk_in": gettext("Walk-in")}
        methods = {"code": gettext("By code"), "ticked": gettext("Ticked")}
        header = [gettext("Person"), gettext("Phone"), gettext("Status"), gettext("Order of arrival"),
                  gettext("Signed up at"), gettext("Checked in at"), gettext("How")]
        body = [[r.name, r.phone, labels.get(r.status, r.status), r.position or None, r.signed_up_at.astimezone(zone),
                 r.checked_in_at.astimezone(zone) if r.checked_in_at else None, methods.get(r.method or "", "")]
                for r in rows]
        return export_response(fmt, f"activity-{activity_id}-signups", header, body, sheet_title=gettext("Sign-ups"))

    export.__name__ = f"export_signups_{fmt}"
    return export


for _fmt in FORMATS:
    router.add_api_route(f"/activities/{{activity_id:id}}/signups.{_fmt}", _export(_fmt), methods=["GET"])


# --- my activities and the calendar feeds ------------------------------------------------------------------
def _mine_page(request, person, database, *, feed_url: str | None = None):
    locale = locale_for(request)
    with database.read() as session:
        mine = repo.my_activities(session, person.id, since=utcnow() - timedelta(days=31))
        items = presenters.views(session, [m.activity for m in mine], person, locale)
        attended = {m.activity.id for m in mine if m.checked_in}
        has_feed = activity_service.has_feed(session, person)
    return render(request, "activities/mine.html", {"items": items, "attended": attended, "has_feed": has_feed,
                                                    "feed_url": feed_url, "now": utcnow()})


@router.get("/activities/mine")
def my_activities(request: Request, person: PagePerson, database: DatabaseDep):
    return _mine_page(request, person, database)


@router.post("/activities/mine/feed")
def new_feed(request: Request, person: PagePerson, database: DatabaseDep):
    with database.write() as session:
        secret = activity_service.new_feed_token(session, person)
    # Shown once, on this answer only (no redirect: the address must not sit in a URL or a log).
    base = str(request.base_url).rstrip("/")
    return _mine_page(request, person, database, feed_url=f"{base}/calendar/{secret}/mine.ics")


def _owner_locale(owner: Person) -> str:
    return owner.locale if owner.locale in LOCALES else DEFAULT_LOCALE


def _calendar(request: Request, items, owner: Person, name: str) -> Response:
    gettext = gettext_for(_owner_locale(owner))
    base = str(request.base_url).rstrip("/")
    body = calendar.ics(items, host=request.url.hostname or "lianxin", base_url=base, calendar_name=gettext(name),
                        now=utcnow(), kind_label=gettext)
    # Private to its owner: never kept by a shared cache.
    return Response(body, media_type=calendar.MEDIA_TYPE, headers={"Cache-Control": "private, no-store"})


Token = Annotated[str, Path(min_length=10, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def _feed(database, token: str):
    with database.read() as session:
        owner = activity_service.feed_owner(session, token)
    if owner is None:
        raise NotFound("There is no such calendar.")
    return owner


@router.get("/calendar/{token}/mine.ics")
def my_feed(request: Request, token: Token, database: DatabaseDep):
    """The person's own activities, for calendar apps (which send no cookie: the secret in the
    path is the credential)."""
    owner = _feed(database, token)
    with database.read() as session:
        mine = repo.my_activities(session, owner.id, since=utcnow() - timedelta(days=92))
        items = presenters.views(session, [m.activity for m in mine], owner, _owner_locale(owner))
    return _calendar(request, items, owner, "My activities")


@router.get("/calendar/{token}/programme.ics")
def programme_feed(request: Request, token: Token, database: DatabaseDep):
    """The centre's programme from a month ago to three months ahead."""
    owner = _feed(database, token)
    now = utcnow()
    with database.read() as session:
        activities = repo.programme(session, start=now - timedelta(days=31), end=now + rules.SERIES_HORIZON)
        items = presenters.views(session, activities, owner, _owner_locale(owner))
    return _calendar(request, items, owner, "The centre's programme")

