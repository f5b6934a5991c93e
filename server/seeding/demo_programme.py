"""The demo centre's programme: the theme party day on the second Thursday of every month
(from three months back, so there is history), lunchtime micro-lectures with speakers, a
micro-forum and a micro-film, four clubs with members and their own activities; past
activities have sign-ups, check-ins, ratings and approved comments, so the pages, the figures
and the pioneer index have something to show. Everything goes through the domains' services
(with the time each step would have happened), so the rules hold for the demo too.

Idempotent by a marker: when any club exists, the programme is taken as loaded."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.activities import service as activity_service
from server.activities.rules import ActivityFields
from server.clubs import service as club_service
from server.config import get_settings
from server.enums import ActivityAudience, ActivityKind, ClubJoinPolicy, Role
from server.errors import LianxinError
from server.models import Activity, Club, Department, Person, Room, utcnow

ORGANISER_USERNAME = "admin1"
CLUBS = (
    ("羽毛球俱乐部", "member1", ClubJoinPolicy.open, "每周三晚在园区体育馆活动，欢迎各企业球友。"),
    ("楼宇合唱团", "member2", ClubJoinPolicy.approval, "排练红色经典与流行合唱曲目，参加区级汇演；新成员经团长试唱后加入。"),
    ("青年读书会", "member3", ClubJoinPolicy.open, "每月共读一本书，午间分享交流。"),
    ("园区夜跑团", "member4", ClubJoinPolicy.open, "周二、周四晚 7 点园区环线夜跑，5 公里起。"),
)
LECTURES = (
    # days from now, local start, minutes, kind, title, speaker username (or None), speaker name
    (-40, "12:10", 50, ActivityKind.micro_lecture, "微党课：数字经济时代的基层党建", "lead1", ""),
    (-26, "12:10", 50, ActivityKind.micro_lecture, "微党课：新就业群体的组织覆盖", None, "李教授（市委党校）"),
    (-12, "14:00", 90, ActivityKind.micro_forum, "青年创业者微论坛：从孵化到加速", None, "园区企业家代表"),
    (-5, "12:10", 50, ActivityKind.micro_film, "微电影展映：《榜样》", None, ""),
    (2, "12:10", 50, ActivityKind.micro_lecture, "午间微党课：党章里的初心使命", "lead1", ""),
    (9, "12:10", 50, ActivityKind.micro_lecture, "微党课：企业合规与廉洁文化", None, "王律师（法律援助中心）"),
)
COMMENTS = ("讲得深入浅出，很有收获。", "案例贴近我们园区企业，希望多办。", "时间安排在午休很方便。",
            "互动环节很好，建议增加提问时间。", "内容扎实，主讲人准备充分。")


def _zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=_zone()).astimezone(UTC)


def _second_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 7)


def seed_programme(session: Session, *, now: datetime | None = None, seed: int = 7) -> dict[str, int]:
    """Create the demo programme unless a club exists. Returns what was created."""
    if session.scalar(select(func.count()).select_from(Club)):
        return {"clubs": 0, "activities": 0}
    people = {p.username: p for p in session.scalars(select(Person))}
    organiser = people.get(ORGANISER_USERNAME)
    centre = session.scalar(select(Department).where(Department.code == "centre"))
    if organiser is None or centre is None:
        return {"clubs": 0, "activities": 0}  # no demo accounts loaded
    now = now or utcnow()
    rng = random.Random(seed)
    members = [p for _name, p in sorted(people.items()) if p.has_role(Role.member) and p.active]
    clubs = _clubs(session, people, members, rng, now)

    today = now.astimezone(_zone()).date()
    # The theme party day 主题党日: the second Thursday of every month, from three months back.
    back = date(today.year, today.month, 1) - timedelta(days=80)
    first_day = _second_thursday(back.year, back.month)
    theme_start = _at(first_day, "14:30")
    made_at = theme_start - timedelta(days=20)
    theme = activity_service.create(session, organiser, ActivityFields(
        title="主题党日：学习贯彻党的二十届三中全会精神", kind=ActivityKind.theme_day,
        starts_at=theme_start, ends_at=theme_start + timedelta(hours=2), place="A1栋 3楼 党群活动室",
        description="集中学习、交流研讨、重温入党誓词。请各企业党员职工准时参加。", capacity=60,
        audience=ActivityAudience.members, signup_closes_at=theme_start - timedelta(hours=2),
        organiser_department_id=centre.id, repeat_rule="FREQ=MONTHLY;BYDAY=+2TH",
    ), now=made_at)
    activity_service.extend_series(session, theme.series_id, now=now)
    series = list(session.scalars(select(Activity).where(Activity.series_id == theme.series_id)))
    _hold_the_hall(session, organiser, [a for a in series if a.starts_at > now], now)

    lectures = []
    for days, clock, minutes, kind, title, speaker, speaker_name in LECTURES:
        start = _at(today + timedelta(days=days), clock)
        lectures.append(activity_service.create(session, organiser, ActivityFields(
            title=title, kind=kind, starts_at=start, ends_at=start + timedelta(minutes=minutes),
            place="A2栋 1楼 共享会议室", capacity=40, audience=ActivityAudience.members,
            speaker_id=people[speaker].id if speaker in people else None, speaker_name=speaker_name,
            description="午间 50 分钟，欢迎自带午餐。", organiser_department_id=centre.id,
        ), now=start - timedelta(days=14)))
    # One under way now, so the check-in can be tried at once.
    live = now - timedelta(minutes=10)
    lectures.append(activity_service.create(session, organiser, ActivityFields(
        title="微论坛：楼宇企业人才政策答疑", kind=ActivityKind.micro_forum, starts_at=live,
        ends_at=live + timedelta(hours=1), place="A1栋 3楼 党群活动室", capacity=30, speaker_name="区人社局",
        audience=ActivityAudience.members, organiser_department_id=centre.id,
    ), now=live - timedelta(days=7)))

    club_activities = []
    for club, offset in zip(clubs, (3, 6, 10, 1), strict=True):
        start = _at(today + timedelta(days=offset), "19:00")
        club_activities.append(activity_service.create(session, people[_lead_username(club)], ActivityFields(
            title=f"{club.name}·本周活动", kind=ActivityKind.club_activity, starts_at=start,
            ends_at=start + timedelta(hours=2), place="园区体育馆" if "羽毛球" in club.name else "A3栋 活动室",
            capacity=20, audience=ActivityAudience.club_members, organiser_club_id=club.id,
        ), now=start - timedelta(days=7)))

    for activity in [*series, *lectures]:
        _life(session, activity, members, organiser, rng, now)
    return {"clubs": len(clubs), "activities": len(series) + len(lectures) + len(club_activities)}


THEME_DAY_ROOM = "多功能报告厅"


def _hold_the_hall(session: Session, organiser: Person, activities: list[Activity], now: datetime) -> None:
    """The coming theme days hold the lecture hall (seeds/rooms.yaml) through the booking rules,
    so its calendar shows them; a day it is closed or taken keeps just the place's name."""
    hall = next((r for r in session.scalars(select(Room)) if r.name.get("zh-Hans") == THEME_DAY_ROOM), None)
    if hall is None:
        return
    for activity in activities:
        with contextlib.suppress(LianxinError):
            activity_service.hold_room(session, organiser, activity, hall.id, now=now)


