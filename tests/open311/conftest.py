from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from server.app import create_app
from server.enums import FieldType
from server.models import Category, ServiceField
from server.open311 import keys
from tests.factories import build_world, create_service

BASE = "/open311/v2"


@pytest.fixture
def world(database):
    """tests/factories.py's world, plus ``open.forms``: a service with one field of every
    kind GeoReport can carry (two of them required) and a file field it cannot."""
    world = build_world(database)
    with database.write() as session:
        category = session.scalars(select(Category)).one()
        world.services["open.forms"] = create_service(
            session, "open.forms", category, world.departments["union"],
            fields=[
                ServiceField(code="topic", type=FieldType.text, label={"zh-Hans": "主题", "en": "Topic"}, required=True,
                             max_length=50, position=1),
                ServiceField(code="details", type=FieldType.long_text, label={"zh-Hans": "详情", "en": "Details"}, position=2),
                ServiceField(code="seats", type=FieldType.number, label={"zh-Hans": "人数", "en": "Seats"}, min_value=1,
                             max_value=30, position=3),
                ServiceField(code="day", type=FieldType.date, label={"zh-Hans": "日期", "en": "Day"}, position=4),
                ServiceField(code="when", type=FieldType.datetime, label={"zh-Hans": "时间", "en": "When"}, required=True,
                             position=5),
                ServiceField(code="room_kind", type=FieldType.single_choice, label={"zh-Hans": "房间", "en": "Room"},
                             choices=[{"value": "big", "label": {"zh-Hans": "大厅", "en": "Hall"}},
                                      {"value": "small", "label": {"zh-Hans": "小间", "en": "Small room"}}], position=6),
                ServiceField(code="needs", type=FieldType.multiple_choice, label={"zh-Hans": "需求", "en": "Needs"},
                             choices=[{"value": "mic", "label": {"zh-Hans": "话筒", "en": "Microphone"}},
                                      {"value": "screen", "label": {"zh-Hans": "投影", "en": "Screen"}},
                                      {"value": "tea", "label": {"zh-Hans": "茶水", "en": "Tea"}}], position=7),
                ServiceField(code="plan", type=FieldType.file, label={"zh-Hans": "方案", "en": "Plan"}, position=8),
            ],
        )
    return world


@pytest.fixture
def client(settings, database):
    with TestClient(create_app(settings, database)) as client:
        yield client


@pytest.fixture
def issue_key(database, world):
    """issue_key("member1") → a live api_key filing as that account."""

    def issue(username: str = "member1") -> str:
        with database.write() as session:
            return keys.issue(session, None, username, label="test").key

    return issue


@pytest.fixture
def key(issue_key):
    return issue_key("member1")


def report(key: str, **fields) -> dict:
    """A valid POST requests body for union.join, with ``fields`` changed."""
    body = {"api_key": key, "service_code": "union.join", "description": "想为新同事办理入会",
            "address_string": "A1栋 3层 301室", "attribute[people]": "2", "attribute[kind]": "new"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}
