"""The finder's URL contract, which every page's links rely on."""

from datetime import date
from urllib.parse import parse_qsl, urlsplit

from server.enums import RequestStatus
from server.web.links import finder_export_url, finder_url


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_no_filters_is_the_bare_finder():
    assert finder_url() == "/requests"
    assert finder_url(q="", department=None, status=[]) == "/requests"


def test_drops_empty_values_repeats_lists_and_encodes():
    url = finder_url(q="停车 位", status=[RequestStatus.claimed, "dispatched"], department=3, flag=None, building="")
    assert urlsplit(url).path == "/requests"
    assert _query(url) == [("q", "停车 位"), ("status", "claimed"), ("status", "dispatched"), ("department", "3")]


def test_dates_and_the_from_keyword():
    url = finder_url(from_=date(2026, 11, 1), to=date(2026, 11, 30), date="due")
    assert _query(url) == [("from", "2026-11-01"), ("to", "2026-11-30"), ("date", "due")]
    assert finder_url(**{"from": "2026-11-01"}) == "/requests?from=2026-11-01"


def test_export_url_keeps_filters_but_not_the_cursor():
    url = finder_export_url("xlsx", department=2, cursor="abc", overdue="claim")
    assert urlsplit(url).path == "/requests/export"
    assert _query(url) == [("format", "xlsx"), ("department", "2"), ("overdue", "claim")]
