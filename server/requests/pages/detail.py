"""The request page with its action panels, for every role (the list, ``/requests``, is
``pages/finder.py``).

An action posts one panel's form to ``/requests/{number}/actions/{action}``. With htmx the
answer is the ``action_result`` block: the panels (swapped into their container) plus the
status summary and the timeline marked ``hx-swap-oob``; without script it is a 303 back to the
page. A refused action re-renders the panels with the reason next to the field or above them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from server.attachments import service as attachment_service
from server.attachments.storage import staging
from server.db import Database
from server.enums import Action, Role
from server.errors import Conflict, Forbidden, InvalidInput, Msg, NotFound
from server.models import Person
from server.requests import refusals, repository
from server.requests.pages import worklist
from server.requests.pages.detail_context import page_context, receipt_context
from server.requests.pages.panels import DONE, FILES, SPECS, action_input, kept_values, parse_action
from server.web.deps import DatabaseDep, PagePerson
from server.web.formdata import FormDep, receive_files, text
from server.web.i18n import locale_for
from server.web.render import is_htmx, render

router = APIRouter()

Number = Annotated[str, Path(max_length=24)]


@router.get("/requests/{number}")
def request_page(
    request: Request, number: Number, person: PagePerson, database: DatabaseDep, submitted: bool = False,
    done: Annotated[str | None, Query(max_length=30)] = None, part: Annotated[str | None, Query(max_length=10)] = None,
    seen: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    with database.read() as session:
        found = repository.get_visible(session, person, number)
        context = page_context(session, person, found, locale_for(request))
    context["submitted"] = submitted
    context["panel_done"] = _done(done, context)
    if part == "live" and is_htmx(request):
        # The live stream said it changed: the summary and history, swapped out of band, and
        # the panels when the page's are of another version (they would be refused).
        context["oob"] = True
        context["oob_panels"] = seen != str(found.version)
        return render(request, "requests/detail.html", context, block="live_result")
    return render(request, "requests/detail.html", context)


@router.get("/requests/{number}/receipt")
def receipt(request: Request, number: Number, person: PagePerson, database: DatabaseDep) -> Response:
    """The printable receipt 回执: what the request page shows of it, without the actions; the
    same 404 as the page for someone who may not see it."""
    with database.read() as session:
        found = repository.get_visible(session, person, number)
        context = receipt_context(session, person, found, locale_for(request))
    context["page_url"] = str(request.url_for("request_page", number=number))
    return render(request, "requests/receipt.html", context)


@router.post("/requests/{number}/actions/{action}")
def take_action(
    request: Request, number: Number, action: str, person: PagePerson, database: DatabaseDep, form: FormDep
) -> Response:
    chosen = parse_action(action)
    problem: tuple[int, dict] | None = None
    denied: Conflict | Forbidden | None = None
    try:
        data = action_input(chosen, form)
        settings = request.app.state.settings
        with staging(settings) as staged:
            refused = receive_files(staged, form, {FILES: None}) if SPECS[chosen].has_files else {}
            with database.write() as session:
                found = repository.get_visible(session, person, number)
                attachment_service.perform_with_files(
                    session, person, found, chosen, data, staged, refused=refused,
                    expected_version=worklist.parse_version(text(form, "version", 20)),
                )
    except InvalidInput as exc:
        problem = (422, {"errors": exc.errors, "panel_message": Msg(exc.message, **exc.params)})
    except (Conflict, Forbidden) as exc:
        denied = exc
        problem = (exc.status_code, {"panel_message": None})
    if problem is None and not is_htmx(request):
        if not _still_visible(database, person, number):
            return _left_sight(request, person, chosen, number)
        query = f"?{urlencode({'done': chosen.value})}" if chosen in DONE else ""
        return RedirectResponse(f"/requests/{number}{query}", status_code=303)
    with database.read() as session:
        try:
            found = repository.get_visible(session, person, number)
        except NotFound:
            if problem is None:
                return _left_sight(request, person, chosen, number)
            raise
        context = page_context(session, person, found, locale_for(request))
    status_code = 200
    if problem is not None:
        status_code, extra = problem
        if denied is not None:
            r = context["r"]
            extra["panel_message"] = refusals.explain(
                denied, chosen, person.username, visible=True, status=r.status, holder=refusals.Holder.of(r.assignee)
            ).text
        context.update(extra, failed_action=chosen, values=kept_values(form) if status_code == 422 else {})
    else:
        context["panel_done"] = _done(chosen.value, context)
    context["oob"] = True
    block = "action_result" if is_htmx(request) else None
    return render(request, "requests/detail.html", context, block=block, status_code=status_code)


def _done(action: str | None, context: dict) -> Msg | None:
    """What the action just did, when the page itself does not make it plain (``DONE``)."""
    try:
        msgid = DONE.get(Action(action)) if action else None
    except ValueError:
        return None
    if msgid is None:
        return None
    department = context["r"].department
    return Msg(msgid, department=department.name if department else "")


def _still_visible(database: Database, person: Person, number: str) -> bool:
    with database.read() as session:
        try:
            repository.get_visible(session, person, number)
        except NotFound:
            return False
    return True


def _left_sight(request: Request, person: Person, chosen: Action, number: str) -> Response:
    """The action took the request out of this person's sight (staff returning it to the
    dispatchers): back to their desk, which says what happened, instead of a 404."""
    if person.has_role(Role.staff, Role.lead):
        target = "/desk?" + worklist.confirmation_query(chosen, number)
    else:
        target = "/"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)
