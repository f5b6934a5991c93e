"""The whole loop in a real browser: an admin adds a service with two fields, routed to a
department; a member then orders it and sees it routed there. Screenshots of the admin pages
at desktop and phone widths go to tests/artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot, sign_in
from tests.factories import build_world

pytestmark = pytest.mark.browser


def _add_field(page, code: str, type_: str, label: str, **extra) -> None:
    form = page.locator("form.admin-form")
    form.locator("[name=code]").fill(code)
    form.locator("[name=type]").select_option(type_)
    form.locator("[name='label.zh-Hans']").fill(label)
    for name, value in extra.items():
        if value is True:
            form.locator(f"[name={name}]").check()
        else:
            form.locator(f"[name={name}]").fill(value)
    form.locator("[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_admin_adds_a_service_and_a_member_orders_it(database, new_page):
    world = build_world(database)
    admin = new_page()
    sign_in(admin, "admin1")

    admin.goto("/admin/catalog")
    admin.get_by_role("link", name="新建服务").click()
    form = admin.locator("form.admin-form")
    form.locator("[name=code]").fill("mass.tea-talk")
    form.locator("[name=category_id]").select_option(label="群团服务")
    form.locator("[name='name.zh-Hans']").fill("茶叙交流")
    form.locator("[name='name.en']").fill("Tea talk")
    form.locator("[name='description.zh-Hans']").fill("与企业员工的午间茶叙。")
    form.locator("[name=department_id]").select_option(str(world.departments["legal"].id))
    form.locator("[name=claim_limit_hours]").fill("6")
    form.locator("[name=complete_limit_days]").fill("2")
    screenshot(admin, "admin-catalog-service-form-1280")
    form.locator("[type=submit]").first.click()
    admin.wait_for_url(re.compile(r"/admin/catalog/services/\d+/fields$"))

    _add_field(admin, "attendees", "number", "人数", required=True, min_value="1", max_value="30")
    # A mistake first: the message shows next to the field and what was typed stays.
    _add_field(admin, "slot", "single_choice", "时段", choices="am | 上午")
    assert admin.locator("#field-choices-error").is_visible()
    assert admin.locator("[name='label.zh-Hans']").input_value() == "时段"
    admin.locator("[name=choices]").fill("am | 上午 | 上午 | Morning\npm | 下午")
    admin.locator("form.admin-form [type=submit]").click()
    admin.wait_for_load_state("networkidle")
    assert admin.locator("#field-list .catalog-row").count() == 2
    screenshot(admin, "admin-catalog-fields-1280")

    admin.goto("/admin/catalog")
    row = admin.locator(".catalog-row", has_text="mass.tea-talk")
    assert "legal部" in row.inner_text() and "缺少翻译：繁體" in row.inner_text()
    screenshot(admin, "admin-catalog-list-1280")
    admin.goto("/admin/audit")
    assert admin.locator(".audit-entry").count() == 3  # the service and its two fields
    screenshot(admin, "admin-audit-1280")

    for path, name in [("/admin/catalog", "list"), ("/admin/catalog/services/new", "service-form"), ("/admin/audit", "audit")]:
        phone = new_page(width=375, height=800)
        sign_in(phone, "admin1")
        phone.goto(path)
        # Nothing wider than the phone's screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(phone, f"admin-catalog-{name}-375" if name != "audit" else "admin-audit-375")

    member = new_page()
    sign_in(member, "member1")
    member.goto("/menu")
    member.get_by_role("link", name="茶叙交流").click()
    member.locator("[name='answers.attendees']").fill("12")
    member.get_by_label("下午").check()
    member.locator("[name=description]").fill("想在周五下午办一场茶叙。")
    member.locator("[name=room]").fill("201")
    member.get_by_role("button", name="提交").click()
    member.wait_for_url(re.compile(r"/requests/LX-"))
    page_text = member.locator("main").inner_text()
    assert "legal部" in page_text
    assert "人数" in page_text and "下午" in page_text
    screenshot(member, "member-ordered-admin-service-1280")
