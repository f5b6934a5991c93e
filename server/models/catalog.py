"""The service menu 服务清单: categories, services and each service's own form fields."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.enums import Audience, FieldType
from server.models.base import Base


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[dict] = mapped_column(comment="{locale: name}")
    description: Mapped[dict] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)
    # A retired category takes all its services off the menu; their old requests keep them.
    retired_at: Mapped[datetime | None]


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    name: Mapped[dict] = mapped_column(comment="{locale: name}")
    description: Mapped[dict] = mapped_column(default=dict)
    audience: Mapped[Audience] = mapped_column(String(20), default=Audience.both)
    # Routing target; None means a dispatcher decides.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    claim_limit_hours: Mapped[int] = mapped_column(default=4, comment="接单时限, working hours")
    complete_limit_days: Mapped[int] = mapped_column(default=5, comment="办结时限, working days")
    allow_attachments: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    # A retired service stays on its old requests but can no longer be ordered.
    retired_at: Mapped[datetime | None]

    fields: Mapped[list[ServiceField]] = relationship(
        lazy="raise", order_by="ServiceField.position", cascade="all, delete-orphan"
    )


class ServiceField(Base):
    """One extra question on a service's order form. Requests keep a snapshot of the fields
    they were filed under, so editing these never changes an old request."""

    __tablename__ = "service_field"
    __table_args__ = (UniqueConstraint("service_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    type: Mapped[FieldType] = mapped_column(String(20))
    label: Mapped[dict] = mapped_column(comment="{locale: label}")
    help: Mapped[dict] = mapped_column(default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    # [{"value": "...", "label": {locale: text}}] for choice fields.
    choices: Mapped[list] = mapped_column(default=list)
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    max_length: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
