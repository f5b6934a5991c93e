"""The period picker's named periods, and how a figure is said (pure, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.metrics.pages import period
from server.metrics.pages.formats import Formats

# Wednesday 2 December 2026, 10:00 in Shanghai.
NOW = datetime(2026, 12, 2, 2, tzinfo=UTC)


@pytest.mark.parametrize("key, first, last", [
    ("week", "2026-11-30", "2026-12-02"),
    ("month", "2026-12-01", "2026-12-02"),
    ("30d", "2026-11-03", "2026-12-02"),
    ("90d", "2026-09-04", "2026-12-02"),
])
def test_named_periods_end_today(key, first, last):
    assert period.choose(key, "2020-01-01", None, NOW) == period.Period(key, first, last)


def test_dates_without_a_period_are_custom_and_nothing_is_the_last_30_days():
    assert period.choose(None, "2026-11-02", "2026-11-08", NOW) == period.Period("custom", "2026-11-02", "2026-11-08")
    assert period.choose("nonsense", None, "2026-11-08", NOW) == period.Period("custom", None, "2026-11-08")
    assert period.choose(None, "", "", NOW).key == "30d"


def test_the_week_starts_on_monday_even_on_a_monday():
    monday = datetime(2026, 11, 30, 2, tzinfo=UTC)
    assert period.preset_dates("week", date(2026, 11, 30)) == (date(2026, 11, 30), date(2026, 11, 30))
    assert period.choose("week", None, None, monday).start == "2026-11-30"


def test_no_figure_is_a_dash_never_zero():
    zh = Formats("zh-Hans")
    for kind in ("count", "rate", "score", "hours", "rating"):
        assert zh.of_kind(kind, None) == "—" and zh.change(kind, None) == "—"
    assert zh.rate(0.0) == "0.0%" and zh.rate(0.755) == "75.5%"


def test_changes_carry_their_sign_and_unit():
    zh, en = Formats("zh-Hans"), Formats("en")
    assert en.change("rate", 0.05) == "+5.0 pp" and zh.change("rate", -0.125) == "-12.5 个百分点"
    assert en.change("count", 3) == "+3" and en.change("count", 0) == "0" and en.change("count", -2) == "-2"
    assert en.change("hours", 1.5) == "+1.5 h" and zh.hours(10.25) == "10.2 小时"
    assert en.score(80.5) == "80.5" and en.change("score", -0.5) == "-0.5"
