"""Demo requests in bulk: a believable history in every state, fast enough for a million rows.

Speed matters more than fidelity here, so this writes with SQLAlchemy Core ``insert()``
executemany in batches, from precomputed pools, with no ORM object per row, instead of going
through the request service one transition at a time. What it writes must still look like what
the service writes (same event actions and data, same answer snapshots, consistent
timestamps, department and assignee), because the pages and metrics read it as real data.

Deliberate approximations, for speed:
- Due times use plain calendar time (a working day ≈ 1.4 days, a working hour ≈ 2.5 hours)
  rather than server/worktime.py, which would cost a calendar walk per row.
- The history has the main path only (submit, dispatch, claim or assign, suspend, complete,
  rate or auto-close, cancel, reject); no transfers, returns, reworks or urges.
- Should the app be writing at the same time, the tracking numbers are still safe: each batch
  takes its numbers with the same atomic per-day upsert of ``daily_counter`` as a submission.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import random
from collections.abc import Callable
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

from server.db import Database, dialect_insert
from server.enums import Action, AssignmentMode, Audience, FieldType, RequestStatus, Role
from server.enums import Rating as RatingValue
from server.models import (
    Building,
    DailyCounter,
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

S = RequestStatus
HOUR = 3600.0
DAY = 86400.0
# Calendar seconds per unit of working time (see the module docstring).
WORKING_DAY = 1.4 * DAY
WORKING_HOUR = 2.5 * HOUR

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
    (float("inf"), {S.submitted: 1, S.dispatched: 1, S.claimed: 4, S.suspended: 2, S.completed: 1, S.closed: 80, S.cancelled: 6, S.rejected: 5}),
)
ALL_STATES = tuple(RequestStatus)


class _Pools:
    """Weighted service choices per requester kind and per routing kind, precomputed so the
    per-row choice is one bisect."""

    def __init__(self, ctx: _Context, rng: random.Random):
        popularity = {s.id: rng.paretovariate(1.2) for s in ctx.services}
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

    # Step durations (seconds); scaled down below when the request is too young for them.
    d_dispatch = rng.uniform(0.5, 2.0) if service.department_id is not None else rng.uniform(0.2, 6.0) * HOUR
    claim_limit = service.claim_limit_hours * WORKING_HOUR
    d_claim = 0.0 if auto else rng.expovariate(1 / (0.5 * claim_limit))
    d_work = rng.uniform(0.1, 1.2) * service.complete_limit_days * WORKING_DAY
    d_suspend = d_work * rng.uniform(0.1, 0.6)
    d_cancel = rng.uniform(0.1, 4.0) * HOUR
    path = {
        S.submitted: [],
        S.rejected: [d_dispatch],
        S.cancelled: [d_dispatch, d_cancel] if dispatch_happens else [d_cancel],
        S.dispatched: [d_dispatch],
        S.claimed: [d_dispatch, d_claim],
        S.suspended: [d_dispatch, d_claim, d_suspend],
        S.completed: [d_dispatch, d_claim, d_work],
        S.closed: [d_dispatch, d_claim, d_work],
    }[state]
    available = max(now - t0 - 1.0, 1.0)
    total = sum(path)
    if total > available:
        factor = available / total * rng.uniform(0.5, 0.98)
        path = [d * factor for d in path]
    times = list(itertools.accumulate(path, initial=t0))
    if state == S.completed and times[-1] < now - ctx.rating_window + HOUR:
        # Left unrated longer than the window, it would have been closed by the sweep already.
        times[-1] = now - rng.uniform(0.0, min(ctx.rating_window - HOUR, now - times[-2]))

    submitted = _dt(t0)
    events: list[dict] = [_event(t0, Action.submit, None, S.submitted, requester.id)]
    request: dict[str, Any] = {
        "status": state,
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
        "complete_due_at": _dt(t0 + service.complete_limit_days * WORKING_DAY),
        "suspended_at": None,
        "extension_requested_days": None,
        "rework_count": 0,
        "return_count": 0,
        "transfer_count": 0,
        "urge_count": 0,
        "closed_unrated": False,
    }
    if request["building_id"] is None and ctx.buildings:
        building_id, floors = rng.choice(ctx.buildings)
        request["building_id"], request["floor"] = building_id, rng.choice(floors)
    if request["floor"]:
        request["room"] = f"{request['floor']}{rng.randint(1, 20):02d}"

    step = iter(times[1:])
    rating = None
    if state == S.rejected:
        at = next(step)
        events.append(_event(at, Action.reject, S.submitted, S.rejected, _maybe(rng, ctx.dispatchers), note=rng.choice(_REJECT_NOTES)))
    elif dispatch_happens:
        at = next(step)
        dispatcher = None if service.department_id is not None else _maybe(rng, ctx.dispatchers)
        events.append(_event(at, Action.dispatch, S.submitted, S.dispatched, dispatcher, data={"department": ctx.department_codes[department_id]}))
        request.update(department_id=department_id, dispatched_at=_dt(at), claim_due_at=_dt(at + claim_limit))
        if state in (S.claimed, S.suspended, S.completed, S.closed):
            assignee_id, username = rng.choice(ctx.staff[department_id])
            at = next(step)
            if auto:
                events.append(_event(at, Action.assign, S.dispatched, S.claimed, None, data={"assignee": username}))
            else:
                events.append(_event(at, Action.claim, S.dispatched, S.claimed, assignee_id))
            request.update(assignee_id=assignee_id, claimed_at=_dt(at))
            if state == S.suspended:
                at = next(step)
                events.append(_event(at, Action.suspend, S.claimed, S.suspended, assignee_id, note=rng.choice(_SUSPEND_NOTES)))
                request["suspended_at"] = _dt(at)
            elif state in (S.completed, S.closed):
                at = next(step)
                events.append(_event(at, Action.complete, S.claimed, S.completed, assignee_id, note=rng.choice(_RESULT_NOTES)))
                request["completed_at"] = _dt(at)
                if state == S.closed:
                    rating = _close(ctx, rng, request, events, requester.id, at, now)
    if state == S.cancelled:
        at = next(step)
        source = S.dispatched if dispatch_happens else S.submitted
        events.append(_event(at, Action.cancel, source, S.cancelled, requester.id, note=rng.choice(("", "问题已自行解决。", "不需要了。"))))
    request["updated_at"] = events[-1]["at"]
    request["version"] = len(events)  # every transition after the insert bumps the version
    return _Row(request, events, rating)


def _close(ctx: _Context, rng: random.Random, request: dict, events: list[dict], rater_id: int, completed: float, now: float) -> dict | None:
    """Close a completed request: rated by the requester, or auto-closed unrated after the window."""
    auto_close_at = completed + ctx.rating_window
    if rng.random() < 0.15 and auto_close_at <= now:
        events.append(_event(auto_close_at, Action.auto_close, S.completed, S.closed, None, data={"unrated": True}))
        request["closed_at"] = _dt(auto_close_at)
        return None
    at = completed + min(rng.expovariate(1 / (0.8 * DAY)), ctx.rating_window * 0.95, (now - completed) * 0.99)
    value = rng.choices((RatingValue.satisfied, RatingValue.basically_satisfied, RatingValue.unsatisfied), (72, 20, 8))[0]
    comment = rng.choice(_UNSATISFIED_NOTES) if value == RatingValue.unsatisfied else rng.choice(_PRAISE)
    events.append(_event(at, Action.rate, S.completed, S.closed, rater_id, note=comment, data={"rating": value.value}))
    request["closed_at"] = _dt(at)
    return {"rater_id": rater_id, "value": value, "comment": comment, "created_at": _dt(at)}


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


def _take_numbers(session: Session, days: dict[str, int]) -> dict[str, int]:
    """Reserve ``n`` sequence numbers per local day with the same atomic upsert a submission
    uses; returns the first number reserved per day."""
    make_insert = dialect_insert(session.get_bind().dialect.name)
    first = {}
    for day, n in days.items():
        stmt = (
            make_insert(DailyCounter)
            .values(day=day, last=n)
            .on_conflict_do_update(index_elements=[DailyCounter.day], set_={"last": DailyCounter.last + n})
            .returning(DailyCounter.last)
        )
        last = session.execute(stmt).scalar_one()
        first[day] = last - n + 1
    return first


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
            row.request["number"] = f"LX-{day}-{sequence[day]:04d}"
            sequence[day] += 1
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
