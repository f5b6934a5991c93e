"""Downloads of attachments, for the people who may see their request (others get 404).

Every file goes out as a download (``Content-Disposition: attachment``) with its stored, sniffed
content type and ``nosniff``, so nothing uploaded is ever rendered as a page of our origin. Only
images may be shown inline (``?inline=1``), for the thumbnails on the request page, and then
inside a sandboxing Content-Security-Policy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from server.attachments import service as attachment_service
from server.attachments.storage import IMAGE_TYPES, open_stored
from server.errors import NotFound
from server.exports import content_disposition
from server.web.deps import DatabaseDep, PagePerson

router = APIRouter()

# A file shown inline can load nothing and run nothing.
INLINE_POLICY = "default-src 'none'; img-src 'self'; sandbox"


@router.get("/attachments/{attachment_id:id}")
def download(request: Request, attachment_id: int, person: PagePerson, database: DatabaseDep, inline: bool = False) -> Response:
    with database.read() as session:
        attachment = attachment_service.get_downloadable(session, person, attachment_id)
    try:
        path = open_stored(request.app.state.settings, attachment.stored_name)
    except FileNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise NotFound("No attachment {id} that you may see.", {"id": attachment_id})
    show_inline = inline and attachment.content_type in IMAGE_TYPES
    headers = {
        "Content-Disposition": content_disposition("inline" if show_inline else "attachment", attachment.original_name),
        "X-Content-Type-Options": "nosniff",
        # Personal files (ID cards, contracts): kept by no proxy and not on the disk of a
        # shared computer's browser either; no validators, so nothing invites keeping a copy.
        "Cache-Control": "no-store",
    }
    if show_inline:
        headers["Content-Security-Policy"] = INLINE_POLICY
    # With the file's stat given, FileResponse sets its validators now (not when sending), so
    # they can be taken off.
    response = FileResponse(path, media_type=attachment.content_type, headers=headers, stat_result=path.stat())
    for validator in ("etag", "last-modified"):
        del response.headers[validator]
    return response
