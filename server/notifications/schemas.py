"""What the notifications API sends."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    id: int
    type: str = Field(description="The event type (docs/NOTIFICATIONS.md), e.g. new_task, completed")
    text: str = Field(description="The notification's sentence in the caller's language (Accept-Language)")
    request: str | None = Field(default=None, description="The tracking number, when it is about a request")
    link: str = Field(description="The page it is about, relative to the installation")
    created_at: datetime
    read: bool


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int = Field(description="Unread notifications (counted up to 100)")


class ReadAllOut(BaseModel):
    marked: int = Field(description="How many were marked read")
