"""iCalendar (RFC 5545) text of a list of activities, written by hand: CRLF line ends, lines
folded at 75 octets without splitting a character, TEXT values escaped, times in UTC, a
stable UID per activity and a DTSTAMP. Pure: the pages turn it into a response."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from server.activities.presenters import ActivityView

MEDIA_TYPE = "text/calendar; charset=utf-8"
_LIMIT = 75  # octets per line, not counting the CRLF


def escape(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold one content line into pieces of at most 75 octets, each continuation starting
    with a space (RFC 5545 3.1); a UTF-8 character is never split."""
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        # Continuation lines carry a leading space, which counts.
        limit = _LIMIT if not pieces else _LIMIT - 1
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(items: Iterable[ActivityView], *, host: str, base_url: str, calendar_name: str,
        now: datetime, kind_label) -> str:
    """The calendar; ``kind_label`` translates a kind's msgid for the description."""
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Lianxin//Programme//ZH", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", f"X-WR-CALNAME:{escape(calendar_name)}",
    ]
    stamp = _utc(now)
    for item in items:
        description = "\n".join(part for part in (kind_label(item.kind_label), item.speaker, item.organiser,
                                                  item.description) if part)
        lines += [
            "BEGIN:VEVENT",
            f"UID:activity-{item.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(item.starts_at)}",
            f"DTEND:{_utc(item.ends_at)}",
            f"SUMMARY:{escape(item.title)}",
            f"STATUS:{'CANCELLED' if item.cancelled else 'CONFIRMED'}",
            f"URL:{base_url}/activities/{item.id}",
        ]
        if item.place:
            lines.append(f"LOCATION:{escape(item.place)}")
        if description:
            lines.append(f"DESCRIPTION:{escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
