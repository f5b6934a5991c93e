"""/visits/import: upload the visit plan as CSV or XLSX, see every row checked (create, update,
unchanged, or its errors with line numbers), then confirm to write all of it in one
transaction, or nothing — the same two steps and the same server-side store as the admin's
imports (``server/imports``). For the centre's dispatchers and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from server import policy
from server.errors import Forbidden, NotFound
from server.http.session import session_secret
from server.i18n_text import N_
from server.imports import service as bulk_import
from server.imports.files import template_csv, template_xlsx
from server.imports.store import ImportStore, owner_of
from server.visits import plan_import
from server.visits.pages.common import VisitsPerson
from server.web.deps import DatabaseDep
from server.web.render import render

router = APIRouter()
_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _require(person) -> None:
    if not policy.may_manage_visit_plan(person):
        raise Forbidden("Only the centre's dispatchers and admins change the visit plan.")


def _store(request: Request) -> ImportStore:
    return ImportStore(request.app.state.settings.data_dir)


def _owner(request: Request, person) -> str:
    # A kind of its own in the owner key: a plan import's token never opens as another import.
    return owner_of(person.id, session_secret(request)) + ":visit_plan"


def _page(request: Request, context: dict, status_code: int = 200) -> Response:
    return render(request, "visits/import.html", {"columns": plan_import.COLUMNS, "errors": [], **context},
                  status_code=status_code)


@router.get("/visits/import")
def import_form(request: Request, person: VisitsPerson) -> Response:
    _require(person)
    return _page(request, {"state": "form"})


@router.get("/visits/import/template.{extension}")
def template(extension: str, person: VisitsPerson) -> Response:
    _require(person)
    if extension not in _MEDIA:
        raise NotFound("There is nothing at this address.")
    build = template_csv if extension == "csv" else template_xlsx
    return Response(build(plan_import.COLUMNS, plan_import.EXAMPLE), media_type=_MEDIA[extension],
                    headers={"Content-Disposition": f'attachment; filename="lianxin-visit-plan.{extension}"'})


@router.post("/visits/import")
async def upload(request: Request, person: VisitsPerson, database: DatabaseDep,
                 file: Annotated[UploadFile | None, File()] = None) -> Response:
    _require(person)
    limit = request.app.state.settings.max_upload_bytes
    data = await file.read(limit + 1) if file is not None else b""
    filename = (file.filename or "") if file is not None else ""
    return await run_in_threadpool(_check, request, person, database, data, filename, limit)


def _check(request: Request, person, database, data: bytes, filename: str, limit: int) -> Response:
    if not filename:
        return _page(request, {"state": "form", "errors": [N_("Choose a file.")]}, 422)
    preview = plan_import.parse(data, filename, max_bytes=limit)
    if preview.file_errors:
        return _page(request, {"state": "form", "errors": preview.file_errors}, 422)
    with database.read() as session:
        plan_import.check(session, preview)
    token = _store(request).create(_owner(request, person), {"state": "ready", "preview": preview.to_json()})
    return RedirectResponse(f"/visits/import/{token}", status_code=303)


def _load(request: Request, person, token: str) -> bulk_import.Preview:
    record = _store(request).load(token, _owner(request, person))
    if record is None:
        raise NotFound("This import has expired or belongs to another session. Upload the file again.")
    return bulk_import.Preview.from_json(record["preview"])


def _preview_context(token: str, preview: bulk_import.Preview, **extra) -> dict:
    return {"state": "preview", "token": token, "preview": preview, "counts": preview.counts,
            "rows": preview.rows, "row_errors": list(bulk_import.errors_of(preview)), **extra}


@router.get("/visits/import/{token}")
def preview_page(request: Request, person: VisitsPerson, token: str) -> Response:
    _require(person)
    return _page(request, _preview_context(token, _load(request, person, token)))


@router.post("/visits/import/{token}/confirm")
def confirm(request: Request, person: VisitsPerson, database: DatabaseDep, token: str) -> Response:
    _require(person)
    preview = _load(request, person, token)
    try:
        with database.write() as session:
            counts = plan_import.apply(session, person, preview)
    except bulk_import.ImportRejected as exc:
        _store(request).update(token, preview=exc.preview.to_json())
        return _page(request, _preview_context(token, exc.preview, rejected=True), 422)
    _store(request).discard(token)
    return _page(request, {"state": "done", "counts": counts, "filename": preview.filename})


@router.post("/visits/import/{token}/cancel")
def cancel(request: Request, person: VisitsPerson, token: str) -> Response:
    _require(person)
    _load(request, person, token)
    _store(request).discard(token)
    return RedirectResponse("/visits/import", status_code=303)
