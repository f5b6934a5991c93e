"""Demo requests in bulk: a believable history in every state, fast enough for a million rows.

Speed matters more than fidelity here, so this writes with SQLAlchemy Core ``insert()``
executemany in batches, from precomputed pools, with no ORM object per row, instead of going
through the request service one transition at a time. What it writes must still look like what
the service writes (same event actions and data, same answer snapshots, consistent
timestamps, department and assignee), because the pages and metrics read it as real data.

What the supervision figures count is filled as the transitions fill it: due times and
working-time durations come from the same calendars and helpers (server/requests/actions.py's
calendar and working_tenths), the first-time facts (first claim and its due time, first
completion and the due time that applied, as extended and with suspensions added back), the
latest rating, unrated closes, return/rework/transfer counts, and the sweep's flag and overdue
stamps as of now. Histories take detours: returns, transfers, releases, suspensions,
extensions and reworks (see the P_* shares below); some claims and completions come late.

Deliberate approximations, for speed:
- When a request is too young for the history drawn for it, its steps are squeezed into its
  age (the times shrink; due times and durations are still computed from the times written).
- No urges or co-handling departments.
- Should the app be writing at the same time, the tracking numbers are still safe: each batch
  takes its numbers the way a submission takes one (server.requests.numbering).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from server.db import Database
from server.enums import Action, AssignmentMode, Audience, FieldType, RequestStatus, Role
from server.enums import Rating as RatingValue
from server.models import (
    Building,
    Department,
    Enterprise,
    Person,
    PersonRole,
    RequestEvent,
    RequestRating,
    Service,
    ServiceField,
    ServiceRequest,
)
from server.models.base import UTCDateTime
from server.requests import actions, due, flags, numbering
from server.requests.actions import working_tenths
from server.worktime import WorkCalendar

S = RequestStatus
HOUR = 3600.0
DAY = 86400.0

ProgressCallback = Callable[[int, int], None]


class DemoDataError(RuntimeError):
    """The database lacks what demo requests need (services, requesters, staff)."""


# ── what the database holds ─────────────────────────────────────────────────


@dataclass
class _Service:
    id: int
    code: str
    name: str
    audience: Audience
    department_id: int | None
    claim_limit_hours: int
    complete_limit_days: int
    templates: list[list[dict]] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)


@dataclass
class _Requester:
    id: int
    enterprise_id: int | None
    phone: str
    building_id: int | None
    floor: str
    is_member: bool
    is_contact: bool


@dataclass
class _Context:
    services: list[_Service]
    requesters: list[_Requester]
    staff: dict[int, list[tuple[int, str]]]  # department id → [(person id, username)]
    staffed: list[int]  # active departments with staff, for dispatcher-placed requests
    auto_assign: set[int]  # departments that assign on arrival (round-robin, least-loaded)
    department_codes: dict[int, str]
    dispatchers: list[int]
    buildings: list[tuple[int, list[str]]]
    tz: ZoneInfo
    rating_window: float  # seconds
    centre: WorkCalendar  # the centre's working time (complete due times, time to dispatch)
    calendars: dict[int, WorkCalendar]  # department id → its office hours (claim due times, durations)
    open_queue: list[int]  # staffed departments that leave tasks to be claimed (detours go there)


def _load_context(database: Database, rng: random.Random) -> _Context:
    with database.read() as session:
        fields_by_service: dict[int, list[ServiceField]] = {}
        for f in session.scalars(select(ServiceField).order_by(ServiceField.service_id, ServiceField.position)):
            fields_by_service.setdefault(f.service_id, []).append(f)
        services = [
            _Service(
                id=s.id,
                code=s.code,
                name=(s.name or {}).get("zh-Hans") or s.code,
                audience=Audience(s.audience),
                department_id=s.department_id,
                claim_limit_hours=s.claim_limit_hours,
                complete_limit_days=s.complete_limit_days,
            )
            for s in session.scalars(select(Service).where(Service.retired_at.is_(None)).order_by(Service.position, Service.id))
        ]
        for s in services:
            s.templates = [_answer_template(fields_by_service.get(s.id, []), rng) for _ in range(12)]
            s.descriptions = [p.format(service=s.name) for p in _DESCRIPTIONS]

        roles: dict[int, set[str]] = {}
        for person_id, role in session.execute(
            select(PersonRole.person_id, PersonRole.role).join(Person, Person.id == PersonRole.person_id).where(Person.active)
        ):
            roles.setdefault(person_id, set()).add(str(role))
        enterprises = {e.id: (e.building_id, e.floor) for e in session.scalars(select(Enterprise))}
        buildings = [(b.id, list(b.floors or []) or ["1"]) for b in session.scalars(select(Building).where(Building.active))]
        requesters, staff, dispatchers = [], {}, []
        for p in session.scalars(select(Person).where(Person.active).order_by(Person.id)):
            r = roles.get(p.id, set())
            if Role.member in r or Role.contact in r:
                building_id, floor = enterprises.get(p.enterprise_id, (None, "")) if p.enterprise_id else (None, "")
                requesters.append(
                    _Requester(p.id, p.enterprise_id, p.phone, building_id, floor, Role.member in r, Role.contact in r)
                )
            if Role.staff in r and p.department_id is not None:
                staff.setdefault(p.department_id, []).append((p.id, p.username))
            if Role.dispatcher in r:
                dispatchers.append(p.id)
        departments = list(session.scalars(select(Department).where(Department.active)))
    settings = database.settings
    return _Context(
        services=services,
        requesters=requesters,
        staff=staff,
        auto_assign={
            d.id for d in departments if AssignmentMode(d.assignment_mode) != AssignmentMode.open_queue and staff.get(d.id)
        },
        department_codes={d.id: d.code for d in departments},
        staffed=[d.id for d in departments if staff.get(d.id)],
        dispatchers=dispatchers,
        buildings=buildings,
        tz=ZoneInfo(settings.timezone),
        rating_window=settings.rating_window_days * DAY,
        centre=actions.calendar(),
        calendars={d.id: actions.calendar(d) for d in departments},
        open_queue=[d.id for d in departments if staff.get(d.id) and AssignmentMode(d.assignment_mode) == AssignmentMode.open_queue],
    )


# ── answers and texts ───────────────────────────────────────────────────────

_DESCRIPTIONS = (
    "想咨询一下{service}的具体办理流程，麻烦尽快联系我。",
    "{service}：公司这边比较急，希望本周内能对接。",
    "申请{service}，相关情况已在表单中填写，请查收。",
    "{service}的事情之前电话咨询过，现在正式提交申请。",
    "请协助办理{service}，工作日白天都可以联系我。",
    "",
)
_SHORT_TEXTS = ("详见描述", "请电话联系", "数字化转型", "青年人才成长", "初心使命", "团队建设", "新时代党建")
_LONG_TEXTS = (
    "具体情况比较复杂，希望能当面沟通。",
    "已经准备好了基本材料，不清楚还需要补充什么。",
    "之前在其他地方办理过类似业务，这次想在楼宇就近办理。",
    "涉及多名员工，希望能安排一次集中讲解。",
)
_RESULT_NOTES = ("已电话联系申请人并办理完毕。", "已上门服务，问题已解决。", "材料已审核通过，相关手续已办结。", "已按约定时间完成服务。")
_REJECT_NOTES = ("不属于本中心受理范围，已告知申请人向有关部门反映。", "信息不完整且多次联系不上申请人。", "与已受理的工单重复。")
_SUSPEND_NOTES = ("等待申请人补充材料。", "申请人出差，约定返回后再办理。")
_UNSATISFIED_NOTES = ("办理时间太长了。", "问题没有真正解决。", "沟通不够及时。")
_PRAISE = ("", "", "", "服务很及时，谢谢！", "工作人员很耐心。", "")


def _answer_template(fields: list[ServiceField], rng: random.Random) -> list[dict]:
    """One snapshot in the request service's format. Date values are stored as day offsets
    (``"_offset"``) and filled in per request, so dates fall after the submission."""
    snapshot = []
    for f in fields:
        kind = FieldType(f.type)
        entry: dict[str, Any] = {"code": f.code, "type": str(kind), "label": dict(f.label)}
        if f.choices:
            entry["choices"] = {c["value"]: c.get("label", {}) for c in f.choices}
        blank = not f.required and rng.random() < 0.3
        value: Any = None
        if kind == FieldType.file or blank:
            value = None
        elif kind == FieldType.text:
            value = rng.choice(_SHORT_TEXTS)[: f.max_length or None]
        elif kind == FieldType.long_text:
            value = rng.choice(_LONG_TEXTS)[: f.max_length or None]
        elif kind == FieldType.number:
            lo = int(f.min_value) if f.min_value is not None else 1
            hi = int(f.max_value) if f.max_value is not None else lo + 100
            value = rng.randint(lo, max(lo, min(hi, lo + 60)))
        elif kind in (FieldType.date, FieldType.datetime):
            entry["_offset"] = rng.randint(1, 14)
        elif kind == FieldType.single_choice:
            value = rng.choice([c["value"] for c in f.choices])
        elif kind == FieldType.multiple_choice:
            values = [c["value"] for c in f.choices]
            picked = set(rng.sample(values, rng.randint(1, min(3, len(values)))))
            value = [v for v in values if v in picked]
        entry["value"] = value
        snapshot.append(entry)
    return snapshot


def _answers(template: list[dict], submitted: datetime, tz: ZoneInfo) -> list[dict]:
    out = []
    for entry in template:
        offset = entry.get("_offset")
        if offset is None:
            out.append(entry)
            continue
        entry = {k: v for k, v in entry.items() if k != "_offset"}
        day = submitted.astimezone(tz) + timedelta(days=offset)
        if entry["type"] == FieldType.date:
            entry["value"] = day.date().isoformat()
        else:
            entry["value"] = day.replace(hour=14 if offset % 2 else 9, minute=30 * (offset % 2)).strftime("%Y-%m-%dT%H:%M")
        out.append(entry)
    return out


# ── choosing states and services ────────────────────────────────────────────

# (state, weight) by the request's age: young ones are mostly open, old ones mostly closed.
_STATE_WEIGHTS = (
    (8 * HOUR, {S.submitted: 4, S.dispatched: 28, S.claimed: 32, S.suspended: 3, S.completed: 12, S.closed: 6, S.cancelled: 10, S.rejected: 5}),
    (7 * DAY, {S.submitted: 2, S.dispatched: 6, S.claimed: 22, S.suspended: 5, S.completed: 20, S.closed: 33, S.cancelled: 7, S.rejected: 5}),
    (30 * DAY, {S.submitted: 1, S.dispatched: 1, S.claimed: 4, S.suspended: 2, S.completed: 1, S.closed: 80, S.cancelled: 6, S.rejected: 5}),
    # A month on, a centre has dealt with nearly everything: a thin tail of forgotten ones.
    (float("inf"), {S.submitted: 0.05, S.dispatched: 0.1, S.claimed: 0.6, S.suspended: 0.4, S.completed: 0.1, S.closed: 88, S.cancelled: 6, S.rejected: 5}),
)
ALL_STATES = tuple(RequestStatus)


class _Pools:
    """Weighted service choices per requester kind and per routing kind, precomputed so the
    per-row choice is one bisect."""

    def __init__(self, ctx: _Context, rng: random.Random):
        # Some services are in more demand than others, none dominates: a real centre's busiest
        # service takes maybe a sixth of its requests, not half (a Pareto tail gave one service
        # 40 % of the demo). Weights from 1 to 4, so the busiest is at most 4× the quietest.
        popularity = {s.id: 1.0 + 3.0 * rng.random() ** 2 for s in ctx.services}
        self._pools: dict[tuple[str, str], tuple[list[_Service], list[float]]] = {}
        for kind in ("member", "contact", "both"):
            allowed = [s for s in ctx.services if _audience_allows(s.audience, kind)]
            groups = {
                "null": [s for s in allowed if s.department_id is None],
                # Not assigned on arrival, so they can wait in a queue or be cancelled there.
                "queue": [s for s in allowed if s.department_id not in ctx.auto_assign],
                "any": allowed,
            }
            for name, services in groups.items():
                self._pools[(kind, name)] = (services, list(itertools.accumulate(popularity[s.id] for s in services)))

    def pick(self, kind: str, group: str, rng: random.Random) -> _Service | None:
        services, cumulative = self._pools[(kind, group)]
        if not services:
            return None
        return services[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _audience_allows(audience: Audience, kind: str) -> bool:
    if audience == Audience.both or kind == "both":
        return True
    return (audience == Audience.members) == (kind == "member")


def _group_for(state: RequestStatus) -> str:
    if state in (S.submitted, S.rejected):
        return "null"  # routed services are dispatched on submission, so never wait for triage
    if state in (S.dispatched, S.cancelled):
        return "queue"
    return "any"


_STATE_TABLE = tuple(
    (limit, tuple(weights), tuple(itertools.accumulate(weights.values()))) for limit, weights in _STATE_WEIGHTS
)


def _pick_state(age: float, rng: random.Random) -> RequestStatus:
    for limit, states, cumulative in _STATE_TABLE:
        if age < limit:
            return states[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
    raise AssertionError("unreachable")


# ── one request ─────────────────────────────────────────────────────────────


@dataclass
class _Row:
    request: dict
    events: list[dict]
    rating: dict | None


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# How often each detour happens on the way to a request's state (the rest take the main path).
P_RETURN = 0.04  # returned by the first department, dispatched again
P_TRANSFER = 0.06  # transferred by a dispatcher before anyone claimed it
P_RELEASE = 0.03  # claimed, released, claimed again by a colleague
P_SUSPEND = 0.08  # suspended while waiting on the requester, then resumed
P_EXTENSION = 0.05  # asked for more time before falling due, granted
P_REWORK = 0.06  # sent back by the requester for rework (重办) once
P_UNRATED = 0.12  # left unrated and closed by the rating window
RATINGS = ((RatingValue.satisfied, 74), (RatingValue.basically_satisfied, 17), (RatingValue.unsatisfied, 9))
# The share of its limit a claim or a completion takes, in working time: mostly well within,
# a tail beyond (overdue).
CLAIM_MEAN_SHARE = 0.4
COMPLETE_SHARE = (0.15, 1.25)


class _Life:
    """One request's history, applied step by step with the effects of
    server/requests/actions.py: the same due-time and working-time code (actions.calendar,
    working_tenths), the same first-time facts (first_claimed_at, first_claim_due_at,
    first_completed_at, first_complete_due_at, tenths_to_*), the same counters."""

    def __init__(self, ctx: _Context, service: _Service, request: dict, events: list[dict]):
        self.ctx, self.service, self.r, self.events = ctx, service, request, events
        self.status = S.submitted
        self.rating: dict | None = None

    def cal(self, department_id: int | None = None):
        return self.ctx.calendars.get(department_id or self.r["department_id"], self.ctx.centre)

    def event(self, at: float, action: Action, target: RequestStatus, actor: int | None, *, note: str = "", data: dict | None = None) -> None:
        self.events.append(_event(at, action, self.status, target, actor, note=note, data=data))
        self.status = target

    def dispatch(self, at: float, department_id: int, actor: int | None) -> None:
        self._apply_department(at, department_id)
        self.event(at, Action.dispatch, S.dispatched, actor, data={"department": self.ctx.department_codes[department_id]})

    def _apply_department(self, at: float, department_id: int) -> None:
        r, when = self.r, _dt(at)
        r["department_id"], r["assignee_id"] = department_id, None
        if r["dispatched_at"] is None:
            r["dispatched_at"] = when
            r["tenths_to_dispatch"] = working_tenths(self.ctx.centre, r["submitted_at"], when)
        r["claim_due_at"] = self.cal(department_id).add_working_hours(when, self.service.claim_limit_hours)

    def transfer(self, at: float, department_id: int, actor: int | None) -> None:
        previous = self.ctx.department_codes[self.r["department_id"]]
        self._apply_department(at, department_id)
        self.r["transfer_count"] += 1
        self.event(at, Action.transfer, S.dispatched, actor, note=_TRANSFER_NOTE,
                   data={"department": self.ctx.department_codes[department_id], "from_department": previous})

    def return_(self, at: float, actor: int | None) -> None:
        previous = self.ctx.department_codes[self.r["department_id"]]
        self.r.update(department_id=None, assignee_id=None, claim_due_at=None)
        self.r["return_count"] += 1
        self.event(at, Action.return_, S.submitted, actor, note=_RETURN_NOTE, data={"from_department": previous})

    def claim(self, at: float, person: tuple[int, str], *, assigned: bool) -> None:
        r, when = self.r, _dt(at)
        r["assignee_id"], r["claimed_at"] = person[0], when
        if r["first_claimed_at"] is None:
            r["first_claimed_at"], r["first_claim_due_at"] = when, r["claim_due_at"]
            r["tenths_to_claim"] = working_tenths(self.cal(), r["submitted_at"], when)
        if assigned:
            self.event(at, Action.assign, S.claimed, None, data={"assignee": person[1]})
        else:
            self.event(at, Action.claim, S.claimed, person[0])

    def release(self, at: float) -> None:
        previous = self.r["assignee_id"]
        self.r["assignee_id"] = None
        self.event(at, Action.release, S.dispatched, previous, note=_RELEASE_NOTE, data={"previous_assignee_id": previous})

    def suspend(self, at: float, note: str) -> None:
        self.r["suspended_at"] = _dt(at)
        self.event(at, Action.suspend, S.suspended, self.r["assignee_id"], note=note)

    def resume(self, at: float) -> None:
        r, when, cal = self.r, _dt(at), self.cal()
        paused = cal.working_seconds_between(r["suspended_at"], when)
        if r["complete_due_at"] is not None and paused > 0:
            r["complete_due_at"] = cal.add_working_seconds(r["complete_due_at"], paused)
        r["suspended_at"] = None
        self.event(at, Action.resume, S.claimed, r["assignee_id"], data={"paused_working_hours": round(paused / 3600, 2)})

    def extend(self, asked: float, granted: float, days: int, dispatcher: int | None) -> bool:
        """Ask for ``days`` more (only before falling due, as actions refuses after) and have it granted."""
        r = self.r
        if r["complete_due_at"] is not None and _dt(asked) >= r["complete_due_at"]:
            return False
        self.event(asked, Action.request_extension, S.claimed, r["assignee_id"], note=_EXTENSION_NOTE, data={"days": days})
        previous = r["complete_due_at"]
        r["complete_due_at"] = self.cal().add_working_days(previous or _dt(granted), days)
        self.event(granted, Action.extend, S.claimed, dispatcher,
                   data={"days": days, "previous_due_at": previous.isoformat() if previous else None})
        return True

    def complete(self, at: float, note: str) -> None:
        r, when = self.r, _dt(at)
        r["completed_at"] = when
        if r["first_completed_at"] is None:
            r["first_completed_at"], r["first_complete_due_at"] = when, r["complete_due_at"]
            r["tenths_to_complete"] = working_tenths(self.cal(), r["submitted_at"], when)
        self.event(at, Action.complete, S.completed, r["assignee_id"], note=note)

    def rework(self, at: float, requester: int, note: str) -> None:
        r, when = self.r, _dt(at)
        r["rework_count"] += 1
        r["completed_at"] = None
        r["complete_due_at"] = self.cal().add_working_days(when, self.service.complete_limit_days)
        self.event(at, Action.rework, S.claimed, requester, note=note, data={"round": r["rework_count"]})

    def rate(self, at: float, rater: int, value: RatingValue, comment: str) -> None:
        self.r["closed_at"], self.r["rating"] = _dt(at), value
        self.rating = {"rater_id": rater, "value": value, "comment": comment, "created_at": _dt(at)}
        self.event(at, Action.rate, S.closed, rater, note=comment, data={"rating": value.value})

    def auto_close(self, at: float) -> None:
        self.r["closed_at"], self.r["closed_unrated"] = _dt(at), True
        self.event(at, Action.auto_close, S.closed, None, data={"unrated": True})

    def finish(self, at: float, action: Action, target: RequestStatus, actor: int | None, note: str) -> None:
        self.r["closed_at"] = _dt(at)
        self.event(at, action, target, actor, note=note)

    def supervision(self, now: float) -> None:
        """The sweep's columns as of ``now``: the flag (server/requests/flags.py) and when the
        request first fell overdue each way."""
        r, when = self.r, _dt(now)
        r["flag"] = flags.flag_for(self.status, when, submitted_at=r["submitted_at"], claim_due_at=r["claim_due_at"],
                                   complete_due_at=r["complete_due_at"])
        if r["first_claimed_at"] is not None and r["first_claim_due_at"] is not None and r["first_claimed_at"] > r["first_claim_due_at"]:
            r["overdue_claim_at"] = r["first_claim_due_at"]
        elif due.overdue_to_claim(self.status, when, claim_due_at=r["claim_due_at"]):
            r["overdue_claim_at"] = r["claim_due_at"]
        if (r["first_completed_at"] is not None and r["first_complete_due_at"] is not None
                and r["first_completed_at"] > r["first_complete_due_at"]):
            r["overdue_complete_at"] = r["first_complete_due_at"]
        elif due.overdue_to_complete(self.status, when, complete_due_at=r["complete_due_at"]):
            r["overdue_complete_at"] = r["complete_due_at"]
        r["status"] = self.status


_TRANSFER_NOTE = "更适合由该部门办理。"
_RETURN_NOTE = "不属于本部门职责，退回重新派单。"
# Releasing needs a reason (the workflow table), as the real door asks for one.
_RELEASE_NOTE = "临时外出办事，请同事接手。"
_EXTENSION_NOTE = "需要协调外部单位，申请延期。"
_REWORK_NOTES = ("问题没有解决，请重新办理。", "办理结果与申请内容不符。")


def _make_row(ctx: _Context, pools: _Pools, rng: random.Random, t0: float, now: float, state: RequestStatus) -> _Row:
    requester = rng.choice(ctx.requesters)
    kind = "both" if requester.is_member and requester.is_contact else ("member" if requester.is_member else "contact")
    service = None
    for candidate in (state, S.claimed, S.closed):
        service = pools.pick(kind, _group_for(candidate), rng)
        if service is not None:
            state = candidate
            break
    if service is None:
        raise DemoDataError(f"no service may be ordered by a {kind}")
    department_id = service.department_id
    # A dispatcher placed it; a cancelled one may also have been withdrawn before that.
    placed = state not in (S.submitted, S.rejected) and (state != S.cancelled or rng.random() < 0.5)
    if department_id is None and placed:
        department_id = rng.choice(ctx.staffed)
    if department_id is not None and state in (S.claimed, S.suspended, S.completed, S.closed) and not ctx.staff.get(department_id):
        state = S.dispatched  # nobody there to claim it
    auto = department_id in ctx.auto_assign
    if auto and state == S.dispatched:
        state = S.claimed  # such departments assign on arrival
    dispatch_happens = department_id is not None
    handled = state in (S.claimed, S.suspended, S.completed, S.closed)
    routed = service.department_id is not None

    # The plan: (step, calendar seconds after the previous step). Working-time waits are
    # turned into calendar time with the department's calendar from a rough start, so that
    # claims and completions fall in office hours; then the whole plan is squeezed into the
    # request's age if it is too young for it.
    centre = ctx.centre
    cal = ctx.calendars.get(department_id, centre) if department_id else centre
    submitted = _dt(t0)

    def working(start: float, hours: float) -> float:
        return cal.add_working_seconds(_dt(start), hours * HOUR).timestamp() - start

    plan: list[tuple[str, float]] = []
    clock = t0
    detour = [d for d in ctx.open_queue if d != department_id]

    def step(name: str, wait: float) -> None:
        nonlocal clock
        plan.append((name, wait))
        clock += wait

    if state == S.rejected:
        step("reject", rng.uniform(0.2, 6.0) * HOUR)
    elif dispatch_happens:
        first = None
        if detour and state not in (S.cancelled,) and rng.random() < P_RETURN + P_TRANSFER:
            first = rng.choice(detour)
        step("dispatch", rng.uniform(0.5, 2.0) if routed and first is None else working(clock, rng.uniform(0.1, 3.0)))
        if first is not None:
            move = "return" if rng.random() < P_RETURN / (P_RETURN + P_TRANSFER) else "transfer"
            plan[-1] = ("dispatch:first", plan[-1][1])
            step(move, working(clock, rng.uniform(0.2, 1.0) * service.claim_limit_hours))
            if move == "return":
                step("dispatch", working(clock, rng.uniform(0.1, 2.0)))
        if handled:
            limit = service.claim_limit_hours
            step("assign" if auto else "claim", 0.0 if auto else working(clock, rng.expovariate(1 / (CLAIM_MEAN_SHARE * limit))))
            if not auto and rng.random() < P_RELEASE:
                step("release", working(clock, rng.uniform(0.2, 2.0)))
                step("claim", working(clock, rng.uniform(0.1, 2.0)))
            work = rng.uniform(*COMPLETE_SHARE) * service.complete_limit_days * cal.seconds_per_day / HOUR
            if state in (S.claimed, S.completed, S.closed) and rng.random() < P_SUSPEND:
                step("suspend", working(clock, work * rng.uniform(0.1, 0.4)))
                step("resume", working(clock, rng.uniform(2.0, 16.0)))
            if state in (S.claimed, S.completed, S.closed) and rng.random() < P_EXTENSION:
                step("request_extension", working(clock, work * rng.uniform(0.1, 0.5)))
                step("extend", working(clock, rng.uniform(0.2, 4.0)))
            if state == S.suspended:
                step("suspend", working(clock, work * rng.uniform(0.1, 0.6)))
            elif state in (S.completed, S.closed):
                # The completion lands at a share of the limit counted from submission.
                target = cal.add_working_seconds(submitted, work * HOUR).timestamp()
                step("complete", max(target - clock, working(clock, rng.uniform(0.2, 2.0))))
                if rng.random() < P_REWORK:
                    step("rework", rng.expovariate(1 / (0.6 * DAY)))
                    step("complete", working(clock, rng.uniform(0.1, 0.6) * service.complete_limit_days * cal.seconds_per_day / HOUR))
    if state == S.cancelled:
        step("cancel", rng.uniform(0.1, 4.0) * HOUR)

    available = max(now - t0 - 1.0, 1.0)
    total = sum(wait for _, wait in plan)
    factor = 1.0
    if total > available:
        factor = available / total * rng.uniform(0.5, 0.98)
    times = [t0 + offset * factor for offset in itertools.accumulate(wait for _, wait in plan)]
    if state == S.completed and times and times[-1] < now - ctx.rating_window + HOUR:
        # Left unrated longer than the window, it would have been closed by the sweep already.
        low = times[-2] if len(times) > 1 else t0
        times[-1] = now - rng.uniform(0.0, min(ctx.rating_window - HOUR, now - low))

    request: dict[str, Any] = {
        "status": S.submitted,
        "service_id": service.id,
        "requester_id": requester.id,
        "enterprise_id": requester.enterprise_id,
        "department_id": None,
        "cohandler_department_id": None,
        "assignee_id": None,
        "description": rng.choice(service.descriptions),
        "building_id": requester.building_id,
        "floor": requester.floor,
        "room": "",
        "contact_phone": requester.phone,
        "answers": _answers(rng.choice(service.templates), submitted, ctx.tz),
        "submitted_at": submitted,
        "dispatched_at": None,
        "claimed_at": None,
        "completed_at": None,
        "closed_at": None,
        "claim_due_at": None,
        # As a submission sets it: the promise runs from submission, in the centre's working time.
        "complete_due_at": centre.add_working_days(submitted, service.complete_limit_days),
        "suspended_at": None,
        "extension_requested_days": None,
        "rework_count": 0,
        "return_count": 0,
        "transfer_count": 0,
        "urge_count": 0,
        "closed_unrated": False,
        "rating": None,
        "first_claimed_at": None,
        "first_claim_due_at": None,
        "first_completed_at": None,
        "first_complete_due_at": None,
        "tenths_to_dispatch": None,
        "tenths_to_claim": None,
        "tenths_to_complete": None,
        "flag": None,
        "overdue_claim_at": None,
        "overdue_complete_at": None,
    }
    if request["building_id"] is None and ctx.buildings:
        building_id, floors = rng.choice(ctx.buildings)
        request["building_id"], request["floor"] = building_id, rng.choice(floors)
    if request["floor"]:
        request["room"] = f"{request['floor']}{rng.randint(1, 20):02d}"

    life = _Life(ctx, service, request, [_event(t0, Action.submit, None, S.submitted, requester.id)])
    staff = ctx.staff.get(department_id, [])
    person = rng.choice(staff) if staff else None
    asked = 0.0
    for (name, _), at in zip(plan, times, strict=True):
        if name == "reject":
            life.finish(at, Action.reject, S.rejected, _maybe(rng, ctx.dispatchers), rng.choice(_REJECT_NOTES))
        elif name == "dispatch:first":
            life.dispatch(at, first, None if routed else _maybe(rng, ctx.dispatchers))
        elif name == "dispatch":
            life.dispatch(at, department_id, None if routed and life.r["return_count"] == 0 else _maybe(rng, ctx.dispatchers))
        elif name == "transfer":
            life.transfer(at, department_id, _maybe(rng, ctx.dispatchers))
        elif name == "return":
            life.return_(at, _maybe(rng, [p for p, _ in ctx.staff.get(first, [])]))
        elif name in ("claim", "assign"):
            life.claim(at, person, assigned=name == "assign")
        elif name == "release":
            life.release(at)
            person = rng.choice(staff)
        elif name == "suspend":
            life.suspend(at, rng.choice(_SUSPEND_NOTES))
        elif name == "resume":
            life.resume(at)
        elif name == "request_extension":
            asked = at
        elif name == "extend":
            life.extend(asked, at, rng.randint(1, 3), _maybe(rng, ctx.dispatchers))
        elif name == "complete":
            life.complete(at, rng.choice(_RESULT_NOTES))
        elif name == "rework":
            life.rework(at, requester.id, rng.choice(_REWORK_NOTES))
        elif name == "cancel":
            life.finish(at, Action.cancel, S.cancelled, requester.id, rng.choice(("", "问题已自行解决。", "不需要了。")))
        else:  # pragma: no cover
            raise AssertionError(name)
    if state == S.closed and life.status == S.completed:
        _close(ctx, rng, life, requester.id, times[-1], now)
    life.supervision(now)
    request["updated_at"] = life.events[-1]["at"]
    request["version"] = len(life.events)  # every transition after the insert bumps the version
    return _Row(request, life.events, life.rating)


def _close(ctx: _Context, rng: random.Random, life: _Life, rater_id: int, completed: float, now: float) -> None:
    """Close a completed request: rated by the requester, or auto-closed unrated after the window."""
    auto_close_at = completed + ctx.rating_window
    if rng.random() < P_UNRATED and auto_close_at <= now:
        life.auto_close(auto_close_at)
        return
    at = completed + min(rng.expovariate(1 / (0.8 * DAY)), ctx.rating_window * 0.95, (now - completed) * 0.99)
    value = rng.choices([v for v, _ in RATINGS], [w for _, w in RATINGS])[0]
    comment = rng.choice(_UNSATISFIED_NOTES) if value == RatingValue.unsatisfied else rng.choice(_PRAISE)
    life.rate(at, rater_id, value, comment)


def _maybe(rng: random.Random, people: list[int]) -> int | None:
    return rng.choice(people) if people else None


def _event(at: float, action: Action, source: RequestStatus | None, target: RequestStatus, actor_id: int | None, *, note: str = "", data: dict | None = None) -> dict:
    return {
        "at": _dt(at),
        "actor_id": actor_id,
        "action": action,
        "from_status": source,
        "to_status": target,
        "note": note,
        "public": True,
        "data": data or {},
    }


# ── submission times ────────────────────────────────────────────────────────


def _submission_times(count: int, days: int, now: float, tz: ZoneInfo, rng: random.Random) -> list[float]:
    """``count`` sorted moments in the last ``days`` days, mostly in office hours on
    working days, as epoch seconds."""
    today = datetime.fromtimestamp(now, tz).date()
    day_list = [today - timedelta(days=n) for n in range(days + 1)]
    starts = [datetime(d.year, d.month, d.day, tzinfo=tz).timestamp() for d in day_list]
    weights = list(itertools.accumulate(0.25 if d.weekday() >= 5 else 1.0 for d in day_list))
    earliest = now - days * DAY
    times = []
    while len(times) < count:
        i = bisect.bisect(weights, rng.random() * weights[-1])
        offset = rng.uniform(8.5 * HOUR, 18.5 * HOUR) if rng.random() < 0.85 else rng.uniform(0, DAY)
        t = starts[i] + offset
        if earliest <= t <= now - 60:
            times.append(t)
    times.sort()
    return times


# ── writing ─────────────────────────────────────────────────────────────────


def _take_numbers(session: Session, days: dict[str, int]) -> dict[str, Iterator[int]]:
    """Reserve ``n`` sequence numbers per local day the way a submission takes one
    (server.requests.numbering); returns them per day, in order."""
    connection = session.connection()
    return {day: iter(numbering.take_sequences(connection, day, n)) for day, n in days.items()}


def _write_batch(database: Database, rows: list[_Row], tz: ZoneInfo) -> tuple[int, int]:
    with database.write() as session:
        conn = session.connection()
        next_id = (session.scalar(select(func.max(ServiceRequest.id))) or 0) + 1
        local_days = [r.request["submitted_at"].astimezone(tz).strftime("%Y%m%d") for r in rows]
        per_day: dict[str, int] = {}
        for day in local_days:
            per_day[day] = per_day.get(day, 0) + 1
        sequence = _take_numbers(session, per_day)
        requests, events, ratings = [], [], []
        for row, day in zip(rows, local_days, strict=True):
            request_id = next_id
            next_id += 1
            row.request["id"] = request_id
            row.request["number"] = numbering.format_number(day, next(sequence[day]))
            requests.append(row.request)
            for event in row.events:
                event["request_id"] = request_id
                events.append(event)
            if row.rating is not None:
                row.rating["request_id"] = request_id
                ratings.append(row.rating)
        for model, values in ((ServiceRequest, requests), (RequestEvent, events), (RequestRating, ratings)):
            if values:
                table = model.__table__
                if database.is_sqlite:
                    table, values = _plain(table, values)
                conn.execute(insert(table), values)
    return len(events), len(ratings)


@functools.cache
def _plain_table(table: Table) -> tuple[Table, tuple[str, ...], tuple[str, ...]]:
    """A copy of ``table`` whose columns have no bind processing, with the names of its
    datetime and JSON columns. SQLAlchemy's per-value processors (the UTC decorator, JSON)
    cost more than SQLite's own insert, so on SQLite we hand it ready-made values."""
    datetimes, documents, columns = [], [], []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            datetimes.append(column.name)
            plain: Any = String()
        elif isinstance(column.type, JSON):
            documents.append(column.name)
            plain = Text()
        else:
            plain = Integer() if isinstance(column.type, Boolean | Integer) else String()
        columns.append(Column(column.name, plain, primary_key=column.primary_key))
    return Table(table.name, MetaData(), *columns), tuple(datetimes), tuple(documents)


