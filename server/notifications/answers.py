"""The outbox's own words: why the worker did not send a message, what a receiver was told.

An attempt's answer is recorded in English — the log's language, what support searches for —
mixed with what a receiver said (an SMTP or HTTP reply, never translated). Each phrase of ours
is a template here, used both to write the answer (:func:`write`) and to show it to an admin in
their language (:func:`shown`), so the two cannot drift apart. An answer that matches no
template (a receiver's own words) is shown as it was recorded.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import cache

from server.i18n_text import N_

ACCOUNT_GONE = N_("not sent: the person's account is switched off or gone")
NO_LONGER_RECEIVES = N_("not sent: the person no longer receives this ({audience})")
NO_EMAIL = N_("not sent: the person has no e-mail address")
EMAILS_OFF = N_("not sent: the person turned these e-mails off")
WEBHOOK_REMOVED = N_("not sent: the webhook was removed")
NO_SMTP_HOST = N_("not sent: no SMTP host is set (LIANXIN_SMTP_HOST)")
ACCEPTED = N_("SMTP 250: accepted for {email}")
NO_ANSWER = N_("no answer from {host}: {reason}")
# The general forms last: the more particular ones above are tried first.
NOT_SENT = N_("not sent: {reason}")
REFUSED = N_("refused: {reason}")
TEMPLATES = (ACCOUNT_GONE, NO_LONGER_RECEIVES, NO_EMAIL, EMAILS_OFF, WEBHOOK_REMOVED, NO_SMTP_HOST, ACCEPTED,
             NO_ANSWER, NOT_SENT, REFUSED)


def write(template: str, **values: object) -> str:
    """The answer to record: ``template`` (one of TEMPLATES) in English, with its values."""
    return template.format(**values)


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field:
            parts.append(f"(?P<{field}>.*)")
    return re.compile("".join(parts), re.DOTALL)


def shown(answer: str, gettext: Callable[[str], str]) -> str:
    """A recorded answer in the reader's language: our words translated, the values and the
    receiver's words as they were."""
    for template in TEMPLATES:
        found = _pattern(template).fullmatch(answer or "")
        if found:
            try:
                return gettext(template).format(**found.groupdict())
            except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
                return answer
    return answer
