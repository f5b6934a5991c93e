"""Queries on attachments."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Attachment, RequestEvent, ServiceRequest


def for_request(session: Session, request_id: int) -> list[Attachment]:
    """Every file of one request, oldest first (one query)."""
    return list(session.scalars(select(Attachment).where(Attachment.request_id == request_id).order_by(Attachment.id)))


def get_with_request(session: Session, attachment_id: int) -> tuple[Attachment, ServiceRequest, RequestEvent | None] | None:
    """An attachment, its request and (for evidence) its event, in one query."""
    row = session.execute(
        select(Attachment, ServiceRequest, RequestEvent)
        .join(ServiceRequest, ServiceRequest.id == Attachment.request_id)
        .outerjoin(RequestEvent, RequestEvent.id == Attachment.event_id)
        .where(Attachment.id == attachment_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None


def last_event(session: Session, request_id: int) -> RequestEvent | None:
    return session.scalar(
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id.desc()).limit(1)
    )
