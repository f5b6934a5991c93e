"""The words the pages show for codes: roles, request statuses, flags, audiences. English msgids, marked
with ``N_`` for extraction and translated where shown (``_(role_labels[r])`` in a template)."""

from __future__ import annotations

from server.enums import Audience, RequestStatus, Role
from server.i18n_text import N_
from server.requests.flags import Flag

ROLE_LABELS = {
    Role.member: N_("Member"),
    Role.contact: N_("Enterprise contact"),
    Role.dispatcher: N_("Dispatcher"),
    Role.staff: N_("Department staff"),
    Role.lead: N_("Department lead"),
    Role.supervisor: N_("Supervisor"),
    Role.admin: N_("Administrator"),
}

STATUS_LABELS = {
    RequestStatus.submitted: N_("Awaiting dispatch"),
    RequestStatus.dispatched: N_("Awaiting claim"),
    RequestStatus.claimed: N_("In progress"),
    RequestStatus.suspended: N_("Suspended"),
    RequestStatus.completed: N_("Awaiting rating"),
    RequestStatus.closed: N_("Closed"),
    RequestStatus.cancelled: N_("Cancelled"),
    RequestStatus.rejected: N_("Rejected"),
}

FLAG_LABELS = {
    Flag.blue: N_("Due soon"),
    Flag.yellow: N_("Behind"),
    Flag.red: N_("Overdue"),
}

# Who may order a service: on the menu and in the catalogue's admin.
AUDIENCE_LABELS = {
    Audience.members: N_("Members"),
    Audience.enterprises: N_("Enterprises"),
    Audience.both: N_("Members and enterprises"),
}

# Roles in the order the header lists them.
ROLE_ORDER = list(ROLE_LABELS)
