"""The visit pages: the plan in its order, logging a visit without script, filing a need, the
visit page's live requests, the log and its export, photos, and who may open what."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from server.enums import Action
from tests.requests.helpers import act
from tests.requests.pages.requester_helpers import HTML, PNG, client_for, token
from tests.visits.helpers import enterprise_id, file_need, person_id, record, set_plan


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_plan_lists_overdue_enterprises_first(app, world, database):
    set_plan(database, "admin1", "二号企业", frequency="yearly")
    record(database, "staff1", "二号企业", on=date(2026, 11, 1))  # due 2027-11-01: later
    # 一号企业 never visited, created today: due today (this month).
    set_plan(database, "admin1", "一号企业", starts_on="2026-01-01")  # due 1 January: overdue
    page = client_for(app, "supervisor1").get("/visits")
    assert page.status_code == 200
    text = _text(page.text)
    assert text.index("一号企业") < text.index("二号企业")
    overdue = re.search(r'<section class="plan-group" aria-labelledby="plan-overdue">.*?</section>', page.text, re.S).group(0)
    assert "一号企业" in overdue and "二号企业" not in overdue
    later = re.search(r'aria-labelledby="plan-later">.*?</section>', page.text, re.S).group(0)
    assert "二号企业" in later


def test_staff_see_only_their_departments_plan(app, world, database):
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["union"].id)
    set_plan(database, "admin1", "二号企业", responsible_department_id=world.departments["legal"].id)
    text = _text(client_for(app, "staff1").get("/visits").text)
    assert "一号企业" in text and "二号企业" not in text
    text = _text(client_for(app, "dispatcher1").get(f"/visits?department={world.departments['legal'].id}").text)
    assert "二号企业" in text and "一号企业" not in text


def test_members_may_not_open_the_visits_and_contacts_get_their_log(app, world, database):
    assert client_for(app, "member1").get("/visits").status_code == 403
    contact = client_for(app, "contact1")
    response = contact.get("/visits", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/visits/log"
    assert contact.get("/visits/new").status_code == 404
    assert contact.get(f"/visits/enterprises/{enterprise_id(database, '二号企业')}").status_code == 403


def test_a_visit_is_logged_with_a_photo_and_a_need_filed_from_it(app, world, database, count_queries):
    staff = client_for(app, "staff1")
    csrf = token(staff, "/visits/new")
    response = staff.post("/visits/new", data={
        "csrf_token": csrf, "enterprise_id": str(enterprise_id(database, "一号企业")), "visited_on": "2026-11-20",
        "staff_ids": [str(person_id(database, "staff1")), str(person_id(database, "lead1"))], "met_with": "张总",
        "topics": "工会建设", "findings": "职工希望成立工会小组", "internal_notes": "老板态度积极",
    }, files={"photos": ("合影.png", PNG, "image/png")}, follow_redirects=False)
    assert response.status_code == 303, response.text
    visit_url = response.headers["location"].split("?")[0]
    page = staff.get(visit_url)
    assert "职工希望成立工会小组" in page.text and "老板态度积极" in page.text
    photo = re.search(r'/visits/photos/(\d+)\?inline=1', page.text).group(0)
    shown = staff.get(photo)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert "sandbox" in shown.headers["content-security-policy"]
    # Pick the service, then its fields.
    form = staff.get(f"{visit_url}/need?service=union.join")
    assert form.status_code == 200 and 'name="answers.people"' in form.text and "Contact1" in form.text
    filed = staff.post(f"{visit_url}/need", data={
        "csrf_token": csrf, "service_code": "union.join", "idempotency_key": "k1", "answers.people": "8",
        "answers.kind": "new", "description": "帮助8名职工办理入会",
    }, follow_redirects=False)
    assert filed.status_code == 303, filed.text
    number = filed.headers["location"].split("filed=")[1]
    needs = staff.get(f"{visit_url}?part=needs", headers={"HX-Request": "true"})
    assert number in needs.text and "待接单" in needs.text and "<html" not in needs.text
    # The request's history says where it came from, for its requester too.
    contact = client_for(app, "contact1")
    request_page = contact.get(f"/requests/{number}")
    assert "走访" in _text(request_page.text) and "一号企业" in request_page.text
    # The enterprise sees the visit, not the centre's internal notes.
    seen = contact.get(visit_url)
    assert seen.status_code == 200 and "职工希望成立工会小组" in seen.text and "老板态度积极" not in seen.text
    # A need's state is live: claimed by the department, the poll shows it.
    act(database, "staff2", number, Action.claim)
    with count_queries(database) as counted:
        needs = staff.get(f"{visit_url}?part=needs", headers={"HX-Request": "true"})
    assert "办理中" in needs.text
    assert counted.count <= 14


def test_a_bad_visit_comes_back_with_its_errors_and_what_was_typed(app, world, database):
    staff = client_for(app, "staff1")
    csrf = token(staff, "/visits/new")
    response = staff.post("/visits/new", data={
        "csrf_token": csrf, "enterprise_id": str(enterprise_id(database, "一号企业")), "visited_on": "2099-01-01",
        "met_with": "", "findings": "需要法律咨询",
    }, files={"photos": ("x.html", HTML, "text/html")})
    assert response.status_code == 422
    assert "需要法律咨询" in response.text
    assert "不能晚于今天" in response.text and "文件类型" in response.text
    assert "请选择参加走访的人员" in response.text and "请填写此项" in response.text
    assert response.text.count('aria-invalid="true"') >= 4


def test_a_need_with_bad_answers_comes_back_at_its_fields(app, world, database):
    visit = record(database, "staff1")
    staff = client_for(app, "staff1")
    csrf = token(staff, f"/visits/{visit.id}")
    response = staff.post(f"/visits/{visit.id}/need", data={
        "csrf_token": csrf, "service_code": "union.join", "answers.people": "0", "description": "",
    })
    assert response.status_code == 422 and 'id="field-answers-people"' in response.text
    assert staff.post(f"/visits/{visit.id}/need", data={"csrf_token": csrf, "service_code": "nope"}).status_code == 422
    assert staff.get(f"/visits/{visit.id}/need?service=nope").status_code == 422


def test_others_cannot_see_or_file_from_a_visit(app, world, database):
    set_plan(database, "admin1", "一号企业", responsible_department_id=world.departments["union"].id)
    visit = record(database, "staff1")
    assert client_for(app, "staff3").get(f"/visits/{visit.id}").status_code == 404
    assert client_for(app, "contact2").get(f"/visits/{visit.id}").status_code == 404
    contact = client_for(app, "contact1")
    assert contact.get(f"/visits/{visit.id}/need").status_code == 403
    csrf = token(contact, "/visits/log")
    assert contact.post(f"/visits/{visit.id}/need", data={"csrf_token": csrf, "service_code": "union.join"}).status_code == 403


def test_the_log_exports_csv_and_xlsx_without_internal_notes_for_the_enterprise(app, world, database):
    visit = record(database, "staff1", internal_notes="内部：资金紧张", topics="=HYPERLINK(1)")
    file_need(database, "staff1", visit.id)
    staff = client_for(app, "staff1")
    log = staff.get("/visits/log")
    assert log.status_code == 200 and "一号企业" in log.text
    csv = staff.get("/visits/log/export?format=csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    body = csv.content.decode("utf-8-sig")
    assert "内部：资金紧张" in body and "'=HYPERLINK(1)" in body and "LX-" in body
    contact_csv = client_for(app, "contact1").get("/visits/log/export?format=csv").content.decode("utf-8-sig")
    assert "一号企业" in contact_csv and "资金紧张" not in contact_csv
    assert "spreadsheetml" in staff.get("/visits/log/export").headers["content-type"]  # no format: the workbook
    xlsx = staff.get("/visits/log/export?format=xlsx&from=2026-11-01")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "一号企业" and rows[1][4] == "=HYPERLINK(1)"
    assert staff.get("/visits/log/export?format=pdf").status_code == 422
    assert staff.get("/visits/log?from=yesterday").status_code == 422
    assert staff.get("/visits/log?enterprise=abc").status_code == 422


def test_the_plan_form_saves_and_refuses_bad_values(app, world, database):
    ent = enterprise_id(database, "一号企业")
    admin = client_for(app, "admin1")
    csrf = token(admin, f"/visits/enterprises/{ent}/plan")
    bad = admin.post(f"/visits/enterprises/{ent}/plan", data={"csrf_token": csrf, "frequency": "weekly"})
    assert bad.status_code == 422 and "weekly" in bad.text
    good = admin.post(f"/visits/enterprises/{ent}/plan", data={
        "csrf_token": csrf, "frequency": "monthly", "responsible_department_id": str(world.departments["union"].id),
    }, follow_redirects=False)
    assert good.status_code == 303
    page = admin.get(good.headers["location"])
    assert "每月" in page.text
    assert client_for(app, "staff1").get(f"/visits/enterprises/{ent}/plan").status_code == 403


@pytest.mark.parametrize("locale", ["zh-Hans", "zh-Hant", "en"])
def test_the_pages_render_in_every_language(app, world, database, locale):
    visit = record(database, "staff1")
    staff = client_for(app, "staff1")
    staff.cookies.set("lianxin_lang", locale)
    for path in ("/visits", "/visits/log", "/visits/new", f"/visits/{visit.id}", f"/visits/{visit.id}/need",
                 f"/visits/enterprises/{visit.enterprise_id}"):
        assert staff.get(path).status_code == 200, path


def test_the_supervision_dashboard_shows_the_visit_figures(app, world, database):
    from server.visits import service as visit_service

    visit = record(database, "staff1", on=visit_service.today())
    file_need(database, "staff1", visit.id)
    supervisor = client_for(app, "supervisor1")
    page = supervisor.get("/supervision?period=month")
    section = re.search(r'<dl class="sv-figures" id="sv-visit-figures">.*?</dl>', page.text, re.S).group(0)
    text = _text(section)
    assert "走访覆盖率 50.0% (1/2)" in text and "发现需求 1" in text and "需求已解决 0" in text
    # A lead sees their department's (union is responsible for no enterprise yet: no figure).
    lead = _text(client_for(app, "lead1").get("/supervision?period=month").text)
    assert "走访覆盖率 — (0/0)" in lead
