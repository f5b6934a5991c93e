"""The request service: every write to a request, for every door (API, pages, CLI).

Submission lives in ``server.requests.submission``, the life-cycle actions in
``server.requests.actions``, the conversation 沟通留言 in ``server.requests.messages``; this module is the one callers import
(``from server.requests import service as request_service``).
"""

from server.requests.actions import (
    MAX_EXTENSION_DAYS,
    MAX_NOTE,
    ActionInput,
    calendar,
    close_unrated,
    current_state,
    perform,
)
from server.requests.messages import MAX_MESSAGE, Posted
from server.requests.messages import post as post_message
from server.requests.submission import (
    MAX_DESCRIPTION,
    PHONE_RE,
    DuplicateSubmission,
    OnBehalf,
    SubmitInput,
    Submitted,
    orderable_service,
    submit,
)

__all__ = [
    "DuplicateSubmission",
    "MAX_DESCRIPTION",
    "MAX_EXTENSION_DAYS",
    "MAX_MESSAGE",
    "MAX_NOTE",
    "PHONE_RE",
    "ActionInput",
    "OnBehalf",
    "Posted",
    "SubmitInput",
    "Submitted",
    "calendar",
    "close_unrated",
    "current_state",
    "orderable_service",
    "perform",
    "post_message",
    "submit",
]
