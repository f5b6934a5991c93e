"""Door parity for requests: the JSON API and the request page allow and refuse exactly the
same things, and both follow the workflow table.

For every state a request can be in × every action a person can take × every kind of person,
a door must give the outcome that the people's relations to the request and
``server.workflow``'s table give (DESIGN.md "A request's life"): allowed, with the new state
and the one history event the table says (public or internal alike); or refused the same way:
404 for a request they may not see, 403 for an action that is never theirs, 409 for one that
is theirs but not from this state, 422 for bad input; and a refusal changes nothing. The
expectation is worked out here, never read from the doors' code.

The doors (``tests/parity_helpers.DOORS``): the API with a bearer token and with the session
cookie, and the panel form posted by a browser without script and by htmx. The bearer API
takes every case. Every allowed case goes through all four doors; of each refusal (the kinds
of person a state × action refuses alike, e.g. all those for whom it is 403), one person goes
through one of the other doors, chosen so that over the matrix each person meets each door
about equally often. A page costs three API calls (it renders the page again to show the
refusal), so trying every case at every door would take ~4× as long; set
``LIANXIN_PARITY_ALL_DOORS=1`` to do just that.

Where a door disagrees today the case is a strict xfail saying what differs, so that the fix
turns it into a failure to be unmarked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from server import workflow
from server.enums import Action, Party, RequestStatus
from tests.parity_helpers import (
    BROWSER_DOORS,
    DOORS,
    KIND,
    KINDS,
    STATES,
    Parity,
    events_after,
    holds,
    mark,
    parity_world,  # noqa: F401 (the module's fixture ``parity``)
)

S, A, P = RequestStatus, Action, Party
pytestmark = pytest.mark.db
ALL_DOORS = os.environ.get("LIANXIN_PARITY_ALL_DOORS") == "1"

# The actions a person may take in some state (the others are the system's own).
PERSON_ACTIONS = tuple(
    a for a in Action if any(t.action == a and t.parties - {P.system} for t in workflow.all_transitions())
)
SYSTEM_ONLY = tuple(a for a in Action if a not in PERSON_ACTIONS)
# The actions whose note may be for staff only (DESIGN.md: a return's reason, a dispatcher's or
# a lead's working note). Every other action refuses ``internal`` in every door: a requester's
# rating or a completion's result must never be hidden from the requester.
INTERNAL_NOTE = frozenset({A.dispatch, A.assign, A.return_, A.transfer, A.release, A.extend})

# The equivalent valid input of each action, by the names both doors use (the API's JSON body
# and the panel form's fields are named alike).
VALID: dict[Action, dict] = {
    A.dispatch: {"note": "For the union.", "department": "union"},
    A.reject: {"note": "Not something the centre does."},
    A.cancel: {"note": "Sorted it myself."},
    A.urge: {"note": "Please hurry."},
    A.claim: {},
    A.assign: {"note": "Please take this one.", "assignee": "staff1"},
    A.return_: {"note": "Not ours."},
    A.transfer: {"note": "Better with the youth league.", "department": "youth"},
    A.release: {"note": "Away this week."},
    A.suspend: {"note": "Waiting for the papers."},
    A.resume: {},
    A.request_extension: {"note": "Needs a site visit.", "days": 3},
    A.extend: {"note": "Granted.", "days": 3},
    A.add_cohandler: {"note": "The youth league helps.", "department": "youth"},
    A.complete: {"note": "Done: all filed."},
    A.rate: {"note": "Thank you!", "rating": "satisfied"},
    A.rework: {"note": "The form is still missing."},
}
assert set(VALID) == set(PERSON_ACTIONS), "every person action needs its valid input here"


# --- what the doors should answer ------------------------------------------------------------


def sees(kind: str, state: RequestStatus) -> bool:
    """May this kind of person see the request made in ``state`` (DESIGN.md "Who uses it")?"""
    department, assignee = holds(state)
    if kind in ("requester", "contact", "dispatcher", "supervisor", "admin"):
        return True  # their own; their enterprise's; overseers see every request
    if kind in ("staff", "lead"):
        return department == "union"
    if kind == "assignee":
        return department == "union" or assignee == kind
    return False  # a member of another enterprise; staff of another department


def parties(kind: str, state: RequestStatus) -> set[Party]:
    """The kind's relations to the request made in ``state``, which the table grants to."""
    _, assignee = holds(state)
    return {
        "requester": {P.requester},
        "staff": {P.department_staff},
        "assignee": {P.department_staff} | ({P.assignee} if assignee == "assignee" else set()),
        "lead": {P.department_staff, P.department_lead},
        "dispatcher": {P.dispatcher},
        "supervisor": {P.supervisor},
    }.get(kind, set())


