"""The life cycle of a request (DESIGN.md "A request's life") as one table.

``TRANSITIONS[(state, action)]`` says where the action leads and which parties may take it.
Nothing here touches the database or the web: the request service performs a transition,
the policy module works out a person's parties, and the pages ask :func:`available_actions`
which buttons to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.enums import Action, Party, RequestStatus

S = RequestStatus
A = Action
P = Party


@dataclass(frozen=True, slots=True)
class Transition:
    source: RequestStatus
    action: Action
    target: RequestStatus
    parties: frozenset[Party]
    note_required: bool = False
    # Internal events are shown to staff only; everything else is on the public timeline.
    public: bool = True
    # May the one taking it mark its note for staff only? Only where the requester loses
    # nothing by not reading it (a handover between staff), never on a result or a reason
    # the requester is owed.
    internal_note: bool = False


def _t(source, action, target, *parties, note_required=False, public=True, internal_note=False) -> Transition:
    return Transition(source, action, target, frozenset(parties), note_required, public, internal_note)


_TABLE: tuple[Transition, ...] = (
    # 派单: routing does it on submission when a service names its department.
    _t(S.submitted, A.dispatch, S.dispatched, P.system, P.dispatcher, internal_note=True),
    _t(S.submitted, A.reject, S.rejected, P.dispatcher, note_required=True),
    _t(S.submitted, A.cancel, S.cancelled, P.requester),
    _t(S.submitted, A.urge, S.submitted, P.supervisor, note_required=True, public=False),
    # 接单
    _t(S.dispatched, A.claim, S.claimed, P.department_staff),
    _t(S.dispatched, A.assign, S.claimed, P.department_lead, P.system, internal_note=True),
    _t(S.dispatched, A.return_, S.submitted, P.department_staff, note_required=True, internal_note=True),
    _t(S.dispatched, A.transfer, S.dispatched, P.dispatcher, note_required=True, internal_note=True),
    _t(S.dispatched, A.cancel, S.cancelled, P.requester),
    _t(S.dispatched, A.urge, S.dispatched, P.supervisor, note_required=True, public=False),
    # 办理
    # 放弃 says why: the colleague who takes the task next, and the lead, read it.
    _t(S.claimed, A.release, S.dispatched, P.assignee, P.department_lead, note_required=True, internal_note=True),
    _t(S.claimed, A.assign, S.claimed, P.department_lead, internal_note=True),
    _t(S.claimed, A.suspend, S.suspended, P.assignee, P.department_lead, note_required=True),
    _t(S.claimed, A.request_extension, S.claimed, P.assignee, P.department_lead, note_required=True, public=False),
    _t(S.claimed, A.extend, S.claimed, P.dispatcher, internal_note=True),
    _t(S.claimed, A.add_cohandler, S.claimed, P.dispatcher, P.department_lead, public=False),
    _t(S.claimed, A.complete, S.completed, P.assignee, P.department_lead, note_required=True),
    _t(S.claimed, A.urge, S.claimed, P.supervisor, note_required=True, public=False),
    _t(S.suspended, A.resume, S.claimed, P.assignee, P.department_lead),
    _t(S.suspended, A.extend, S.suspended, P.dispatcher, internal_note=True),
    _t(S.suspended, A.urge, S.suspended, P.supervisor, note_required=True, public=False),
    # 评单
    _t(S.completed, A.rate, S.closed, P.requester),
    _t(S.completed, A.rework, S.claimed, P.requester, note_required=True),
    _t(S.completed, A.auto_close, S.closed, P.system),
)

TRANSITIONS: dict[tuple[RequestStatus, Action], Transition] = {(t.source, t.action): t for t in _TABLE}

# The actions a person may take somewhere in the table; the rest (auto_close) only the system
# takes. ``submit`` starts a request rather than moving one, so it is not in the table and
# not among these: it has its own door (POST /requests, the order form).
PERSON_ACTIONS: frozenset[Action] = frozenset(t.action for t in _TABLE if t.parties - {P.system})

# History entries that are no transition: ``submit`` starts a request (its own door) and a
# ``message`` is a turn of the conversation on it (沟通留言, server/requests/messages.py), which
# leaves the state, the version and the clocks as they are. Neither has a row in the table.
NOT_TRANSITIONS: frozenset[Action] = frozenset({A.submit, A.message})

# Actions whose parties are granted by role alone (no relation to the request needed).
ROLE_PARTIES = frozenset({P.dispatcher, P.supervisor})


class TransitionDenied(Exception):
    """The action is not open to these parties in any state (HTTP 403)."""


class WrongState(Exception):
    """The action exists for these parties, but not from the request's current state (409)."""


def find(state: RequestStatus, action: Action, parties: frozenset[Party] | set[Party]) -> Transition:
    """The transition ``action`` takes from ``state`` for someone with ``parties``.

    Raises :class:`TransitionDenied` when none of the parties may ever take the action, and
    :class:`WrongState` when they may, but not from ``state``."""
    transition = TRANSITIONS.get((state, action))
    if transition is not None and transition.parties & set(parties):
        return transition
    if any(t.action == action and t.parties & set(parties) for t in _TABLE):
        raise WrongState(f"{action.value} is not possible while the request is {state.value}")
    raise TransitionDenied(f"{action.value} is not allowed for you on this request")


def available_actions(state: RequestStatus, parties: frozenset[Party] | set[Party]) -> list[Action]:
    """The actions these parties may take now, in table order (for buttons and the API)."""
    granted = set(parties)
    return [t.action for t in _TABLE if t.source == state and t.parties & granted]


def all_transitions() -> tuple[Transition, ...]:
    return _TABLE
