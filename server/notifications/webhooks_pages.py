"""/admin/webhooks: the list (secrets masked, robot keys in addresses hidden), adding one (its
secret shown once, in the response to the addition itself), removing one, and sending a test
message with the receiver's answer shown."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from server.admin.common import AdminPerson, render_admin
from server.departments import repository as department_repo
from server.enums import WebhookFormat
from server.errors import InvalidInput, Msg
from server.i18n_text import N_
from server.models import Department
from server.notifications import recipients, webhooks_service
from server.notifications import webhooks_repository as repo
from server.notifications.webhooks_rules import mask, shown_url
from server.web.deps import DatabaseDep
from server.web.formdata import FormDep, text, values

router = APIRouter()
SECTION = "/admin/webhooks"

FORMAT_LABELS = {
    WebhookFormat.generic: N_("Generic JSON, signed"),
    WebhookFormat.wecom: N_("WeCom group robot"),
    WebhookFormat.dingtalk: N_("DingTalk robot"),
    WebhookFormat.feishu: N_("Feishu robot"),
}


def _page(request, session, *, form_values=None, errors=None, notice=None, failure=None, status_code=200):
    rows = [{"hook": hook, "department": department, "url": shown_url(hook.url), "secret": mask(hook.secret)}
            for hook, department in repo.all_hooks(session)]
    context = {"rows": rows, "departments": department_repo.departments(session), "format_labels": FORMAT_LABELS,
               "event_labels": recipients.LABELS,
               "values": form_values or {"format": WebhookFormat.generic}, "errors": errors or {},
               "notice": notice, "failure": failure}
    return render_admin(request, "admin/webhooks.html", context, section=SECTION, status_code=status_code)


@router.get("/admin/webhooks")
def webhook_list(request: Request, person: AdminPerson, database: DatabaseDep, removed: bool = False):
    with database.read() as session:
        return _page(request, session, notice=N_("The webhook was removed.") if removed else None)


@router.post("/admin/webhooks")
def add_webhook(request: Request, person: AdminPerson, database: DatabaseDep, form: FormDep):
    try:
        data = webhooks_service.WebhookInput(
            url=text(form, "url", 2000), format=text(form, "format"), department_code=text(form, "department", 40),
            secret=text(form, "secret", 200), event_types=text(form, "event_types", 2000).replace("，", ",").split(","),
        )
        with database.write() as session:
            hook = webhooks_service.add(session, person, data)
            secret = hook.secret
    except InvalidInput as exc:
        with database.read() as session:
            return _page(request, session, form_values=values(form), errors=exc.errors, status_code=422)
    # Shown here only: the list masks it from now on (no redirect, so it is never in a URL).
    notice = (Msg("The webhook was added. Its secret, shown only this once: {secret}", secret=secret) if secret
              else Msg("The webhook was added."))
    with database.read() as session:
        return _page(request, session, notice=notice)


@router.post("/admin/webhooks/{webhook_id:id}/delete")
def remove_webhook(request: Request, person: AdminPerson, database: DatabaseDep, webhook_id: int):
    with database.write() as session:
        webhooks_service.remove(session, person, webhooks_service.get(session, webhook_id))
    return RedirectResponse("/admin/webhooks?removed=1", status_code=303)


@router.post("/admin/webhooks/{webhook_id:id}/test")
def test_webhook(request: Request, person: AdminPerson, database: DatabaseDep, webhook_id: int):
    with database.read() as session:
        hook = webhooks_service.get(session, webhook_id)
        department = session.get(Department, hook.department_id) if hook.department_id else None
        # Detached whole, so that nothing reloads them once the unit of work has ended.
        session.expunge_all()
    # The answer may take seconds: no transaction stays open meanwhile.
    result = webhooks_service.send_test(hook, department, request.app.state.settings)
    with database.read() as session:
        if result.ok:
            return _page(request, session, notice=Msg("The test message was delivered ({answer}).", answer=result.answer))
        return _page(request, session, failure=Msg("The test message was not delivered: {answer}", answer=result.answer))
