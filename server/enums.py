"""The vocabulary shared by every layer (GLOSSARY.md's "in code" column). Pure Python."""

from enum import StrEnum


class Role(StrEnum):
    member = "member"
    contact = "contact"  # enterprise contact 企业联络员
    dispatcher = "dispatcher"
    staff = "staff"
    lead = "lead"
    supervisor = "supervisor"
    admin = "admin"


class DepartmentKind(StrEnum):
    government = "government"  # 职能部门
    mass_organisation = "mass_organisation"  # 群团组织
    social_organisation = "social_organisation"  # 社会组织
    service_centre = "service_centre"  # 党群服务中心


class AssignmentMode(StrEnum):
    """How a department's tasks reach its people."""

    open_queue = "open_queue"  # anyone in it claims (抢单); the default
    round_robin = "round_robin"
    least_loaded = "least_loaded"


class PioneerPart(StrEnum):
    """The parts of the pioneer index 先锋指数 (server/pioneer/index.py)."""

    organisation = "organisation"  # 组织生活
    learning = "learning"  # 学习
    service = "service"  # 服务
    contribution = "contribution"  # 贡献积分


class PioneerGrade(StrEnum):
    excellent = "excellent"  # 优秀
    good = "good"  # 良好
    fair = "fair"  # 一般


class Audience(StrEnum):
    """Who may order a service."""

    members = "members"
    enterprises = "enterprises"
    both = "both"


class FieldType(StrEnum):
    text = "text"
    long_text = "long_text"
    number = "number"
    date = "date"
    datetime = "datetime"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    file = "file"


class RequestStatus(StrEnum):
    submitted = "submitted"  # 待派单
    dispatched = "dispatched"  # 待接单
    claimed = "claimed"  # 办理中
    suspended = "suspended"  # 已挂起
    completed = "completed"  # 待评价
    closed = "closed"  # 已办结
    cancelled = "cancelled"  # 已撤单
    rejected = "rejected"  # 已驳回


OPEN_STATUSES = frozenset(
    {RequestStatus.submitted, RequestStatus.dispatched, RequestStatus.claimed, RequestStatus.suspended}
)
# Waiting for someone to take it: the claim clock (claim_due_at) runs.
UNCLAIMED_STATUSES = frozenset({RequestStatus.submitted, RequestStatus.dispatched})
# Open and not suspended: the completion clock (complete_due_at) runs.
CLOCK_RUNNING_STATUSES = OPEN_STATUSES - {RequestStatus.suspended}


class Action(StrEnum):
    submit = "submit"
    dispatch = "dispatch"
    claim = "claim"
    assign = "assign"
    release = "release"
    return_ = "return"
    transfer = "transfer"
    add_cohandler = "add_cohandler"
    suspend = "suspend"
    resume = "resume"
    request_extension = "request_extension"
    extend = "extend"
    complete = "complete"
    rate = "rate"
    rework = "rework"
    auto_close = "auto_close"
    cancel = "cancel"
    reject = "reject"
    urge = "urge"
    # Not a transition: a message on the conversation 沟通留言 (server/requests/messages.py),
    # kept in the history beside the life cycle. server/workflow.py has no row for it, so no
    # door that takes actions takes it, and the request's state and version stay as they are.
    message = "message"


class Party(StrEnum):
    """A person's relation to one request; the transition table grants actions to parties."""

    system = "system"
    requester = "requester"  # the person who filed it
    department_staff = "department_staff"  # staff of the department now holding it
    department_lead = "department_lead"  # lead of that department
    assignee = "assignee"  # the person handling it
    dispatcher = "dispatcher"
    supervisor = "supervisor"


class Rating(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class VisitFrequency(StrEnum):
    """How often an enterprise is visited (走访频次); a plan may also give a number of months."""

    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"
    yearly = "yearly"


VISIT_FREQUENCY_MONTHS = {
    VisitFrequency.monthly: 1, VisitFrequency.quarterly: 3, VisitFrequency.half_yearly: 6, VisitFrequency.yearly: 12,
}


class BookingStatus(StrEnum):
    """A room booking's life: requested (waiting for the centre, where the room needs its
    approval) → approved or refused; requested or approved → cancelled."""

    requested = "requested"  # 待审批
    approved = "approved"  # 已批准
    refused = "refused"  # 未批准
    cancelled = "cancelled"  # 已取消


# A live booking holds its room: the database refuses another live one that overlaps it.
LIVE_BOOKING_STATUSES = frozenset({BookingStatus.requested, BookingStatus.approved})


class WebhookFormat(StrEnum):
    """The body a webhook receives: Lianxin's own signed JSON, or a group robot's message."""

    generic = "generic"
    wecom = "wecom"  # 企业微信群机器人
    dingtalk = "dingtalk"  # 钉钉自定义机器人
    feishu = "feishu"  # 飞书自定义机器人


# --- the programme 活动 and clubs 文体联盟 ([9/12]) --------------------------------------------
class ActivityKind(StrEnum):
    theme_day = "theme_day"  # 主题党日
    micro_lecture = "micro_lecture"  # 微党课
    micro_film = "micro_film"  # 微电影
    micro_forum = "micro_forum"  # 微论坛
    club_activity = "club_activity"  # 文体联盟活动
    other = "other"


class ActivityAudience(StrEnum):
    """Who may sign up for an activity (everyone signed in may see it)."""

    members = "members"  # people with the member role (党员/职工)
    enterprise_contacts = "enterprise_contacts"
    party_members = "party_members"
    club_members = "club_members"  # members of the organising club


class ActivityStatus(StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class SignupStatus(StrEnum):
    signed_up = "signed_up"
    waiting = "waiting"
    cancelled = "cancelled"


class CheckInMethod(StrEnum):
    code = "code"  # the attendee typed the code shown in the room
    ticked = "ticked"  # the organiser ticked the name


class ClubJoinPolicy(StrEnum):
    open = "open"
    approval = "approval"  # the lead approves each member


class ClubMemberStatus(StrEnum):
    pending = "pending"
    member = "member"
