"""The programme's JSON API (/api/v1/activities): a thin door onto the activity service, with
the pages' rules and the same problem+json errors. Everyone signed in sees the programme; the
sign-up list, all ratings and the figures are for the organiser (and the centre's overseers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import AwareDatetime

from server.activities import figures as programme_figures
from server.activities import presenters
from server.activities import repository as repo
from server.activities import service as activity_service
from server.activities.rules import ActivityFields
from server.activities.schemas import (
    ActivityIn,
    ActivityOut,
    ApprovalIn,
    CheckInOut,
    CodeIn,
    FiguresOut,
    KindFiguresOut,
    RatingIn,
    RatingOut,
    SignupOut,
    SignupRowOut,
    SpeakerFiguresOut,
    TickIn,
)
from server.api.deps import DatabaseDep, PersonDep
from server.enums import ActivityKind
from server.errors import InvalidInput, NotFound
from server.i18n_locale import negotiate
from server.models import Person, Signup, utcnow
from server.policy import OVERSEERS, require_role

router = APIRouter(prefix="/activities", tags=["activities"])
AcceptLanguage = Annotated[str | None, Header(alias="Accept-Language", include_in_schema=False)]
MAX_PERIOD = timedelta(days=93)
ERRORS = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed for you"},
    404: {"description": "No such activity"},
    409: {"description": "Not in this state or window (full, closed, cancelled, already done), or the room is "
                         "taken then (booking-conflict, naming the booking in the way)"},
    422: {"description": "Invalid input, with a message per field"},
}


def _fields(body: ActivityIn) -> ActivityFields:
    return ActivityFields(**body.model_dump())


def _out(session, activity, person: Person, locale: str) -> ActivityOut:
    return ActivityOut.of(presenters.view(session, activity, person, locale))


@router.get("", response_model=list[ActivityOut], summary="The programme: activities starting in a period",
            responses=ERRORS)
def list_activities(
    database: DatabaseDep, person: PersonDep, accept_language: AcceptLanguage = None,
    start: Annotated[AwareDatetime | None, Query(alias="from", description="Default: now")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Default and at most: 93 days after from")] = None,
    kind: ActivityKind | None = None,
    department_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    club_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[ActivityOut]:
    start = start or utcnow()
    end = end or start + MAX_PERIOD
    if end <= start or end - start > MAX_PERIOD:
        raise InvalidInput("Please correct the marked fields.", {"to": "The period is at most 93 days, and to comes after from."})
    locale = negotiate(accept_language)
    with database.read() as session:
        activities = repo.programme(session, start=start, end=end, kind=kind, department_id=department_id, club_id=club_id)
        return [ActivityOut.of(v) for v in presenters.views(session, activities, person, locale)]


@router.post("", response_model=ActivityOut, status_code=status.HTTP_201_CREATED, summary="Create an activity",
             responses=ERRORS)
def create_activity(body: ActivityIn, database: DatabaseDep, person: PersonDep, response: Response,
                    accept_language: AcceptLanguage = None) -> ActivityOut:
    def work(session):
        activity = activity_service.create(session, person, _fields(body))
        return _out(session, activity, person, negotiate(accept_language))

    out = database.run(work)
    response.headers["Location"] = f"/api/v1/activities/{out.id}"
    return out


@router.get("/figures", response_model=FiguresOut, summary="The programme's figures over a period (overseers)",
            responses=ERRORS)
def get_figures(
    database: DatabaseDep, person: PersonDep,
    start: Annotated[AwareDatetime, Query(alias="from")], end: Annotated[AwareDatetime, Query(alias="to")],
) -> FiguresOut:
    require_role(person, *OVERSEERS)
    if end <= start or end - start > timedelta(days=366):
        raise InvalidInput("Please correct the marked fields.", {"to": "The period is at most a year, and to comes after from."})
    with database.read() as session:
        result = programme_figures.figures(session, start=start, end=end, now=utcnow())
    return FiguresOut(
        start=start, end=end, held=result.held, signed_up=result.signed_up, attended=result.attended,
        walk_ins=result.walk_ins, attendance_rate=result.attendance_rate,
        by_kind=[KindFiguresOut(**vars(k), attendance_rate=k.attendance_rate) for k in result.by_kind],
        by_speaker=[SpeakerFiguresOut(**vars(s)) for s in result.by_speaker],
    )


@router.get("/{activity_id:id}", response_model=ActivityOut, summary="One activity", responses=ERRORS)
def get_activity(activity_id: int, database: DatabaseDep, person: PersonDep,
                 accept_language: AcceptLanguage = None) -> ActivityOut:
    with database.read() as session:
        return _out(session, activity_service.get(session, activity_id), person, negotiate(accept_language))


@router.put("/{activity_id:id}", response_model=ActivityOut, summary="Edit an activity (its organiser)",
            responses=ERRORS)
def update_activity(activity_id: int, body: ActivityIn, database: DatabaseDep, person: PersonDep,
                    accept_language: AcceptLanguage = None) -> ActivityOut:
    def work(session):
        activity = activity_service.update(session, person, activity_id, _fields(body))
        return _out(session, activity, person, negotiate(accept_language))

    return database.run(work)


@router.post("/{activity_id:id}/cancel", response_model=ActivityOut, summary="Cancel an activity (its organiser)",
             responses=ERRORS)
def cancel_activity(activity_id: int, database: DatabaseDep, person: PersonDep,
                    accept_language: AcceptLanguage = None) -> ActivityOut:
    def work(session):
        activity = activity_service.cancel(session, person, activity_id)
        return _out(session, activity, person, negotiate(accept_language))

    return database.run(work)


def _signup_out(session, signup: Signup) -> SignupOut:
    place = repo.waiting_place(session, signup) if signup.status == "waiting" else None
    return SignupOut(activity_id=signup.activity_id, status=signup.status, position=signup.position,
                     waiting_place=place, created_at=signup.created_at, promoted_at=signup.promoted_at)


@router.post("/{activity_id:id}/signup", response_model=SignupOut, status_code=status.HTTP_201_CREATED,
             summary="Sign up: a place, or the end of the waiting list", responses=ERRORS)
def sign_up(activity_id: int, database: DatabaseDep, person: PersonDep) -> SignupOut:
    return database.run(lambda s: _signup_out(s, activity_service.sign_up(s, person, activity_id)))


@router.get("/{activity_id:id}/signup", response_model=SignupOut, summary="Your sign-up",
            responses={**ERRORS, 404: {"description": "No such activity, or you have not signed up"}})
def my_signup(activity_id: int, database: DatabaseDep, person: PersonDep) -> SignupOut:
    with database.read() as session:
        activity_service.get(session, activity_id)
        signup = repo.signup_of(session, activity_id, person.id)
        if signup is None or signup.status == "cancelled":
            raise NotFound("You have not signed up for this activity.")
        return _signup_out(session, signup)


@router.delete("/{activity_id:id}/signup", status_code=status.HTTP_204_NO_CONTENT,
               summary="Cancel your sign-up (the first on the waiting list moves up)", responses=ERRORS)
def cancel_signup(activity_id: int, database: DatabaseDep, person: PersonDep) -> Response:
    database.run(lambda s: activity_service.cancel_signup(s, person, activity_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{activity_id:id}/signups", response_model=list[SignupRowOut],
            summary="The sign-up list with attendance (the organiser)", responses=ERRORS)
def signup_list(activity_id: int, database: DatabaseDep, person: PersonDep) -> list[SignupRowOut]:
    with database.read() as session:
        activity = activity_service.get(session, activity_id)
        activity_service.require_manage(session, person, activity)
        return [SignupRowOut(**vars(row)) for row in repo.signup_list(session, activity.id)]


@router.post("/{activity_id:id}/checkin", response_model=CheckInOut, summary="Check in with the code shown in the room",
             responses=ERRORS)
def check_in(activity_id: int, body: CodeIn, database: DatabaseDep, person: PersonDep) -> CheckInOut:
    return CheckInOut(recorded=database.run(lambda s: activity_service.check_in_with_code(s, person, activity_id, body.code)))


@router.post("/{activity_id:id}/attendance", response_model=CheckInOut,
             summary="Tick someone on the sign-up list as present (the organiser)", responses=ERRORS)
def tick(activity_id: int, body: TickIn, database: DatabaseDep, person: PersonDep) -> CheckInOut:
    def work(session):
        activity = activity_service.get(session, activity_id)
        activity_service.require_manage(session, person, activity)
        return activity_service.tick(session, person, activity, body.person_id)

    return CheckInOut(recorded=database.run(work))


@router.post("/{activity_id:id}/ratings", response_model=RatingOut, status_code=status.HTTP_201_CREATED,
             summary="Rate an activity you attended, once, after it ends", responses=ERRORS)
def rate(activity_id: int, body: RatingIn, database: DatabaseDep, person: PersonDep) -> RatingOut:
    def work(session):
        rating = activity_service.rate(session, person, activity_id, content=body.content, speaker=body.speaker,
                                       comment=body.comment)
        return RatingOut(id=rating.id, name=person.display_name, content=rating.content, speaker=rating.speaker,
                         comment=rating.comment, approved=rating.approved, created_at=rating.created_at)

    return database.run(work)


@router.get("/{activity_id:id}/ratings", response_model=list[RatingOut],
            summary="The comment wall (approved comments); the organiser gets every rating", responses=ERRORS)
def ratings(activity_id: int, database: DatabaseDep, person: PersonDep) -> list[RatingOut]:
    with database.read() as session:
        activity = activity_service.get(session, activity_id)
        everything = activity_service.may_manage(session, person, activity)
        return [RatingOut(**vars(e)) for e in repo.ratings(session, activity.id, approved_only=not everything)]


@router.put("/{activity_id:id}/ratings/{rating_id:id}/approval", response_model=RatingOut,
            summary="Show a comment on the wall or take it off (the organiser)", responses=ERRORS)
def approve(activity_id: int, rating_id: int, body: ApprovalIn, database: DatabaseDep, person: PersonDep) -> RatingOut:
    def work(session):
        activity = activity_service.get(session, activity_id)
        activity_service.require_manage(session, person, activity)
        rating = activity_service.set_comment_approved(session, activity, rating_id, body.approved)
        author = session.get(Person, rating.person_id)
        return RatingOut(id=rating.id, name=author.display_name if author else "", content=rating.content,
                         speaker=rating.speaker, comment=rating.comment, approved=rating.approved,
                         created_at=rating.created_at)

    return database.run(work)

