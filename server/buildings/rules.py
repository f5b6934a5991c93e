"""The rules a building must meet, as a pure function collecting a message per field: the
building service (which adds the checks that need the database) and the seed files use it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from server.checks import check_code, clean_names

FLOOR_MAX = 20
ADDRESS_MAX = 200


def check_building(errors: dict[str, str], *, code: str, name: Mapping[str, str] | None, address: str,
                   floors: Iterable[str]) -> dict:
    code = code.strip()
    check_code(code, errors)
    names = clean_names(name, errors)
    floors = [f.strip() for f in floors if f.strip()]
    if not floors:
        errors["floors"] = "List at least one floor."
    elif len(set(floors)) != len(floors):
        errors["floors"] = "A floor is listed twice."
    elif any(len(f) > FLOOR_MAX for f in floors):
        errors["floors"] = "A floor label has at most 20 characters."
    address = address.strip()
    if len(address) > ADDRESS_MAX:
        errors["address"] = "At most 200 characters."
    return {"code": code, "name": names, "address": address, "floors": floors}
