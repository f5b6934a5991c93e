"""The programme's rules, with no database and no web: who may organise and manage an
activity, who may sign up, when sign-up, check-in and rating are open, the repeat rule, the
check-in code and the validation of an activity's fields. The service applies them; the
pages ask them (through the service's answers) what to offer."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as dateutil_rrule

from server.checks import raise_if_invalid
from server.enums import ActivityAudience, ActivityKind, ActivityStatus, Role
from server.i18n_text import N_
from server.models import Activity, Person
from server.rooms.rules import MAX_DAYS_AHEAD

# The code works from a little before the start to a little after the end: people arrive
# early, and the organiser may show it once more as they leave.
CHECKIN_GRACE = timedelta(minutes=15)
CHECKIN_CODE_DIGITS = 6
# Repeats are created this far ahead (and no further), whenever a series is extended: as far
# as a room can be booked, so that each occurrence can hold its room.
SERIES_HORIZON = timedelta(days=MAX_DAYS_AHEAD)
SERIES_MAX_NEW = 24
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 5000
PLACE_LIMIT = 200
SPEAKER_LIMIT = 100
COMMENT_LIMIT = 1000
MAX_CAPACITY = 100_000
# Roles that run the centre's programme: they organise for any department or club.
CENTRE_STAFF = frozenset({Role.dispatcher, Role.admin})
_RRULE_ALLOWED = re.compile(r"^[A-Z0-9=;,+\-]+$")

KIND_LABELS = {
    ActivityKind.theme_day: N_("Theme party day"),
    ActivityKind.micro_lecture: N_("Micro-lecture"),
    ActivityKind.micro_film: N_("Micro-film"),
    ActivityKind.micro_forum: N_("Micro-forum"),
    ActivityKind.club_activity: N_("Club activity"),
    ActivityKind.other: N_("Other activity"),
}
AUDIENCE_LABELS = {
    ActivityAudience.members: N_("Members"),
    ActivityAudience.enterprise_contacts: N_("Enterprise contacts"),
    ActivityAudience.party_members: N_("Party members only"),
    ActivityAudience.club_members: N_("The club's members"),
}


# --- who ---------------------------------------------------------------------------------------
def is_party_member(person: Person) -> bool:
    """The one place that says whether someone is a party member (the party-members-only
    audience). Party membership is recorded by the pioneer domain ([10/12]) as a flag on the
    person; until that column exists nobody counts as one, so such activities stay closed
    rather than open to all."""
    return bool(getattr(person, "is_party_member", False))


def may_organise(person: Person, *, department_id: int | None, club_lead_id: int | None) -> bool:
    """May ``person`` run activities for this organiser (a department, or a club whose lead
    is ``club_lead_id``)? Centre staff for anyone, a department lead for their department,
    a club's lead for their club."""
    if person.roles & CENTRE_STAFF:
        return True
    if department_id is not None:
        return Role.lead in person.roles and person.department_id == department_id
    return club_lead_id is not None and club_lead_id == person.id


def may_create_any(person: Person, *, leads_a_club: bool) -> bool:
    """Does the person organise anything at all (the "new activity" button)?"""
    return bool(person.roles & CENTRE_STAFF) or (Role.lead in person.roles and person.department_id is not None) or leads_a_club


def audience_refusal(activity: Activity, person: Person, *, in_club: bool) -> str | None:
    """Why ``person`` is not in the activity's audience, or None. ``in_club``: whether they
    are a member of the organising club (the caller looks it up only for club audiences)."""
    audience = activity.audience
    if audience == ActivityAudience.members and Role.member not in person.roles:
        return N_("This activity is for members.")
    if audience == ActivityAudience.enterprise_contacts and Role.contact not in person.roles:
        return N_("This activity is for enterprise contacts.")
    if audience == ActivityAudience.party_members and not is_party_member(person):
        return N_("This activity is for party members.")
    if audience == ActivityAudience.club_members and not in_club:
        return N_("This activity is for the club's members: join the club first.")
    return None


# --- when --------------------------------------------------------------------------------------
def signup_closes_at(activity: Activity) -> datetime:
    return activity.signup_closes_at or activity.starts_at


def signup_refusal(activity: Activity, now: datetime) -> str | None:
    """Why nobody can sign up now (state and window), or None."""
    if activity.status == ActivityStatus.cancelled:
        return N_("This activity has been cancelled.")
    if activity.signup_opens_at is not None and now < activity.signup_opens_at:
        return N_("Sign-up has not opened yet.")
    if now >= signup_closes_at(activity):
        return N_("Sign-up has closed.")
    return None


def cancel_refusal(activity: Activity, now: datetime) -> str | None:
    """Why a sign-up can no longer be cancelled (the activity has begun), or None."""
    if activity.status == ActivityStatus.cancelled:
        return N_("This activity has been cancelled.")
    if now >= activity.starts_at:
        return N_("The activity has begun: a sign-up can no longer be cancelled.")
    return None


def checkin_open(activity: Activity, now: datetime) -> bool:
    return (
        activity.status == ActivityStatus.scheduled
        and activity.starts_at - CHECKIN_GRACE <= now <= activity.ends_at + CHECKIN_GRACE
    )


