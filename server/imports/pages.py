"""/admin/import: upload a CSV or XLSX file of enterprises or people, see a preview of every
row (create, update, unchanged, or its errors with line numbers), then confirm to write all
of it in one transaction, or nothing. Large files are checked in a background thread while
the page shows how many rows are done (htmx polling, or a plain refresh without script)."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from server.admin.common import AdminPerson, render_admin
from server.db import Database
from server.errors import NotFound
from server.http.session import session_secret
from server.i18n_text import N_
from server.imports import service as bulk_import
from server.imports.files import template_csv, template_xlsx
from server.imports.store import ImportStore, owner_of
from server.queries import MAX_PAGE
from server.web.deps import DatabaseDep
from server.web.render import is_htmx

router = APIRouter()
SECTION = "/admin/import"
# Above this many rows the check runs in the background and the page shows its progress.
BACKGROUND_ROWS = 2000
ROWS_PER_PAGE = 100
ERRORS_SHOWN = 200
_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _store(request: Request) -> ImportStore:
    return ImportStore(request.app.state.settings.data_dir)


def _owner(request: Request, person) -> str:
    return owner_of(person.id, session_secret(request))


@router.get("/admin/import")
def import_form(request: Request, person: AdminPerson):
    return render_admin(request, "admin/import_form.html", {"kind": "enterprises", "errors": []}, section=SECTION)


@router.get("/admin/import/template/{name}")
def template_file(name: str, person: AdminPerson) -> Response:
    kind, _, extension = name.partition(".")
    if kind not in bulk_import.KINDS or extension not in _MEDIA:
        raise NotFound("There is nothing at this address.")
    build = template_csv if extension == "csv" else template_xlsx
    body = build(bulk_import.COLUMNS[kind], bulk_import.EXAMPLES[kind])
    return Response(body, media_type=_MEDIA[extension],
                    headers={"Content-Disposition": f'attachment; filename="lianxin-{kind}.{extension}"'})


async def _read_limited(upload: UploadFile, limit: int) -> bytes:
    # Read one byte past the limit: enough to know it is too large without reading it all.
    return await upload.read(limit + 1)


@router.post("/admin/import")
async def upload(
    request: Request,
    person: AdminPerson,
    database: DatabaseDep,
    kind: Annotated[str, Form()] = "enterprises",
    file: Annotated[UploadFile | None, File()] = None,
):
    limit = request.app.state.settings.max_upload_bytes
    data = await _read_limited(file, limit) if file is not None else b""
    filename = (file.filename or "") if file is not None else ""
    # Parsing up to 20 MB of CSV/XLSX and checking rows against the database block: in the
    # threadpool, like every sync view, so the event loop keeps serving everyone else.
    return await run_in_threadpool(_start_import, request, person, database, kind, data, filename, limit)


def _start_import(request: Request, person, database: Database, kind: str, data: bytes, filename: str,
                  limit: int) -> Response:
    if not filename:
        return _form_error(request, kind, [N_("Choose a file.")])
    preview = bulk_import.parse(kind, data, filename, max_bytes=limit)
    if preview.file_errors:
        return _form_error(request, kind, preview.file_errors)
    store = _store(request)
    total = len(preview.rows)
    token = store.create(_owner(request, person), {"state": "checking", "done": 0, "total": total,
                                                    "preview": preview.to_json()})
    if total > BACKGROUND_ROWS:
        threading.Thread(target=_check_in_background, args=(database, store, token, preview), daemon=True).start()
    else:
        _check_in_background(database, store, token, preview)
    return RedirectResponse(f"/admin/import/{token}", status_code=303)


def _form_error(request: Request, kind: str, errors: list) -> Response:
    return render_admin(request, "admin/import_form.html", {"kind": kind, "errors": errors}, section=SECTION,
                        status_code=422)


def _check_in_background(database: Database, store: ImportStore, token: str, preview: bulk_import.Preview) -> None:
    def progress(done: int) -> None:
        store.set_progress(token, done)

    try:
        with database.read() as session:
            bulk_import.check(session, preview, progress=progress)
        store.update(token, state="ready", done=len(preview.rows), preview=preview.to_json())
    except Exception:  # the page must learn that the check died
        store.update(token, state="failed")
        raise


def _load(request: Request, person, token: str) -> dict:
    record = _store(request).load(token, _owner(request, person))
    if record is None:
        raise NotFound("This import has expired or belongs to another session. Upload the file again.")
    return record


@router.get("/admin/import/{token}")
def preview_page(request: Request, person: AdminPerson, token: str, page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1, only_errors: bool = False):
    record = _load(request, person, token)
    return _render_preview(request, token, record, page=page, only_errors=only_errors,
                           done=_store(request).progress(token))


@router.get("/admin/import/{token}/progress")
def progress_block(request: Request, person: AdminPerson, token: str):
    record = _load(request, person, token)
    if record["state"] != "checking":
        # Done: htmx reloads the whole page, which now shows the preview.
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    context = _context(token, record, done=_store(request).progress(token))
    return render_admin(request, "admin/import_preview.html", context, section=SECTION,
                        block="progress" if is_htmx(request) else None)


def _context(token: str, record: dict, *, page: int = 1, only_errors: bool = False, **extra) -> dict:
    done = max(record.get("done", 0), extra.pop("done", 0))
    context = {"token": token, "state": record["state"], "done": done, "total": record.get("total", 0), **extra}
    if record["state"] != "ready":
        return context
    preview = bulk_import.Preview.from_json(record["preview"])
    rows = [r for r in preview.rows if r.errors] if only_errors else preview.rows
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    page = min(max(page, 1), pages)
    errors = list(bulk_import.errors_of(preview))
    context.update(
        preview=preview, counts=preview.counts, columns=bulk_import.COLUMNS[preview.kind],
        rows=rows[(page - 1) * ROWS_PER_PAGE: page * ROWS_PER_PAGE], page=page, pages=pages,
        only_errors=only_errors, errors=errors[:ERRORS_SHOWN], more_errors=max(0, len(errors) - ERRORS_SHOWN),
    )
    return context


def _render_preview(request: Request, token: str, record: dict, *, status_code: int = 200, **options) -> Response:
    return render_admin(request, "admin/import_preview.html", _context(token, record, **options), section=SECTION,
                        status_code=status_code)


@router.post("/admin/import/{token}/confirm")
def confirm(request: Request, person: AdminPerson, database: DatabaseDep, token: str):
    record = _load(request, person, token)
    if record["state"] != "ready":
        return RedirectResponse(f"/admin/import/{token}", status_code=303)
    preview = bulk_import.Preview.from_json(record["preview"])
    store = _store(request)
    try:
        with database.write() as session:
            counts = bulk_import.apply(session, person, preview)
    except bulk_import.ImportRejected as exc:
        # Rolled back: nothing written. Show the rows as they look now.
        record = {**record, "preview": exc.preview.to_json()}
        store.write(token, record)
        return _render_preview(request, token, record, status_code=422, rejected=True)
    store.discard(token)
    return render_admin(request, "admin/import_done.html", {"kind": preview.kind, "counts": counts,
                                                            "filename": preview.filename}, section=SECTION)


@router.post("/admin/import/{token}/cancel")
def cancel(request: Request, person: AdminPerson, token: str):
    _load(request, person, token)  # only its owner may throw it away
    _store(request).discard(token)
    return RedirectResponse("/admin/import", status_code=303)
