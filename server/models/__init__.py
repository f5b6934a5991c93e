"""All ORM classes, one module per entity. Import models from here."""

from server.models.activity import (
    Activity,
    ActivityFeed,
    ActivityRating,
    ActivitySeries,
    Attendance,
    Signup,
)
from server.models.attachment import Attachment
from server.models.audit import AuditEntry
from server.models.auth_token import AuthToken
from server.models.base import Base, utcnow
from server.models.booking import Booking
from server.models.building import Building
from server.models.catalog import Category, Service, ServiceField
from server.models.catalog_revision import CatalogRevision
from server.models.club import Club, ClubMember
from server.models.counter import DailyCounter
from server.models.department import Department
from server.models.enterprise import Enterprise
from server.models.idempotency import IdempotencyKey
from server.models.metric_rollup import (
    ROLLUP_COUNTERS,
    MetricDuration,
    MetricDurationLevel,
    MetricEnterpriseDay,
    MetricRollup,
)
from server.models.notification import (
    Notification,
    NotificationPreference,
    OutboxAttempt,
    OutboxMessage,
)
from server.models.open311_key import Open311Key, Open311Request
from server.models.person import Person, PersonRole
from server.models.pioneer import (
    AttendanceRecord,
    AttendanceRecordPerson,
    ContributionPoints,
    VolunteerHours,
)
from server.models.rating import RequestRating
from server.models.request_search import RequestSearch
from server.models.room import Room
from server.models.service_request import RequestEvent, ServiceRequest
from server.models.sign_in_failure import SignInFailure
from server.models.visit import Visit, VisitNeed, VisitPhoto, VisitPlan, VisitStaff
from server.models.webhook import Webhook

__all__ = [
    "Activity",
    "ActivityFeed",
    "ActivityRating",
    "ActivitySeries",
    "Attendance",
    "Club",
    "ClubMember",
    "Signup",
    "Attachment",
    "AttendanceRecord",
    "AttendanceRecordPerson",
    "AuditEntry",
    "AuthToken",
    "Base",
    "Booking",
    "Building",
    "CatalogRevision",
    "ContributionPoints",
    "Category",
    "DailyCounter",
    "Department",
    "Enterprise",
    "IdempotencyKey",
    "MetricDuration",
    "MetricDurationLevel",
    "MetricEnterpriseDay",
    "MetricRollup",
    "ROLLUP_COUNTERS",
    "Notification",
    "NotificationPreference",
    "OutboxAttempt",
    "OutboxMessage",
    "Open311Key",
    "Open311Request",
    "Person",
    "PersonRole",
    "RequestEvent",
    "RequestRating",
    "RequestSearch",
    "Room",
    "Service",
    "ServiceField",
    "ServiceRequest",
    "SignInFailure",
    "Visit",
    "VisitNeed",
    "VisitPhoto",
    "VisitPlan",
    "VisitStaff",
    "Webhook",
    "VolunteerHours",
    "utcnow",
]
