"""Cursors that every paged list must refuse (issue 7's findings and their kin), shared by
the API's and the pages' cursor tests."""

from __future__ import annotations

import base64
import json


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def crafted(name: str, kinds: tuple[str, ...]) -> list[str]:
    """Cursors that must all be refused for the list ``name`` whose keys are ``kinds``."""
    good = {"int": 5, "dt": "2026-11-26T02:00:00+00:00"}

    def after(**replace):
        values = [replace.get(str(i), good[k]) for i, k in enumerate(kinds)]
        return _b64(json.dumps({"list": name, "after": values}))

    last = str(len(kinds) - 1)  # the id
    cursors = [
        "W10", "MQ", "bnVsbA", "Ingi", "!!!", "garbage", _b64("{"), _b64('{"list": 1}'),
        after(**{last: 2**63}), after(**{last: 10**21}), after(**{last: -(2**63) - 1}),
        after(**{last: True}), after(**{last: 1.5}), after(**{last: "5"}), after(**{last: None}),
        _b64(json.dumps({"list": name, "after": [good[k] for k in kinds] + [1]})),  # one value too many
        _b64(json.dumps({"list": "elsewhere", "after": [good[k] for k in kinds]})),
        _b64(json.dumps({"list": name, "after": [good[k] for k in kinds], "extra": 1})),
        _b64(json.dumps({"id": 2**63, "due": None, "sort": "newest"})),  # the old format
    ]
    for i, kind in enumerate(kinds):
        if kind == "dt":
            cursors += [
                after(**{str(i): None}), after(**{str(i): "2026-11-26T02:00:00"}),  # null, naive
                after(**{str(i): "9999-12-31T23:00:00-05:00"}), after(**{str(i): "0001-01-01T00:30:00+01:00"}),
                after(**{str(i): "tomorrow"}),
            ]
    return cursors
