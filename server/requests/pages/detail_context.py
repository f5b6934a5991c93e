"""Everything the request page shows, gathered with a fixed number of queries: the detail and
history from the presenters, the files, and the choices the action panels offer."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from server import policy
from server.accounts import people_repository
from server.attachments import repository as attachment_repository
from server.attachments.storage import IMAGE_TYPES
from server.catalog import snapshot
from server.enums import Action, RequestStatus
from server.models import Enterprise, Person, ServiceRequest
from server.open311 import repository as open311_repository
from server.requests import presenters
from server.requests.pages import worklist
from server.requests.pages.panels import EVENT_LABELS, RATING_LABELS, SPECS, panels_for


def receipt_context(session: Session, person: Person, request: ServiceRequest, locale: str) -> dict[str, Any]:
    """The context of ``requests/receipt.html``: the request as the person may see it on its
    page, its enterprise, and the result note of its last public completion."""
    detail = presenters.detail(session, person, request, locale)
    completions = [e for e in presenters.events(session, person, request) if e.action == Action.complete and e.public]
    enterprise = session.get(Enterprise, request.enterprise_id) if request.enterprise_id is not None else None
    return {
        "r": detail,
        "enterprise_name": enterprise.name if enterprise else None,
        "result_note": completions[-1].note if completions else "",
        "rating_labels": RATING_LABELS,
    }


def page_context(session: Session, person: Person, request: ServiceRequest, locale: str) -> dict[str, Any]:
    """The context of ``requests/detail.html`` (and of its blocks: ``summary``, ``timeline``,
    ``panels``, ``action_result``). Add ``failed_action``, ``errors``, ``values`` and
    ``panel_message`` to show a panel's errors."""
    detail = presenters.detail(session, person, request, locale)
    events = presenters.events(session, person, request)
    visible_events = {e.id for e in events}
    filed: dict[str | None, list] = {}
    evidence: dict[int, list] = {}
    for attachment in attachment_repository.for_request(session, request.id):
        if attachment.event_id is None:
            filed.setdefault(attachment.field_code, []).append(attachment)
        elif attachment.event_id in visible_events:
            evidence.setdefault(attachment.event_id, []).append(attachment)
    catalog = snapshot.load(session)
    # Whom each 指派 gave the request to (the event names them by username): one query.
    assigned = {e.data.get("assignee") for e in events if e.action == Action.assign and e.data.get("assignee")}
    assignee_names = {u: p.display_name for u, p in people_repository.people_by_usernames(session, assigned).items()} if assigned else {}
    # Whose task a 放弃 gave back, when someone else (a lead) released it: one query, if any.
    released = {e.data.get("previous_assignee_id") for e in events if e.action == Action.release} - {None}
    holders = {i: p.display_name for i, p in people_repository.people_by_ids(session, released).items()} if released else {}
    panels = panels_for(RequestStatus(request.status), detail.actions)
    wanted = {p.action for p in panels}
    departments = []
    if wanted & {Action.dispatch, Action.transfer, Action.add_cohandler}:
        departments = worklist.department_choices(session, locale)
    assignees = []
    if Action.assign in wanted:
        assignees = worklist.staff_choices(session, request.department_id)
    current_department = catalog.departments.get(request.department_id)
    staff_view = policy.sees_internal_notes(person, request)
    return {
        "r": detail,
        "staff_view": staff_view,
        # Who reported it through an Open311 app, and the media link: for the staff only.
        "open311": open311_repository.report_of(session, request.id) if staff_view else None,
        "events": events,
        "filed": filed,
        "evidence": evidence,
        "image_types": IMAGE_TYPES,
        "panels": panels,
        "department_options": departments,
        "current_department_code": current_department.code if current_department else None,
        "assignee_options": assignees,
        "assignee_names": assignee_names,
        "holder_names": holders,
        "panel_done": None,
        "department_names": worklist.department_names(session, locale),
        "action_specs": SPECS,
        "event_labels": EVENT_LABELS,
        "rating_labels": RATING_LABELS,
        "errors": {},
        "values": {},
        "failed_action": None,
        "panel_message": None,
        # The conversation form 沟通留言: its one-time key (a double click posts once).
        "may_post_internal": policy.may_post_internal(person, request),
        "message_key": uuid.uuid4().hex,
        "message_errors": {},
        "message_values": {},
        "message_problem": None,
    }
