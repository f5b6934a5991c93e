"""The conversation form of the request page 沟通留言: ``POST /requests/{number}/messages``.

A message with an optional photo (the attachment storage's size and type checks), public or,
for staff, internal. The form carries a one-time key minted per rendering, so a double click
posts once. With htmx the answer is the ``message_result`` block (a fresh form, the timeline
out of band); without script a 303 back to the page's history; a refusal shows the form
again with the reason and what was typed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from server.attachments import service as attachment_service
from server.attachments.storage import staging
from server.errors import InvalidInput, Msg
from server.requests import repository
from server.requests.pages.detail_context import page_context
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, receive_files, text
from server.web.i18n import locale_for
from server.web.render import is_htmx, render

router = APIRouter()

PHOTO = "photo"


@router.post("/requests/{number}/messages")
def post_message(
    request: Request, number: Annotated[str, Path(max_length=24)], person: PagePerson, database: DatabaseDep,
    form: FormDep,
) -> Response:
    message = text(form, "text", 5000)
    internal = text(form, "internal", 5) == "1"
    key = text(form, "message_key", 200).strip() or None
    problem: InvalidInput | None = None
    try:
        with staging(request.app.state.settings) as staged:
            refused = receive_files(staged, form, {PHOTO: None})
            with database.write() as session:
                found = repository.get_visible(session, person, number)
                attachment_service.message_with_photo(
                    session, person, found, message, staged, internal=internal, refused=refused, idempotency_key=key,
                )
    except InvalidInput as exc:
        problem = exc
    if problem is None and not is_htmx(request):
        return RedirectResponse(f"/requests/{number}#timeline-{number}", status_code=303)
    with database.read() as session:
        context = page_context(session, person, repository.get_visible(session, person, number), locale_for(request))
    status_code = 200
    if problem is not None:
        status_code = 422
        context.update(
            message_errors=problem.errors, message_problem=Msg(problem.message, **problem.params),
            message_values={"text": message, "internal": "1" if internal else ""},
            # The same key again: this send posted nothing, so the next one may.
            message_key=key or context["message_key"],
        )
    context["oob"] = True
    block = "message_result" if is_htmx(request) else None
    return render(request, "requests/detail.html", context, block=block, status_code=status_code)
