"""The words for the pioneer index's codes (English msgids; the pages translate them)."""

from __future__ import annotations

from server.enums import PioneerGrade, PioneerPart
from server.i18n_text import N_

PART_LABELS = {
    PioneerPart.organisation: N_("Organisation life"),
    PioneerPart.learning: N_("Learning"),
    PioneerPart.service: N_("Service and volunteering"),
    PioneerPart.contribution: N_("Contribution points"),
}
GRADE_LABELS = {
    PioneerGrade.excellent: N_("Excellent"),
    PioneerGrade.good: N_("Good"),
    PioneerGrade.fair: N_("Fair"),
}
# The codes of [9/12]'s ActivityKind, as the hand-recorded attendance uses them.
KIND_LABELS = {
    "theme_day": N_("Theme party day"),
    "micro_lecture": N_("Micro-lecture"),
    "micro_film": N_("Micro-film"),
    "micro_forum": N_("Micro-forum"),
    "club_activity": N_("Club activity"),
    "other": N_("Other activity"),
}
FACT_LABELS = {
    "attended": N_("Attended"),
    "gave": N_("Gave the lecture"),
    "volunteered": N_("Volunteer hours"),
    "served": N_("Request served as a volunteer"),
    "points": N_("Contribution points"),
}
