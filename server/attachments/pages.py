"""Downloads of attachments, for the people who may see their request (others get 404).

Every file goes out as a download (``Content-Disposition: attachment``) with its stored, sniffed
content type and ``nosniff``, so nothing uploaded is ever rendered as a page of our origin. Only
images may be shown inline (``?inline=1``), for the thumbnails on the request page, and then
inside a sandboxing Content-Security-Policy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import FileResponse, Response

from server.attachments import service as attachment_service
from server.attachments.storage import IMAGE_TYPES, MissingFile, open_stored
from server.config import Settings
from server.errors import NotFound
from server.exports import ClosingStream, content_disposition
from server.web.deps import DatabaseDep, PagePerson

router = APIRouter()

# A file shown inline can load nothing and run nothing.
INLINE_POLICY = "default-src 'none'; img-src 'self'; sandbox"


@router.get("/attachments/{attachment_id:id}")
def download(request: Request, attachment_id: int, person: PagePerson, database: DatabaseDep, inline: bool = False) -> Response:
    with database.read() as session:
        attachment = attachment_service.get_downloadable(session, person, attachment_id)
    return send_stored(
        request.app.state.settings, attachment.stored_name, attachment.content_type, attachment.original_name,
        inline=inline, missing=NotFound("No attachment {id} that you may see.", {"id": attachment_id}),
    )


def send_stored(settings: Settings, stored_name: str, content_type: str, original_name: str, *, inline: bool,
                missing: NotFound) -> Response:
    """A stored file as a download (or, for an image asked ``inline``, shown in a sandbox):
    from the local folder the server sends the file itself; from the object store it is
    streamed through in chunks, never held whole. ``missing`` is raised when the store has no
    such file (a row whose bytes are gone is a 404, not a 500)."""
    show_inline = inline and content_type in IMAGE_TYPES
    headers = {
        "Content-Disposition": content_disposition("inline" if show_inline else "attachment", original_name),
        "X-Content-Type-Options": "nosniff",
        # Personal files (ID cards, contracts): kept by no proxy and not on the disk of a
        # shared computer's browser either; no validators, so nothing invites keeping a copy.
        "Cache-Control": "no-store",
    }
    if show_inline:
        headers["Content-Security-Policy"] = INLINE_POLICY
    # Opened last: from here on, the object store's connection is the response's to release.
    try:
        opened = open_stored(settings, stored_name)
    except MissingFile:
        raise missing from None
    if opened.chunks is not None:
        headers["Content-Length"] = str(opened.size)
        return ClosingStream(opened.chunks, release=[opened.close], media_type=content_type, headers=headers)
    # With the file's stat given, FileResponse sets its validators now (not when sending), so
    # they can be taken off.
    response = FileResponse(opened.path, media_type=content_type, headers=headers, stat_result=opened.stat)
    for validator in ("etag", "last-modified"):
        del response.headers[validator]
    return response