def _lead_username(club: Club) -> str:
    return next(lead for name, lead, _policy, _text in CLUBS if name == club.name)


def _clubs(session: Session, people: dict[str, Person], members: list[Person], rng: random.Random,
           now: datetime) -> list[Club]:
    clubs = []
    for name, lead, policy, text in CLUBS:
        if lead not in people:
            continue
        club = club_service.create(session, None, club_service.ClubInput(
            name=name, lead_id=people[lead].id, description=text, join_policy=policy))
        clubs.append(club)
        for person in rng.sample(members, k=min(len(members), 4)):
            if person.id == club.lead_id:
                continue
            row = club_service.join(session, person, club.id, now=now - timedelta(days=rng.randint(10, 60)))
            if policy == ClubJoinPolicy.approval and rng.random() < .6:
                club_service.decide(session, people[lead], club.id, person.id, approve=True,
                                    now=row.requested_at + timedelta(days=1))
    return clubs


def _life(session: Session, activity: Activity, members: list[Person], organiser: Person, rng: random.Random,
          now: datetime) -> None:
    """Sign-ups before it (and, for what is over, check-ins and ratings) at the times they
    would have happened."""
    if activity.starts_at - timedelta(days=1) > now:
        signing = rng.sample(members, k=min(len(members), rng.randint(1, 3)))
    else:
        signing = rng.sample(members, k=min(len(members), max(1, len(members) - rng.randint(0, 2))))
    opened = activity.starts_at - timedelta(days=7)
    for i, person in enumerate(signing):
        at = min(opened + timedelta(hours=3 * i + 1), now - timedelta(minutes=30))
        if at < activity.starts_at - timedelta(hours=2):
            activity_service.sign_up(session, person, activity.id, now=at)
    if activity.ends_at > now:
        return
    comments = list(COMMENTS)
    rng.shuffle(comments)
    for person in signing:
        if rng.random() < .15:
            continue  # signed up, did not come
        arrived = activity.starts_at - timedelta(minutes=rng.randint(0, 10))
        activity_service.check_in_with_code(session, person, activity.id, activity.checkin_code, now=arrived)
        if rng.random() < .8:
            speaker = rng.choice((4, 5, 5)) if activity.speaker_id or activity.speaker_name else None
            comment = comments.pop() if comments and rng.random() < .6 else ""
            rating = activity_service.rate(session, person, activity.id, content=rng.choice((3, 4, 4, 5, 5)),
                                           speaker=speaker, comment=comment, now=activity.ends_at + timedelta(hours=2))
            if comment:
                activity_service.set_comment_approved(session, activity, rating.id, True)
