"""The rules a department must meet, as a pure function collecting a message per field: the
department service (which adds the checks that need the database) and the seed files use it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from server.checks import check_code, clean_names
from server.enums import AssignmentMode, DepartmentKind
from server.worktime import parse_periods


def check_department(errors: dict[str, str], *, code: str, name: Mapping[str, str] | None, kind: str,
                     assignment_mode: str, workday_periods: str) -> dict:
    code = code.strip()
    check_code(code, errors)
    names = clean_names(name, errors)
    if kind not in DepartmentKind.__members__:
        errors["kind"] = "Choose a kind."
    if assignment_mode not in AssignmentMode.__members__:
        errors["assignment_mode"] = "Choose how tasks reach people."
    periods = workday_periods.strip()
    if periods:
        try:
            # "8:30" is how people write it; time.fromisoformat wants "08:30".
            padded = re.sub(r"(?<!\d)(\d):", r"0\1:", periods.replace("，", ","))
            periods = ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in parse_periods(padded))
        except ValueError:
            errors["workday_periods"] = "Office hours look like 09:00-12:00,13:00-18:00, in order and not overlapping."
    return {
        "code": code, "name": names,
        "kind": DepartmentKind(kind) if "kind" not in errors else None,
        "assignment_mode": AssignmentMode(assignment_mode) if "assignment_mode" not in errors else None,
        "workday_periods": periods or None,
    }
