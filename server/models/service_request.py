"""A request 工单 and its append-only history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from server.enums import Action, Rating, RequestStatus
from server.models.base import Base, utcnow

# The facts the figures' live counts read (overdue now, late, never claimed: queries.live_summary).
LIVE_FACT_COLUMNS = (
    "claim_due_at", "complete_due_at", "first_claimed_at", "first_claim_due_at", "first_completed_at",
    "first_complete_due_at",
)
# ix_service_request_department_submitted: a department's period, then who holds each request
# and what the figures count of it (tests/metrics check it covers rollup.counter_columns() and
# the live counts).
DEPARTMENT_PERIOD_COLUMNS = (
    "department_id", "submitted_at", "assignee_id", "status", "dispatched_at", *LIVE_FACT_COLUMNS, "rating",
    "closed_unrated", "return_count", "rework_count",
)


class ServiceRequest(Base):
    __tablename__ = "service_request"
    __table_args__ = (
        # One index per reason a person may see a request (policy.visibility_clauses), each
        # ending in (status, id): a list filtered by status and paged by id newest first is
        # then one ordered index range, whatever the planner knows of the data.
        # (submitted_at and assignee_id last: the metrics' open-now counts of one department,
        # and each of its people's load, read the index alone.)
        Index("ix_service_request_department_status_id", "department_id", "status", "id", "submitted_at",
              "assignee_id"),
        Index("ix_service_request_cohandler_status_id", "cohandler_department_id", "status", "id"),
        Index("ix_service_request_requester_status_id", "requester_id", "status", "id"),
        Index("ix_service_request_enterprise_status_id", "enterprise_id", "status", "id"),
        Index("ix_service_request_assignee_status_id", "assignee_id", "status", "id"),
        # Dispatchers, supervisors and admins: lists by status.
        Index("ix_service_request_status_id", "status", "id"),
        # Supervision's overdue lists and the sweep's stamps (server/requests/supervision.py):
        # per open status, by due time.
        Index("ix_service_request_status_claim_due_id", "status", "claim_due_at", "department_id", "id"),
        Index("ix_service_request_status_complete_due_id", "status", "complete_due_at", "department_id", "id"),
        # The open requests by submission time (the metrics' overdue-now and backlog counts):
        # one index range per status, the department, the holder and the live facts read from
        # the index (without them the overdue count read a table page per open request).
        Index("ix_service_request_status_submitted", "status", "submitted_at", "department_id", "assignee_id",
              *LIVE_FACT_COLUMNS),
        # The finder's flag filter and date ranges.
        Index("ix_service_request_flag_id", "flag", "id"),
        Index("ix_service_request_submitted_at", "submitted_at"),
        # The metrics' live part (server/metrics/queries.py): requests never claimed that have
        # a claim due time, whose passing moves them into the response rate. A small set.
        Index(
            "ix_service_request_unclaimed_due",
            # Covering: the live counts read these from the index alone.
            "submitted_at", "department_id", "claim_due_at", "status", "complete_due_at", "first_claimed_at",
            sqlite_where=text("first_claimed_at IS NULL AND claim_due_at IS NOT NULL"),
            postgresql_where=text("first_claimed_at IS NULL AND claim_due_at IS NOT NULL"),
        ),
        # The same set for one department (a lead's or a filtered dashboard): one range of the
        # department's, read from the index alone, whatever the planner's statistics say.
        Index(
            "ix_service_request_unclaimed_department",
            "department_id", "submitted_at", "claim_due_at", "status", "complete_due_at", "first_claimed_at",
            sqlite_where=text("first_claimed_at IS NULL AND claim_due_at IS NOT NULL"),
            postgresql_where=text("first_claimed_at IS NULL AND claim_due_at IS NOT NULL"),
        ),
        # The staff table (metrics.staff) and one department's live counts: a department's
        # requests of a period, summed per assignee from the index alone. Covering: after the
        # key, every column that rollup.counter_columns() and the live counts read (the table
        # rows of a department's 90 days lie on nearly every page of those days, so without them
        # the index saved no reads).
        Index("ix_service_request_department_submitted", *DEPARTMENT_PERIOD_COLUMNS),
        # By service (its foreign key, the figures of one service), and the visit plan's newest
        # accepted visit request per enterprise (server/visits/repository.py): one backward range
        # per enterprise, its status read from the index.
        Index("ix_service_request_service_enterprise", "service_id", "enterprise_id", "first_claimed_at", "id",
              "status"),
        # The finder's search by requester or enterprise (server/requests/search.py): one
        # person's or enterprise's requests newest first, a range that stops at the page's end
        # (the visibility indexes above put status before id, so a list of every status sorts);
        # and the order form's "filed the same moments ago?", the person's last ids
        # (server/requests/submission.py).
        Index("ix_service_request_requester_id", "requester_id", "id"),
        Index("ix_service_request_enterprise_id", "enterprise_id", "id"),
        # … and every other reason to see a request as one ordered range of ids (the finder
        # intersects it with a search's matches, or reads it newest first).
        Index("ix_service_request_department_id", "department_id", "id"),
        Index("ix_service_request_cohandler_id", "cohandler_department_id", "id"),
        Index("ix_service_request_assignee_id", "assignee_id", "id"),
        # What someone holds outside their own department (policy.visibility_clauses).
        Index("ix_service_request_assignee_department_id", "assignee_id", "department_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True, comment="tracking number LX-YYYYMMDD-NNNN")
    # Optimistic lock: every transition is UPDATE ... WHERE version = <seen>.
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[RequestStatus] = mapped_column(String(20))

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))  # indexed below
    requester_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    # The requester's enterprise when filed: its contacts see the request.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    cohandler_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    description: Mapped[str] = mapped_column(Text, default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"), index=True)
    floor: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    # [{"code", "type", "label": {locale: text}, "value"}]: the answers with the field
    # definitions they were filed under.
    answers: Mapped[list] = mapped_column(default=list)

    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    dispatched_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Due times in working time; the clock stops while suspended.
    claim_due_at: Mapped[datetime | None]
    complete_due_at: Mapped[datetime | None]
    suspended_at: Mapped[datetime | None]
    extension_requested_days: Mapped[int | None]

    rework_count: Mapped[int] = mapped_column(default=0)
    return_count: Mapped[int] = mapped_column(default=0)
    transfer_count: Mapped[int] = mapped_column(default=0)
    urge_count: Mapped[int] = mapped_column(default=0)
    last_urged_at: Mapped[datetime | None]

    # Facts the metrics read (DESIGN.md "Exact definitions"), stamped by the transitions once,
    # at the first time each thing happens, so a later release, rework or re-dispatch cannot
    # rewrite what the figures count. See server/metrics/definitions.py.
    first_claimed_at: Mapped[datetime | None]
    first_claim_due_at: Mapped[datetime | None] = mapped_column(comment="claim_due_at when first claimed")
    first_completed_at: Mapped[datetime | None]
    first_complete_due_at: Mapped[datetime | None] = mapped_column(
        comment="complete_due_at (as extended, suspension added back) when first completed"
    )
    rating: Mapped[Rating | None] = mapped_column(String(20), comment="the requester's rating, also in request_rating")
    closed_unrated: Mapped[bool] = mapped_column(default=False, server_default=false(), comment="closed by the rating window running out")
    # Working time from submission, in tenths of an hour: durations are measured to 6 minutes,
    # which keeps their percentiles exact over a histogram (server/metrics).
    tenths_to_dispatch: Mapped[int | None]
    tenths_to_claim: Mapped[int | None]
    tenths_to_complete: Mapped[int | None]

    # Supervision 督办, kept by the sweep (server/sweeper.py): the three-colour flag as of its
    # last run, and when the request first became overdue each way (never cleared).
    flag: Mapped[str | None] = mapped_column(String(10))
    overdue_claim_at: Mapped[datetime | None]
    overdue_complete_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}


class RequestEvent(Base):
    """One step of a request's history. Rows are only ever inserted."""

    __tablename__ = "request_event"
    __table_args__ = (Index("ix_request_event_request_id_id", "request_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None means the system acted (routing, sweeps).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[Action] = mapped_column(String(20))
    from_status: Mapped[RequestStatus | None] = mapped_column(String(20))
    to_status: Mapped[RequestStatus] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    # Action details: target department or person, days, rating...
    data: Mapped[dict] = mapped_column(default=dict)