@dataclass(frozen=True)
class Expected:
    outcome: str  # "allowed", "403", "404", "409" or "422"
    event: tuple | None = None  # (action, from, to, public, actor, note) of the one new event


def expected(state: RequestStatus, action: Action, kind: str, inputs: dict) -> Expected:
    if not sees(kind, state):
        return Expected("404")
    try:
        transition = workflow.find(state, action, parties(kind, state))
    except workflow.TransitionDenied:
        return Expected("403")
    except workflow.WrongState:
        return Expected("409")
    internal = inputs.get("internal", False)
    if internal and action not in INTERNAL_NOTE:
        return Expected("422")
    public = transition.public and not internal
    note = inputs.get("note", "").strip()
    return Expected("allowed", (action, state, transition.target, public, KIND[kind].username, note))


def attempt(parity: Parity, door: str, state: RequestStatus, action: str, kind: str, inputs: dict,
            want: Expected, *, fresh: bool = False, check: bool = True) -> str:
    """Try it through ``door``; "" when the door did what ``want`` says, else what went wrong
    (naming the state, action, person and door). An attempt that should change something gets
    a fresh request of its own (so does one with ``fresh``, which some door lets through today);
a refusal is tried on the state's shared one, which must not change (``check=False`` leaves
that look to the caller)."""
    requests = parity.requests
    inputs = dict(inputs)
    version = inputs.pop("version", None)
    where = f"{state.value} · {action} · by {kind} · {door} door"
    if want.outcome == "allowed" or fresh:
        number = requests.fresh(state)
        with requests.database.read() as session:
            current, last_event = mark(session, number)
        reply = parity.doors.act(door, KIND[kind].username, number, action, inputs, version or current)
        with requests.database.read() as session:
            status, _, events = events_after(session, number, last_event)
        if reply.outcome != want.outcome:
            return f"{where}: expected {want.outcome}, got {reply.outcome} {events}"
        if want.outcome != "allowed":
            return f"{where}: refused ({reply.outcome}), but the request changed: {events}" if events else ""
        if status != want.event[2] or events != (want.event,):
            return f"{where}: expected the state {want.event[2]} and the event {want.event}, got {status} {events}"
        return ""
    number = requests.shared[state]
    current = requests.marks[number][0]
    reply = parity.doors.act(door, KIND[kind].username, number, action, inputs, version or current)
    if check and not requests.unchanged(state):
        return f"{where}: expected {want.outcome}, got {reply.outcome}, and the request changed"
    if reply.outcome != want.outcome:
        return f"{where}: expected {want.outcome}, got {reply.outcome}"
    return ""


# --- the matrix: every state × action × kind of person ---------------------------------------


def _doors_of_matrix() -> dict[tuple[RequestStatus, Action, str], tuple[str, ...]]:
    """Which doors take each case (see the module docstring): the bearer API every case, all
    doors every allowed one, and one browser door one person of each refusal, the (person,
    door) pair least used so far, so that the refusals spread evenly over people and doors."""
    chosen: dict[tuple[RequestStatus, Action, str], tuple[str, ...]] = {}
    used = dict.fromkeys(((k.name, d) for k in KINDS for d in BROWSER_DOORS), 0)
    for state in STATES:
        for action in PERSON_ACTIONS:
            classes: dict[str, list[str]] = {}
            for kind in KINDS:
                classes.setdefault(expected(state, action, kind.name, VALID[action]).outcome, []).append(kind.name)
            for outcome, kinds in classes.items():
                for kind in kinds:
                    chosen[state, action, kind] = DOORS if ALL_DOORS or outcome == "allowed" else ("api",)
                if outcome != "allowed" and not ALL_DOORS:
                    kind, door = min(((k, d) for k in kinds for d in BROWSER_DOORS), key=lambda pair: used[pair])
                    used[kind, door] += 1
                    chosen[state, action, kind] += (door,)
    return chosen


