"""The admin area's sections, shown as its side navigation and on its index page."""

from __future__ import annotations

from dataclasses import dataclass

from server.i18n_text import N_


@dataclass(frozen=True)
class Section:
    path: str
    label: str
    summary: str


SECTIONS: tuple[Section, ...] = (
    Section("/admin/catalog", N_("Service menu"), N_("Categories, services, their fields, routing and time limits")),
    Section("/admin/departments", N_("Departments"), N_("Kinds, how tasks reach people, members and leads, office hours")),
    Section("/admin/buildings", N_("Buildings"), N_("Buildings and their floors")),
    Section("/admin/rooms", N_("Rooms"), N_("The centre's rooms lent for bookings: capacity, equipment, opening hours, approval")),
    Section("/admin/enterprises", N_("Enterprises"), N_("Companies in the buildings and their contacts")),
    Section("/admin/people", N_("People"), N_("Accounts, roles, password resets")),
    Section("/admin/import", N_("Bulk import"), N_("Enterprises and people from CSV or Excel files")),
    Section("/admin/open311-keys", N_("Open311 keys"), N_("API keys for Open311 apps and kiosks: issue, list, revoke")),
    Section("/admin/webhooks", N_("Webhooks"), N_("Signed webhooks and WeCom, DingTalk and Feishu group robots")),
    Section("/admin/outbox", N_("Outbox"), N_("E-mails and webhook messages the worker could not send, and sending them again")),
    Section("/admin/audit", N_("Audit trail"), N_("Every administrative change: who, when, before and after")),
)
