"""The words the visit pages show for the plan's codes (English msgids, translated where shown)."""

from __future__ import annotations

from server.enums import VisitFrequency
from server.i18n_text import N_
from server.visits.rules import Standing

STANDING_LABELS = {
    Standing.overdue: N_("Overdue"),
    Standing.due_this_month: N_("Due this month"),
    Standing.later: N_("Later"),
}

FREQUENCY_LABELS = {
    VisitFrequency.monthly: N_("Monthly"),
    VisitFrequency.quarterly: N_("Quarterly"),
    VisitFrequency.half_yearly: N_("Every six months"),
    VisitFrequency.yearly: N_("Yearly"),
}
