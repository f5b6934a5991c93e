"""Demo records for the pioneer index 先锋指数: the monthly theme days and lunchtime
micro-lectures of the last three quarters with the party members who came (some of them
speaking), volunteer hours, and contribution points awarded and deducted. Written through the
pioneer service (its checks, its audit trail), recorded by the demo's dispatcher and
supervisor. Deterministic, and only into a database with no pioneer records yet."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.models import AttendanceRecord, Person
from server.pioneer import service as pioneer

LECTURES = [
    "微党课：新质生产力与园区企业", "微党课：党章里的初心使命", "微论坛：青年党员如何带头创新",
    "微党课：数字经济中的党建引领", "微电影赏析：《柳青》", "微党课：从“两个确立”谈担当",
    "微论坛：非公企业党建经验交流", "微党课：学习贯彻二十届四中全会精神", "微党课：科技自立自强的党员责任",
]
THEMES = ["重温入党誓词", "走进社区志愿服务", "红色教育基地参观", "廉洁文化进楼宇", "主题党课与组织生活会",
          "结对帮扶困难群众"]
VOLUNTEERING = ["楼宇垃圾分类宣传值守", "党群服务中心前台志愿服务", "关爱独居老人上门探访", "园区献血活动引导",
                "青少年科普课堂助教", "消防安全知识入企宣讲"]
AWARDS = [(10, "牵头完成企业技术攻关项目，获区级表彰"), (8, "组织园区党员义诊活动"), (5, "撰写党建经验材料被区委组织部采用"),
          (6, "带领团队参与社区防汛值守"), (4, "主动认领“微心愿”并完成")]
DEDUCTIONS = [(-3, "无故缺席主题党日，未请假"), (-2, "未按时提交季度学习心得")]


def _second_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 7)


def _months(today: date, count: int) -> list[tuple[int, int]]:
    year, month, result = today.year, today.month, []
    for _ in range(count):
        result.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return result[::-1]


def seed_pioneer_records(session: Session, *, today: date | None = None, seed: int = 7) -> int:
    """The demo records; returns how many were written (0 when there are some already or the
    demo's party members, dispatcher or supervisor are missing)."""
    if session.scalar(select(func.count()).select_from(AttendanceRecord)):
        return 0
    clerk = session.scalar(select(Person).where(Person.username == "dispatcher1"))
    boss = session.scalar(select(Person).where(Person.username == "supervisor1"))
    members = pioneer.members_to_pick(session)
    if clerk is None or boss is None or not members:
        return 0
    today = today or pioneer.today()
    rng = random.Random(seed)
    # How keen each member is: the ranking gets a spread of 优秀, 良好 and 一般.
    zeal = {m.id: 0.35 + 0.6 * ((i * 37) % 10) / 9 for i, m in enumerate(members)}
    written = 0
    for n, (year, month) in enumerate(_months(today, 9)):
        day = _second_thursday(year, month)
        if day <= today:
            came = [m.id for m in members if rng.random() < zeal[m.id] + 0.15]
            if came:
                pioneer.record_attendance(session, clerk, pioneer.AttendanceInput(
                    f"{month}月主题党日：{THEMES[n % len(THEMES)]}", "theme_day", day, came))
                written += 1
        for k, offset in enumerate((6, 20)):
            day = date(year, month, 1) + timedelta(days=offset)
            if day > today:
                continue
            title = LECTURES[(2 * n + k) % len(LECTURES)]
            kind = "micro_film" if "微电影" in title else "micro_forum" if "微论坛" in title else "micro_lecture"
            speaker = members[(n + k) % len(members)] if (n + k) % 3 == 0 else None
            came = [m.id for m in members if rng.random() < zeal[m.id] and (speaker is None or m.id != speaker.id)]
            if not came:
                continue
            rating = f"{rng.choice([3.8, 4.2, 4.5, 4.7, 4.9]):.1f}" if speaker is not None else None
            pioneer.record_attendance(session, clerk, pioneer.AttendanceInput(
                title, kind, day, came, speaker.id if speaker else None, rating))
            written += 1
    start = today - timedelta(days=270)
    for m in members:
        for _ in range(round(10 * zeal[m.id])):
            day = start + timedelta(days=rng.randrange(0, 271))
            hours = rng.choice(["1.5", "2", "2.5", "3", "4"])
            pioneer.record_hours(session, clerk, pioneer.HoursInput(m.id, day, hours, rng.choice(VOLUNTEERING)))
            written += 1
        if zeal[m.id] > 0.6:
            for points, reason in rng.sample(AWARDS, 2 if zeal[m.id] > 0.8 else 1):
                pioneer.award_points(session, boss, pioneer.PointsInput(
                    m.id, today - timedelta(days=rng.randrange(0, 60)), points, reason))
                written += 1
        elif rng.random() < 0.5:
            points, reason = rng.choice(DEDUCTIONS)
            pioneer.award_points(session, boss, pioneer.PointsInput(m.id, today - timedelta(days=rng.randrange(0, 80)),
                                                                    points, reason))
            written += 1
    session.flush()
    return written
