"""The index's periods: quarters and years, their days, the trend's quarters, parsing."""

from __future__ import annotations

from datetime import date

import pytest

from server.errors import InvalidInput
from server.pioneer import periods
from server.pioneer.periods import Period


@pytest.mark.parametrize(("period", "start", "end"), [
    (Period(2026, 1), date(2026, 1, 1), date(2026, 3, 31)),
    (Period(2024, 1), date(2024, 1, 1), date(2024, 3, 31)),
    (Period(2026, 2), date(2026, 4, 1), date(2026, 6, 30)),
    (Period(2026, 3), date(2026, 7, 1), date(2026, 9, 30)),
    (Period(2026, 4), date(2026, 10, 1), date(2026, 12, 31)),
    (Period(2026), date(2026, 1, 1), date(2026, 12, 31)),
])
def test_days_of_a_period(period, start, end):
    assert (period.start, period.end) == (start, end)
    assert period.contains(start) and period.contains(end)
    assert not period.contains(date.fromordinal(start.toordinal() - 1))


def test_parse_and_codes():
    today = date(2026, 12, 2)
    assert periods.parse("", today) == Period(2026, 4)
    assert periods.parse(" 2026-Q1 ", today).code == "2026-Q1"
    assert periods.parse("2025", today) == Period(2025) and Period(2025).kind == "year"
    for bad in ("2026-Q5", "2026Q1", "26", "abcd", "1999", "2026-q1", "２０２６"):
        with pytest.raises(InvalidInput) as refused:
            periods.parse(bad, today)
        assert "period" in refused.value.errors


def test_the_trend_is_the_last_quarters_oldest_first():
    assert [p.code for p in periods.last_quarters(date(2026, 2, 10), 4)] == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert Period(2026).previous() == Period(2025)
