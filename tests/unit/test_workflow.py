"""The transition table against DESIGN.md's life cycle, written out again here by hand:
every (state, action, party) is checked, allowed or forbidden."""

from __future__ import annotations

import itertools

import pytest

from server import workflow
from server.enums import Action, Party, RequestStatus

S, A, P = RequestStatus, Action, Party

# (state, action) → (next state, parties allowed), transcribed from DESIGN.md and GLOSSARY.md.
EXPECTED = {
    (S.submitted, A.dispatch): (S.dispatched, {P.system, P.dispatcher}),
    (S.submitted, A.reject): (S.rejected, {P.dispatcher}),
    (S.submitted, A.cancel): (S.cancelled, {P.requester}),
    (S.submitted, A.urge): (S.submitted, {P.supervisor}),
    (S.dispatched, A.claim): (S.claimed, {P.department_staff}),
    (S.dispatched, A.assign): (S.claimed, {P.department_lead, P.system}),
    (S.dispatched, A.return_): (S.submitted, {P.department_staff}),
    (S.dispatched, A.transfer): (S.dispatched, {P.dispatcher}),
    (S.dispatched, A.cancel): (S.cancelled, {P.requester}),
    (S.dispatched, A.urge): (S.dispatched, {P.supervisor}),
    (S.claimed, A.release): (S.dispatched, {P.assignee, P.department_lead}),
    (S.claimed, A.assign): (S.claimed, {P.department_lead}),
    (S.claimed, A.suspend): (S.suspended, {P.assignee, P.department_lead}),
    (S.claimed, A.request_extension): (S.claimed, {P.assignee, P.department_lead}),
    (S.claimed, A.extend): (S.claimed, {P.dispatcher}),
    (S.claimed, A.add_cohandler): (S.claimed, {P.dispatcher, P.department_lead}),
    (S.claimed, A.complete): (S.completed, {P.assignee, P.department_lead}),
    (S.claimed, A.urge): (S.claimed, {P.supervisor}),
    (S.suspended, A.resume): (S.claimed, {P.assignee, P.department_lead}),
    (S.suspended, A.extend): (S.suspended, {P.dispatcher}),
    (S.suspended, A.urge): (S.suspended, {P.supervisor}),
    (S.completed, A.rate): (S.closed, {P.requester}),
    (S.completed, A.rework): (S.claimed, {P.requester}),
    (S.completed, A.auto_close): (S.closed, {P.system}),
}

NOTE_REQUIRED = {A.reject, A.return_, A.transfer, A.release, A.suspend, A.request_extension, A.complete, A.rework, A.urge}  # urge, release: issue 9 (a 催办 says what is wanted, a 放弃 why)

# Events staff keep to themselves: nudges, extension requests, co-handling arrangements.
INTERNAL = {A.urge, A.request_extension, A.add_cohandler}

ALL = list(itertools.product(S, [a for a in A if a != A.submit], P))


@pytest.mark.parametrize(("state", "action", "party"), ALL, ids=lambda v: v.value)
def test_every_state_action_party(state, action, party):
    expected = EXPECTED.get((state, action))
    if expected is not None and party in expected[1]:
        transition = workflow.find(state, action, {party})
        assert transition.target == expected[0]
        assert transition.note_required == (action in NOTE_REQUIRED)
        assert transition.public == (action not in INTERNAL)
        return
    may_elsewhere = any(party in parties for (s, a), (_, parties) in EXPECTED.items() if a == action)
    error = workflow.WrongState if may_elsewhere else workflow.TransitionDenied
    with pytest.raises(error):
        workflow.find(state, action, {party})


def test_table_has_nothing_beyond_the_design():
    assert {(t.source, t.action) for t in workflow.all_transitions()} == set(EXPECTED)


@pytest.mark.parametrize("state", [S.closed, S.cancelled, S.rejected])
def test_final_states_allow_nothing(state):
    assert workflow.available_actions(state, set(P)) == []


def test_available_actions_for_a_department_member_of_a_dispatched_request():
    assert workflow.available_actions(S.dispatched, {P.department_staff}) == [A.claim, A.return_]


def test_several_parties_combine():
    # A lead who is also the assignee may complete and also reassign.
    actions = workflow.available_actions(S.claimed, {P.department_staff, P.department_lead, P.assignee})
    assert {A.complete, A.assign, A.release, A.suspend} <= set(actions)
    assert A.claim not in actions


def test_no_party_means_denied():
    with pytest.raises(workflow.TransitionDenied):
        workflow.find(S.dispatched, A.claim, set())


# Where a staff-only note may be asked for: handovers between staff, never a result, a
# rejection or anything the requester does.
INTERNAL_NOTE = {
    (S.submitted, A.dispatch), (S.dispatched, A.assign), (S.claimed, A.assign), (S.dispatched, A.return_),
    (S.dispatched, A.transfer), (S.claimed, A.release), (S.claimed, A.extend), (S.suspended, A.extend),
}


@pytest.mark.parametrize("transition", workflow.all_transitions(), ids=lambda t: f"{t.source}-{t.action}")
def test_internal_note_is_allowed_exactly_where_the_design_says(transition):
    assert transition.internal_note == ((transition.source, transition.action) in INTERNAL_NOTE)
    if transition.internal_note:
        assert P.requester not in transition.parties


def test_person_actions_are_the_table_minus_what_only_the_system_does():
    assert set(A) - workflow.NOT_TRANSITIONS - {A.auto_close} == workflow.PERSON_ACTIONS


def test_a_message_is_no_transition():
    """沟通留言 is history, never a move: no row of the table takes it, from any state."""
    assert not [t for t in workflow.all_transitions() if t.action in workflow.NOT_TRANSITIONS]
    for state in S:
        assert workflow.available_actions(state, set(P)).count(A.message) == 0
