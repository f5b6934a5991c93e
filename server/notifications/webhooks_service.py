"""Adding, removing and testing webhooks: every admin change goes through here, with its audit
entry in the same transaction (the secret itself never enters the audit trail)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.checks import raise_if_invalid
from server.config import Settings
from server.enums import WebhookFormat
from server.errors import NotFound
from server.i18n_text import N_, localized
from server.models import Department, Person, Webhook, utcnow
from server.notifications import webhooks
from server.notifications.webhooks_rules import check_webhook

ENTITY = "webhook"
TEST_EVENT_TYPE = "webhook.test"
TEST_TEXT = N_("Test")


@dataclass
class WebhookInput:
    url: str
    format: str = WebhookFormat.generic
    # A department's code; empty: the whole installation.
    department_code: str = ""
    # Empty for the generic format: one is generated (and shown once).
    secret: str = ""
    event_types: list[str] = field(default_factory=list)


def get(session: Session, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("There is no such webhook.")
    return hook


def _audited(hook: Webhook) -> dict:
    # The secret is left out: the audit trail is read by every admin, for years.
    return audit.snapshot(hook, exclude=("secret",))


def add(session: Session, actor: Person | None, data: WebhookInput, *, note: str = "") -> Webhook:
    errors: dict[str, str] = {}
    values = check_webhook(errors, url=data.url, format=data.format, secret=data.secret, event_types=data.event_types)
    department_id = None
    code = data.department_code.strip()
    if code:
        department_id = session.scalar(select(Department.id).where(Department.code == code))
        if department_id is None:
            errors["department"] = "There is no department with this code."
    raise_if_invalid(errors)
    if not values["secret"] and values["format"] == WebhookFormat.generic:
        values["secret"] = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(**values, department_id=department_id, active=True, created_at=utcnow(),
                   created_by=actor.id if actor is not None else None)
    session.add(hook)
    session.flush()
    audit.record(session, actor, entity=ENTITY, action="create", entity_id=hook.id, label=_label(hook),
                 after=_audited(hook), note=note)
    return hook


def remove(session: Session, actor: Person | None, hook: Webhook, *, note: str = "") -> None:
    audit.record(session, actor, entity=ENTITY, action="delete", entity_id=hook.id, label=_label(hook),
                 before=_audited(hook), note=note)
    session.delete(hook)
    session.flush()


def test_event(hook: Webhook, department: Department | None) -> webhooks.WebhookEvent:
    """A made-up event that shows the receiver what real ones look like."""
    gettext = webhooks.installation_gettext()
    name = localized(department.name) if department else ""
    return webhooks.WebhookEvent(
        id=str(uuid.uuid4()), type=TEST_EVENT_TYPE, at=utcnow(),
        request={"number": "LX-00000000-0000", "service": gettext(TEST_TEXT), "status": gettext(TEST_TEXT),
                 "department": name},
        text=gettext(N_("A test message from Lianxin: this webhook works.")),
    )


def send_test(hook: Webhook, department: Department | None, settings: Settings) -> webhooks.DeliveryResult:
    """Send a test message now, past the outbox (an admin waits for the answer). It goes
    through the same address check and signing as every delivery."""
    return webhooks.deliver_webhook(hook, test_event(hook, department), settings)


def _label(hook: Webhook) -> str:
    return f"{hook.format} {hook.url.split('?', 1)[0]}"[:200]
