"""E-mail over SMTP (``LIANXIN_SMTP_*``; off while no host is set): one notification to one
person, plain text and HTML from autoescaped templates (web/templates/email/) in the
recipient's language, with the outbox message's id as its Message-ID so that a duplicate
after a crash can be recognised."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape

from server import resources
from server.config import Settings
from server.models import OutboxMessage, Person
from server.notifications import answers
from server.notifications.presenters import text_for
from server.notifications.texts import gettext_for, locale_of
from server.notifications.webhooks import DeliveryResult

TEMPLATES = resources.TEMPLATES_DIR / "email"
MESSAGE_ID_HEADER = "X-Lianxin-Event-Id"
# Answers that another attempt may mend: the server is busy, or the mailbox is over quota.
_TEMPORARY = range(400, 500)


@cache
def _environment(locale: str) -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    gettext = gettext_for(locale)
    env.install_gettext_callables(gettext, lambda s, p, n: gettext(s if n == 1 else p), newstyle=True)
    return env


def compose(person: Person, message: OutboxMessage, settings: Settings) -> EmailMessage:
    locale = locale_of(person.locale)
    gettext = gettext_for(locale)
    payload = message.payload or {}
    text = text_for(message.event_type, payload.get("params") or {}, gettext, locale)
    link = payload.get("link") or ""
    url = f"{settings.public_url.rstrip('/')}{link}" if settings.public_url and link.startswith("/") else ""
    context = {"person": person, "text": text, "url": url, "site_name": settings.site_name.strip(),
               "settings_url": f"{settings.public_url.rstrip('/')}/account/notifications" if settings.public_url else ""}
    env = _environment(locale)
    email = EmailMessage()
    email["Subject"] = text
    email["From"] = settings.smtp_from
    email["To"] = person.email
    email["Date"] = formatdate(localtime=False)
    domain = settings.smtp_from.rpartition("@")[2] or "lianxin.local"
    email["Message-ID"] = make_msgid(idstring=message.message_id, domain=domain)
    email[MESSAGE_ID_HEADER] = message.message_id
    email.set_content(env.get_template("notification.txt").render(context))
    email.add_alternative(env.get_template("notification.html").render(context), subtype="html")
    return email


def send(person: Person, message: OutboxMessage, settings: Settings) -> DeliveryResult:
    """One attempt; a refusal or a failure comes back as a result, never as an exception."""
    if not settings.smtp_host:
        return DeliveryResult(False, None, answers.NO_SMTP_HOST, False)
    email = compose(person, message, settings)
    port = settings.smtp_port or {"tls": 465, "starttls": 587}.get(settings.smtp_tls, 25)
    try:
        if settings.smtp_tls == "tls":
            client = smtplib.SMTP_SSL(settings.smtp_host, port, timeout=settings.smtp_timeout_seconds,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.smtp_host, port, timeout=settings.smtp_timeout_seconds)
        with client:
            if settings.smtp_tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            refused = client.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return DeliveryResult(False, codes[0] if codes else None, answers.write(answers.REFUSED, reason=exc.recipients)[:500],
                              any(code in _TEMPORARY for code in codes))
    except smtplib.SMTPResponseException as exc:
        return DeliveryResult(False, exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500],
                              exc.smtp_code in _TEMPORARY)
    except (OSError, smtplib.SMTPException) as exc:
        return DeliveryResult(False, None, answers.write(answers.NOT_SENT, reason=f"{exc.__class__.__name__}: {exc}")[:500], True)
    if refused:
        return DeliveryResult(False, None, answers.write(answers.REFUSED, reason=refused)[:500], False)
    return DeliveryResult(True, 250, answers.write(answers.ACCEPTED, email=person.email), False)
