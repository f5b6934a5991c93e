"""Why an action on a request was refused, in words: the one place that words a refusal.

The action service raises its 409s with these messages (so the API's problem detail says the
same as a page), and the pages (the request's panels, the desk, the dispatch board) turn a
refusal they caught into the line they show with :func:`explain`. Pure: no database, no web.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.enums import Action, RequestStatus
from server.errors import Conflict, Forbidden, LianxinError, Msg
from server.i18n_text import N_

WRONG_STATE = N_("This request is {status} now; “{action}” is not possible.")
STALE = N_("Someone else changed this request first; reload it and try again.")
CLAIMED_BY = N_("Already claimed by {name}.")
YOURS = N_("You have already claimed this request.")
# What a page says when it shows the request as it is now, in place of the refused form.
CHANGED = N_("Someone else changed this request in the meantime; here it is as it is now.")
GONE = N_("Someone else changed this request in the meantime; it is no longer on your lists.")
# A page's word for a 403 from an action (the service's own names the action by its code).
NOT_ALLOWED = N_("You may not do this on this request.")

# The actions that take a task: losing one means someone else holds it now.
TAKING = frozenset({Action.claim, Action.assign})


@dataclass(frozen=True)
class Holder:
    """Who holds a request now, as a 409 reports it."""

    username: str
    name: str

    @classmethod
    def of(cls, value: Any) -> Holder | None:
        """From a conflict's ``assignee`` entry (a dict) or anything with username and name."""
        if value is None:
            return None
        if isinstance(value, dict):
            return cls(value.get("username") or "", value.get("name") or value.get("username") or "")
        return cls(value.username, getattr(value, "name", None) or getattr(value, "display_name", value.username))


def lost_task(action: Action, status: RequestStatus | str | None, holder: Holder | None, username: str | None) -> Msg | None:
    """"Already claimed by …" when ``action`` tried to take a task somebody now holds."""
    if action not in TAKING or holder is None or status == RequestStatus.dispatched:
        return None
    if holder.username == username:
        return Msg(YOURS)
    return Msg(CLAIMED_BY, name=holder.name)


def wrong_state(action: Action, status: RequestStatus | str, holder: Holder | None, username: str | None) -> Msg:
    """The message of the 409 for an action that is not possible in the request's state."""
    return lost_task(action, status, holder, username) or Msg(WRONG_STATE, status=str(status), action=action.value)


@dataclass(frozen=True)
class Refusal:
    """A refused action, in words for a page."""

    text: Msg
    fields: dict[str, Any] = field(default_factory=dict)  # field → msgid or Msg
    status_code: int = 400


def explain(
    exc: LianxinError,
    action: Action,
    username: str | None,
    *,
    visible: bool,
    status: RequestStatus | str | None = None,
    holder: Holder | None = None,
) -> Refusal:
    """What a page shows for ``exc`` raised by ``action``, given the request as it is now
    (``visible``: may the person still see it; its ``status`` and ``holder``)."""
    fields = dict(getattr(exc, "errors", None) or {})
    if isinstance(exc, Forbidden):
        return Refusal(Msg(NOT_ALLOWED), fields, exc.status_code)
    if not isinstance(exc, Conflict):
        return Refusal(Msg(exc.message, **exc.params), fields, exc.status_code)
    # A lost race for a task: name the winner (from the conflict, or from the request re-read
    # when the race was lost at UPDATE time and the conflict carries no state).
    holder = Holder.of(exc.extra.get("assignee")) or holder
    lost = lost_task(action, status if visible else None, holder, username)
    if lost is not None:
        return Refusal(lost, status_code=409)
    return Refusal(Msg(CHANGED if visible else GONE), status_code=409)
