"""Attachment rows, written in the same transaction as the request change they belong to.

The pages call :func:`submit_with_files` and :func:`perform_with_files` (one service call per
form): they run the request service and record the staged files against the new request or
against the event the action appended (completion evidence). The bytes are already on disk in
a :class:`~server.attachments.storage.Staging`, which deletes them if this transaction fails."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server import policy
from server.attachments import repository
from server.attachments.storage import IMAGE_TYPES, Staging, StoredFile
from server.catalog import snapshot
from server.enums import Action
from server.errors import InvalidInput, Msg, NotFound
from server.models import Attachment, Person, ServiceRequest, utcnow
from server.requests import service as request_service

# Actions whose form may carry files, and which field of the form carries them.
EVIDENCE_ACTIONS = frozenset({Action.complete})
ATTACHMENTS_FIELD = "attachments"


def submit_with_files(
    session: Session,
    person: Person,
    data: request_service.SubmitInput,
    staged: Staging,
    *,
    refused: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    refuse_duplicate_within: timedelta | None = None,
    now: datetime | None = None,
) -> request_service.Submitted:
    """File a request with the files of its form. ``refused`` maps form fields to messages
    about files the storage would not keep: they are reported with the service's own field
    errors, and they stop the submission (the caller's transaction rolls back)."""
    refused = dict(refused or {})
    counts = Counter(f.field_code for f in staged.files if f.field_code)
    service = snapshot.load(session).service(data.service_code)
    if service is not None and not service.allow_attachments and any(f.field_code is None for f in staged.files):
        refused[ATTACHMENTS_FIELD] = Msg("This service takes no attachments.")
    try:
        result = request_service.submit(
            session, person, data, idempotency_key=idempotency_key, file_counts=dict(counts),
            refuse_duplicate_within=refuse_duplicate_within, now=now,
        )
    except InvalidInput as exc:
        if refused:
            raise InvalidInput(exc.message, {**exc.errors, **refused}) from exc
        raise
    if refused:
        raise InvalidInput("Some answers need attention.", refused)
    if result.replayed:
        # The first submission kept its own files; these are a browser's retry of them.
        staged.discard()
        return result
    _record(session, person, result.request, staged.files, event_id=None, now=now)
    return result


def perform_with_files(
    session: Session,
    person: Person,
    request: ServiceRequest,
    action: Action,
    data: request_service.ActionInput,
    staged: Staging,
    *,
    refused: dict[str, str] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Take an action; files (completion evidence) are tied to the event it appended."""
    if refused:
        raise InvalidInput("Some answers need attention.", refused)
    if staged.files and action not in EVIDENCE_ACTIONS:
        raise InvalidInput("Some answers need attention.", {ATTACHMENTS_FIELD: Msg("This action takes no files.")})
    request_service.perform(session, person, request, action, data, expected_version=expected_version, now=now)
    if staged.files:
        # perform() appended this action's event last (complete routes nowhere afterwards).
        event = repository.last_event(session, request.id)
        _record(session, person, request, staged.files, event_id=event.id if event else None, now=now)
    return request


# A message carries photos only (沟通留言: "this is where it leaks"), at most this many.
MESSAGE_PHOTOS = 1


def message_with_photo(
    session: Session,
    person: Person,
    request: ServiceRequest,
    text: str,
    staged: Staging,
    *,
    internal: bool = False,
    refused: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> request_service.Posted:
    """Post a message on the conversation; its photo (the storage's size and type checks
    passed) is tied to the message's event, so it is as visible as the message itself."""
    if refused:
        raise InvalidInput("Some answers need attention.", refused)
    if len(staged.files) > MESSAGE_PHOTOS or any(f.content_type not in IMAGE_TYPES for f in staged.files):
        raise InvalidInput("Some answers need attention.", {"photo": Msg("One photo: JPEG, PNG, GIF or WebP.")})
    posted = request_service.post_message(
        session, person, request, text, internal=internal, with_files=bool(staged.files),
        idempotency_key=idempotency_key, now=now,
    )
    if posted.replayed:
        staged.discard()  # the first send kept its own photo
    elif staged.files:
        _record(session, person, request, staged.files, event_id=posted.event.id, now=now)
    return posted


def _record(
    session: Session, person: Person, request: ServiceRequest, files: list[StoredFile], *, event_id: int | None,
    now: datetime | None,
) -> None:
    for stored in files:
        session.add(
            Attachment(
                request_id=request.id, event_id=event_id, field_code=stored.field_code, uploaded_by_id=person.id,
                original_name=stored.original_name, stored_name=stored.stored_name, content_type=stored.content_type,
                size=stored.size, sha256=stored.sha256, created_at=now or utcnow(),
            )
        )
    session.flush()


def get_downloadable(session: Session, person: Person, attachment_id: int) -> Attachment:
    """The attachment, if this person may see its request (and, for a file on an internal
    event, its internal history); else 404 without saying whether it exists."""
    found = repository.get_with_request(session, attachment_id)
    if found is not None:
        attachment, request, event = found
        hidden = event is not None and not event.public and not policy.sees_internal_notes(person, request)
        if policy.can_see(person, request) and not hidden:
            return attachment
    raise NotFound("No attachment {id} that you may see.", {"id": attachment_id})
