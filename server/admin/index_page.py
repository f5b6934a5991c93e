from __future__ import annotations

from fastapi import APIRouter, Request

from server.admin.common import AdminPerson, render_admin
from server.admin.sections import SECTIONS

router = APIRouter()


@router.get("/admin")
def admin_index(request: Request, person: AdminPerson):
    return render_admin(request, "admin/index.html", {"sections": SECTIONS})
