"""Notifications as people read them: the event's text in the reader's language, where it
leads, and when."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.i18n_text import localized
from server.models import Notification
from server.notifications.recipients import EVENTS


@dataclass(frozen=True)
class NotificationView:
    id: int
    event_type: str
    text: str
    link: str
    created_at: datetime
    read: bool


def text_for(event_type: str, params: dict[str, Any], gettext: Callable[[str], str], locale: str) -> str:
    """The event's sentence, its values in ``locale`` where they are per-language maps. An
    event type no longer in the table shows its name (old rows outlive a renamed event)."""
    row = EVENTS.get(event_type)
    if row is None:
        return event_type
    values = {key: localized(value, locale) if isinstance(value, dict) else value for key, value in params.items()}
    try:
        return gettext(row.text).format_map(_Missing(values))
    except (ValueError, IndexError):
        return gettext(row.text)


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return ""


def view(notification: Notification, gettext: Callable[[str], str], locale: str) -> NotificationView:
    return NotificationView(
        id=notification.id, event_type=notification.event_type,
        text=text_for(notification.event_type, notification.params or {}, gettext, locale),
        link=notification.link, created_at=notification.created_at, read=notification.read_at is not None,
    )
