"""Pure parts of the queries: percentiles over a histogram are the definitions' percentiles."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from server.metrics import definitions as d
from server.metrics.queries import histogram_percentile


@pytest.mark.parametrize("seed", range(20))
def test_histogram_percentile_is_percentile_cont(seed):
    rng = random.Random(seed)
    values = [rng.randint(0, rng.choice([3, 40, 900])) for _ in range(rng.randint(1, 60))]
    for fraction in (0, 0.1, 0.5, 0.9, 1):
        assert histogram_percentile(Counter(values), fraction) == pytest.approx(d.percentile(values, fraction))


def test_empty_histogram_has_no_percentile():
    assert histogram_percentile(Counter(), 0.5) is None
