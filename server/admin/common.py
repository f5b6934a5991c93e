"""What every admin page shares: the admin-only guard, rendering inside the admin layout, and
the messages they show after saving or refusing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from server.admin.sections import SECTIONS
from server.enums import Role
from server.errors import LianxinError, Msg
from server.i18n_text import N_
from server.models import Person
from server.web.deps import require_roles
from server.web.render import render

AdminPerson = Annotated[Person, Depends(require_roles(Role.admin))]


def render_admin(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    section: str | None = None,
    block: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render an admin page (templates extend admin/layout.html) with its side navigation;
    ``section`` is the path of the section to mark as current."""
    values = {"admin_sections": SECTIONS, "admin_section": section, **(context or {})}
    return render(request, template, values, block=block, status_code=status_code)


SAVED = N_("Saved.")


def problem(exc: LianxinError) -> Msg:
    """An error's message with its parameters, for a page to show translated."""
    return Msg(exc.message, **exc.params)