MATRIX = _doors_of_matrix()


@pytest.mark.parametrize(
    ("state", "action", "kind"),
    [pytest.param(s, a, k, id=f"{s.value}-{a.value}-by-{k}") for (s, a, k) in MATRIX],
)
def test_every_door_follows_the_table(parity, state, action, kind):
    want = expected(state, action, kind, VALID[action])
    doors = MATRIX[state, action, kind]
    problems = [attempt(parity, door, state, action.value, kind, VALID[action], want, check=False) for door in doors]
    problems = [p for p in problems if p]
    if want.outcome != "allowed" and not parity.requests.unchanged(state):
        problems.append(f"{state.value} · {action.value} · by {kind}: refused, but one of {doors} changed the request")
    assert not problems, "\n".join(problems)


def test_the_matrix_reaches_every_door_with_everyone():
    """The choice really spreads the refusals: each person meets each door, and each door
    meets every state, every action and every kind of refusal."""
    met = {(kind, door) for (_s, _a, kind), doors in MATRIX.items() for door in doors}
    assert met == {(k.name, d) for k in KINDS for d in DOORS}
    for door in DOORS:
        cases = [(s, a, k) for (s, a, k), doors in MATRIX.items() if door in doors]
        assert {s for s, _a, _k in cases} == set(STATES), door
        assert {a for _s, a, _k in cases} == set(PERSON_ACTIONS), door
        assert {expected(s, a, k, VALID[a]).outcome for s, a, k in cases} == {"allowed", "403", "404", "409"}, door


# --- the staff-only note ---------------------------------------------------------------------



def _internal_params():
    for (state, action, kind), _doors in MATRIX.items():
        if expected(state, action, kind, VALID[action]).outcome != "allowed":
            continue
        for door in ("api", "page", "htmx"):
            yield pytest.param(state, action, kind, door, id=f"{state.value}-{action.value}-by-{kind}-{door}")


@pytest.mark.parametrize(("state", "action", "kind", "door"), list(_internal_params()))
def test_a_staff_only_note_only_where_the_action_allows_it(parity, state, action, kind, door):
    inputs = {**VALID[action], "internal": True}
    problem = attempt(parity, door, state, action.value, kind, inputs, expected(state, action, kind, inputs), fresh=True)
    assert not problem, problem


# --- bad input -------------------------------------------------------------------------------

LONG = "x" * 2001

