"""A message's text (沟通留言) never leaves through a webhook: a webhook carries the request's
public fields only, whatever else the outbox's payload holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from server.notifications import webhooks


def test_a_message_in_the_payload_is_not_sent():
    request = {"number": "LX-20261203-0001", "status": "suspended", "service": "工会入会", "service_code": "union.join",
               "note": "内部：上次未到场", "messages": [{"note": "身份证号 110101199001011234", "public": False}]}
    fields = webhooks.public_fields(request, ZoneInfo("Asia/Shanghai"))
    assert set(fields) <= set(webhooks.PUBLIC_REQUEST_FIELDS)
    event = webhooks.WebhookEvent(id="e1", type="message_posted", at=datetime(2026, 12, 3, tzinfo=UTC),
                                  request=request, text="")
    body = json.loads(webhooks.generic_body(event, ZoneInfo("Asia/Shanghai")))
    assert "上次未到场" not in json.dumps(body, ensure_ascii=False)
    assert "110101199001011234" not in json.dumps(body, ensure_ascii=False)
