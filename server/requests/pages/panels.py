"""The action panels of a request: which inputs each life-cycle action asks for, their
labels, and turning a posted panel form into the request service's ``ActionInput``.

The panels are offered from ``presenters.available_actions`` (the workflow table and the
policy decide), so a panel never shows to someone the service would refuse. Other pages
(desk, dispatch board) can link to ``/requests/{number}`` or include
``requests/_panels.html`` with the context :func:`server.requests.pages.detail_context.page_context` builds.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from starlette.datastructures import FormData

from server import workflow
from server.enums import Action, RequestStatus
from server.enums import Rating as RatingValue
from server.errors import InvalidInput, NotFound
from server.i18n_text import N_
from server.requests import service as request_service
from server.web.formdata import text, whole_number

DEPARTMENT, ASSIGNEE, DAYS, RATING, FILES = "department", "assignee", "days", "rating", "files"


@dataclass(frozen=True)
class ActionSpec:
    label: str  # msgid of the button and the panel
    inputs: tuple[str, ...] = ()
    note_label: str = N_("Note")
    kind: str = "primary"  # the button's kind
    quick: bool = False  # one button, no inputs at all
    confirm: str | None = None  # msgid of the submit button when it is a second thought (放弃, 驳回)
    hint: str | None = None  # msgid of what taking it means for others

    @property
    def has_files(self) -> bool:
        return FILES in self.inputs


SPECS: dict[Action, ActionSpec] = {
    Action.dispatch: ActionSpec(N_("Dispatch"), (DEPARTMENT,)),
    Action.reject: ActionSpec(N_("Reject"), note_label=N_("Reason for rejecting"), kind="danger",
                              confirm=N_("Confirm: reject"), hint=N_("The requester will see this reason.")),
    Action.cancel: ActionSpec(N_("Cancel the request"), note_label=N_("Reason (optional)"), kind="danger"),
    Action.urge: ActionSpec(N_("Urge"), note_label=N_("What should happen now?")),
    Action.claim: ActionSpec(N_("Claim"), quick=True),
    Action.assign: ActionSpec(N_("Assign"), (ASSIGNEE,)),
    Action.return_: ActionSpec(N_("Return"), note_label=N_("Reason"), kind="danger"),
    Action.transfer: ActionSpec(N_("Transfer"), (DEPARTMENT,), note_label=N_("Reason")),
    Action.release: ActionSpec(N_("Release"), note_label=N_("Reason for releasing"), kind="secondary",
                               confirm=N_("Confirm: release"),
                               hint=N_("The task goes back to the department queue for a colleague to claim.")),
    Action.suspend: ActionSpec(N_("Suspend"), note_label=N_("What are you waiting for?"), kind="secondary"),
    Action.resume: ActionSpec(N_("Resume"), quick=True),
    Action.request_extension: ActionSpec(N_("Request an extension"), (DAYS,), note_label=N_("Reason"), kind="secondary"),
    Action.extend: ActionSpec(N_("Approve the extension"), (DAYS,)),
    Action.add_cohandler: ActionSpec(N_("Add a co-handling department"), (DEPARTMENT,), kind="secondary"),
    Action.complete: ActionSpec(N_("Complete"), (FILES,), note_label=N_("Result")),
    Action.rate: ActionSpec(N_("Rate"), (RATING,), note_label=N_("Comment")),
    Action.rework: ActionSpec(N_("Ask for rework"), note_label=N_("What still needs doing?"), kind="secondary"),
}

# Past tense, for the timeline.
EVENT_LABELS = {
    Action.submit: N_("Submitted"),
    Action.dispatch: N_("Dispatched"),
    Action.claim: N_("Claimed"),
    Action.assign: N_("Assigned"),
    Action.release: N_("Released"),
    Action.return_: N_("Returned"),
    Action.transfer: N_("Transferred"),
    Action.add_cohandler: N_("Co-handling department added"),
    Action.suspend: N_("Suspended"),
    Action.resume: N_("Resumed"),
    Action.request_extension: N_("Extension requested"),
    Action.extend: N_("Extension granted"),
    Action.complete: N_("Completed"),
    Action.rate: N_("Rated"),
    Action.rework: N_("Rework requested"),
    Action.auto_close: N_("Closed without a rating"),
    Action.cancel: N_("Cancelled"),
    Action.reject: N_("Rejected"),
    Action.urge: N_("Urged"),
    Action.message: N_("Message"),
}

# Said on the request page after an action whose effect is not plain from the page itself (the
# page's head shows the number, so these do not repeat it).
DONE = {
    Action.release: N_("Released: the request is back in the {department} queue, waiting to be claimed."),
    Action.reject: N_("Rejected: the requester will see the reason."),
}

RATING_LABELS = {
    RatingValue.satisfied: N_("Satisfied"),
    RatingValue.basically_satisfied: N_("Basically satisfied"),
    RatingValue.unsatisfied: N_("Unsatisfied"),
}

@dataclass(frozen=True)
class Panel:
    action: Action
    spec: ActionSpec
    note_required: bool
    internal_option: bool  # may the note be for staff only? (the transition table says)


def panels_for(status: RequestStatus, actions: list[Action]) -> list[Panel]:
    panels = []
    for action in actions:
        if action in SPECS:
            transition = workflow.TRANSITIONS[(status, action)]
            panels.append(Panel(action, SPECS[action], transition.note_required, transition.internal_note))
    return panels


def parse_action(value: str, offered: Collection[Action] = SPECS) -> Action:
    """The action a URL names, if the page ever offers it (a panel of the request page by
    default, or a work list's row); any other name is a 404."""
    try:
        action = Action(value)
    except ValueError:
        action = None
    if action not in offered:
        raise NotFound("There is no action called {action}.", {"action": value})
    return action


def action_input(action: Action, form: FormData) -> request_service.ActionInput:
    """The service's input from a panel's form; only the inputs this action asks for count.
    Raises InvalidInput (with the field) for days or a rating that are not what we offered."""
    spec = SPECS[action]
    data = request_service.ActionInput(note=text(form, "note", 5000))
    if DEPARTMENT in spec.inputs:
        data.department_code = text(form, DEPARTMENT, 40).strip() or None
    if ASSIGNEE in spec.inputs:
        data.assignee = text(form, ASSIGNEE, 64).strip() or None
    if DAYS in spec.inputs:
        raw = text(form, DAYS, 10).strip()
        if raw:
            data.days = whole_number(raw)
            if data.days is None:
                raise InvalidInput("Please give a number of working days.", {DAYS: "Please enter a whole number."})
    if RATING in spec.inputs:
        raw = text(form, RATING, 30).strip()
        if raw:
            try:
                data.rating = RatingValue(raw)
            except ValueError:
                raise InvalidInput("Please choose a rating.", {RATING: "Please choose one of the options."}) from None
    # Asked for where the transition does not allow it, the service refuses it (422).
    data.internal = text(form, "internal", 5) == "1"
    return data


def kept_values(form: FormData) -> dict[str, str]:
    """What the person typed into a panel, to show it again with the errors."""
    return {k: text(form, k, 5000) for k in ("note", DEPARTMENT, ASSIGNEE, DAYS, RATING, "internal")}