# (state, action, kind allowed to take it, what is wrong, the inputs, the outcome)
BAD_INPUT: list[tuple[RequestStatus, Action, str, str, dict, str]] = [
    (S.claimed, A.complete, "assignee", "no note", {"note": ""}, "422"),
    (S.claimed, A.complete, "assignee", "a blank note", {"note": "   "}, "422"),
    (S.claimed, A.complete, "assignee", "a note of 2001 characters", {"note": LONG}, "422"),
    (S.claimed, A.complete, "assignee", "a note with a NUL", {"note": "done\x00"}, "422"),
    (S.claimed, A.complete, "assignee", "a stale version", {"note": "Done.", "version": 1}, "409"),
    (S.claimed, A.complete, "assignee", "a version that is not a number", {"note": "Done.", "version": "abc"}, "422"),
    (S.submitted, A.reject, "dispatcher", "no reason", {}, "422"),
    (S.dispatched, A.return_, "staff", "no reason", {"note": ""}, "422"),
    (S.claimed, A.release, "assignee", "no reason", {"note": ""}, "422"),
    (S.claimed, A.release, "lead", "a blank reason", {"note": "  "}, "422"),
    (S.claimed, A.suspend, "assignee", "no note", {}, "422"),
    (S.completed, A.rework, "requester", "no note", {}, "422"),
    (S.submitted, A.dispatch, "dispatcher", "no department", {}, "422"),
    (S.submitted, A.dispatch, "dispatcher", "an unknown department", {"department": "nowhere"}, "422"),
    (S.submitted, A.dispatch, "dispatcher", "a retired department", {"department": "old"}, "422"),
    (S.dispatched, A.transfer, "dispatcher", "no department", {"note": "Elsewhere."}, "422"),
    (S.dispatched, A.transfer, "dispatcher", "the same department", {"note": "Elsewhere.", "department": "union"}, "422"),
    (S.claimed, A.add_cohandler, "lead", "the holding department", {"department": "union"}, "422"),
    (S.claimed, A.add_cohandler, "dispatcher", "an unknown department", {"department": "nowhere"}, "422"),
    (S.claimed, A.assign, "lead", "no assignee", {}, "422"),
    (S.claimed, A.assign, "lead", "an unknown person", {"assignee": "nobody"}, "422"),
    (S.claimed, A.assign, "lead", "a member", {"assignee": "member1"}, "422"),
    (S.dispatched, A.assign, "lead", "staff of another department", {"assignee": "staff9"}, "422"),
    (S.claimed, A.request_extension, "assignee", "no days", {"note": "Busy."}, "422"),
    (S.claimed, A.request_extension, "assignee", "0 days", {"note": "Busy.", "days": 0}, "422"),
    (S.claimed, A.request_extension, "assignee", "61 days", {"note": "Busy.", "days": 61}, "422"),
    (S.claimed, A.request_extension, "assignee", "-1 days", {"note": "Busy.", "days": -1}, "422"),
    (S.claimed, A.request_extension, "assignee", "days in words", {"note": "Busy.", "days": "three"}, "422"),
    (S.claimed, A.extend, "dispatcher", "no days and none asked for", {}, "422"),
    (S.suspended, A.extend, "dispatcher", "2.5 days", {"days": 2.5}, "422"),
    (S.completed, A.rate, "requester", "no rating", {"note": "Hm."}, "422"),
    (S.completed, A.rate, "requester", "an unknown rating", {"rating": "great"}, "422"),
    (S.completed, A.rate, "requester", "unsatisfied without a comment", {"rating": "unsatisfied"}, "422"),
]


def _bad_input_params():
    for state, action, kind, label, inputs, outcome in BAD_INPUT:
        assert expected(state, action, kind, {}).outcome == "allowed", (state, action, kind)
        for door in ("api", "page", "htmx"):
            name = f"{state.value}-{action.value}-with-{label.replace(' ', '-')}-{door}"
            yield pytest.param(state, action, kind, inputs, outcome, door, id=name)


@pytest.mark.parametrize(("state", "action", "kind", "inputs", "outcome", "door"), list(_bad_input_params()))
def test_bad_input_is_refused_alike(parity, state, action, kind, inputs, outcome, door):
    problem = attempt(parity, door, state, action.value, kind, inputs, Expected(outcome))
    assert not problem, problem


# --- actions that are not a person's ---------------------------------------------------------


@pytest.mark.parametrize("kind", [k.name for k in KINDS])
@pytest.mark.parametrize("action", [*(a.value for a in SYSTEM_ONLY), "fly"])
def test_the_systems_actions_and_unknown_ones_are_no_door(parity, action, kind):
    """``submit`` has its own door, ``auto_close`` is the sweeper's (``lianxin sweep``, see
    tests/test_door_parity_cli.py); through the action URLs, neither exists for anyone."""
    problems = [attempt(parity, door, S.completed, action, kind, {}, Expected("404"), check=False) for door in DOORS]
    problems = [p for p in problems if p]
    if not parity.requests.unchanged(S.completed):
        problems.append(f"{action} by {kind}: refused, but a door changed the request")
    assert not problems, "\n".join(problems)


# Fresh requests the allowed attempts use up, made in one go by the fixture.
PARITY_FRESH = {state: 0 for state in STATES}
for (_state, _action, _kind), _doors in MATRIX.items():
    if expected(_state, _action, _kind, VALID[_action]).outcome == "allowed":
        PARITY_FRESH[_state] += len(_doors) + 3  # and the three doors of the staff-only note