def _plain(table: Table, rows: list[dict]) -> tuple[Table, list[dict]]:
    plain, datetimes, documents = _plain_table(table)
    for row in rows:
        for name in datetimes:
            value = row.get(name)
            if value is not None:
                # The format SQLAlchemy's SQLite DATETIME writes: naive UTC with microseconds.
                row[name] = value.strftime("%Y-%m-%d %H:%M:%S.%f")
        for name in documents:
            value = row.get(name)
            row[name] = "{}" if value == {} else json.dumps(value)
    return plain, rows


def _fix_sequence(database: Database) -> None:
    """Explicit ids bypass PostgreSQL's sequence; move it past them so later inserts work."""
    if database.engine.dialect.name != "postgresql":
        return
    with database.write() as session:
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('service_request', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM service_request))"
            )
        )


def generate_demo_requests(
    database: Database,
    count: int,
    *,
    days: int = 90,
    seed: int = 1,
    batch: int = 20_000,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, int]:
    """Insert ``count`` requests spread over the last ``days`` days and over every state,
    with their history and ratings, in write transactions of ``batch`` requests.

    Needs seeded services, member or contact accounts and staff. Returns the numbers of
    ``requests``, ``events`` and ``ratings`` written. Deterministic for a given ``seed`` and
    ``now`` (apart from ids and tracking numbers, which continue from what exists)."""
    if count < 0 or days < 1 or batch < 1:
        raise ValueError("count must be ≥ 0, days and batch ≥ 1")
    rng = random.Random(seed)
    ctx = _load_context(database, rng)
    if not ctx.services:
        raise DemoDataError("There are no services: load the seeds first (lianxin seed).")
    if not ctx.requesters:
        raise DemoDataError("There are no member or contact accounts to file requests.")
    if not ctx.staffed:
        raise DemoDataError("No department has staff to handle requests.")
    pools = _Pools(ctx, rng)
    now_ts = (now or datetime.now(UTC)).timestamp()
    times = _submission_times(count, days, now_ts, ctx.tz, rng)
    # The first requests go through every state once, so even a small demo shows them all.
    forced = list(ALL_STATES) if count >= len(ALL_STATES) else []
    written = {"requests": 0, "events": 0, "ratings": 0}
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(start + batch, count)):
            t0 = times[i]
            state = forced[i] if i < len(forced) else _pick_state(now_ts - t0, rng)
            rows.append(_make_row(ctx, pools, rng, t0, now_ts, state))
        n_events, n_ratings = _write_batch(database, rows, ctx.tz)
        written["requests"] += len(rows)
        written["events"] += n_events
        written["ratings"] += n_ratings
        if progress is not None:
            progress(written["requests"], count)
    _fix_sequence(database)
    return written