def tick_open(activity: Activity, now: datetime) -> bool:
    """The organiser ticks names from shortly before the start, and may fill in afterwards."""
    return activity.status == ActivityStatus.scheduled and now >= activity.starts_at - CHECKIN_GRACE


def rating_refusal(activity: Activity, now: datetime, *, attended: bool) -> str | None:
    if activity.status == ActivityStatus.cancelled:
        return N_("This activity has been cancelled.")
    if now < activity.ends_at:
        return N_("You can rate the activity once it has ended.")
    if not attended:
        return NOT_ATTENDED
    return None


NOT_ATTENDED = N_("Only people who checked in can rate the activity.")


def has_speaker(activity: Activity) -> bool:
    return activity.speaker_id is not None or bool(activity.speaker_name)


def new_checkin_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CHECKIN_CODE_DIGITS))


def code_matches(activity: Activity, typed: str) -> bool:
    typed = "".join(ch for ch in typed if not ch.isspace())
    return secrets.compare_digest(typed.encode(), activity.checkin_code.encode())


# --- repeats -----------------------------------------------------------------------------------
def parse_rrule(text: str, first_starts_at: datetime, zone: ZoneInfo) -> dateutil_rrule.rrule:
    """The rule as dateutil reads it, anchored at the first start in the centre's zone (so
    "the second Thursday at 14:30" stays 14:30 local). ValueError when it is no rule."""
    text = text.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:"):]
    if not text or not _RRULE_ALLOWED.match(text) or "DTSTART" in text:
        raise ValueError("not a repeat rule")
    rule = dateutil_rrule.rrulestr(text, dtstart=first_starts_at.astimezone(zone))
    if not isinstance(rule, dateutil_rrule.rrule) or rule._freq not in (
        dateutil_rrule.DAILY, dateutil_rrule.WEEKLY, dateutil_rrule.MONTHLY, dateutil_rrule.YEARLY,
    ):
        raise ValueError("repeats daily at most")
    return rule


def next_starts(rule: dateutil_rrule.rrule, after: datetime, until: datetime, limit: int = SERIES_MAX_NEW) -> list[datetime]:
    """Occurrences strictly after ``after`` and up to ``until``, as UTC (at most ``limit``)."""
    found: list[datetime] = []
    for start in rule.xafter(after, inc=False):
        if start > until or len(found) >= limit:
            break
        found.append(start.astimezone(ZoneInfo("UTC")))
    return found


# --- fields ------------------------------------------------------------------------------------
@dataclass
class ActivityFields:
    """What a person types for an activity (the pages' form and the API's body alike)."""

    title: str
    kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    description: str = ""
    place: str = ""
    speaker_name: str = ""
    speaker_id: int | None = None
    capacity: int | None = None
    audience: str = ActivityAudience.members
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None
    organiser_department_id: int | None = None
    organiser_club_id: int | None = None
    repeat_rule: str = ""
    # A room booked for the activity's time through the rooms' own rules (server/rooms/service.py).
    room_id: int | None = None


def check_fields(data: ActivityFields, zone: ZoneInfo, *, creating: bool) -> None:
    """InvalidInput naming each field that breaks a rule."""
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = N_("Give the activity a title.")
    elif len(data.title) > TITLE_LIMIT:
        errors["title"] = N_("The title is too long.")
    if data.kind not in ActivityKind.__members__:
        errors["kind"] = N_("Choose a kind of activity.")
    if data.audience not in ActivityAudience.__members__:
        errors["audience"] = N_("Choose who may sign up.")
    if len(data.description) > DESCRIPTION_LIMIT:
        errors["description"] = N_("The description is too long.")
    if len(data.place) > PLACE_LIMIT:
        errors["place"] = N_("The place is too long.")
    if len(data.speaker_name) > SPEAKER_LIMIT:
        errors["speaker_name"] = N_("The speaker's name is too long.")
    if data.starts_at is None:
        errors["starts_at"] = N_("Give the start time.")
    if data.ends_at is None:
        errors["ends_at"] = N_("Give the end time.")
    elif data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = N_("The activity must end after it starts.")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = N_("Places must be a whole number from 1, or empty for no limit.")
    if data.signup_opens_at and data.signup_closes_at and data.signup_closes_at <= data.signup_opens_at:
        errors["signup_closes_at"] = N_("Sign-up must close after it opens.")
    if data.signup_closes_at and data.starts_at and data.signup_closes_at > data.starts_at:
        errors["signup_closes_at"] = N_("Sign-up must close by the start.")
    if (data.organiser_department_id is None) == (data.organiser_club_id is None):
        errors["organiser"] = N_("Choose the organiser: a department or a club.")
    if data.audience == ActivityAudience.club_members and data.organiser_club_id is None and "organiser" not in errors:
        errors["audience"] = N_("Only a club's activity can be for the club's members.")
    if creating and data.repeat_rule and data.starts_at is not None:
        try:
            parse_rrule(data.repeat_rule, data.starts_at, zone)
        except (ValueError, TypeError):
            errors["repeat_rule"] = N_("The repeat rule is not one we can read (e.g. FREQ=MONTHLY;BYDAY=+2TH).")
    raise_if_invalid(errors)
