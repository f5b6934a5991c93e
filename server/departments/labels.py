"""Words the admin pages show for department kinds and assignment modes (English msgids,
translated where shown)."""

from __future__ import annotations

from server.enums import AssignmentMode, DepartmentKind
from server.i18n_text import N_

KIND_LABELS = {
    DepartmentKind.government: N_("Government department"),
    DepartmentKind.mass_organisation: N_("Mass organisation"),
    DepartmentKind.social_organisation: N_("Social organisation"),
    DepartmentKind.service_centre: N_("Service centre"),
}
MODE_LABELS = {
    AssignmentMode.open_queue: N_("Open queue: anyone in it claims"),
    AssignmentMode.round_robin: N_("Round-robin over its staff"),
    AssignmentMode.least_loaded: N_("The staff member with the fewest open tasks"),
}
