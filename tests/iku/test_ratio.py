"""Ratio: the numerator and denominator behind every IKU percentage."""

from __future__ import annotations

import pytest

from iku.ratio import Ratio, ratio


@pytest.mark.parametrize(
    ("numerator", "denominator", "percent"),
    [
        pytest.param(8, 10, 80.0, id="8-of-10"),
        pytest.param(6, 8, 75.0, id="6-of-8"),
        pytest.param(0, 5, 0.0, id="none-achieved-is-0"),
        pytest.param(5, 5, 100.0, id="all"),
        pytest.param(29, 100, 29.0, id="exact-not-28.999"),
        pytest.param(1, 3, 100 / 3, id="one-third-full-precision"),
        pytest.param(0, 0, None, id="no-data-is-none"),
    ],
)
def test_percent(numerator: int, denominator: int, percent: float | None) -> None:
    assert ratio(numerator, denominator).percent == percent


@pytest.mark.parametrize(
    ("numerator", "denominator", "message"),
    [
        pytest.param(11, 10, "exceeds", id="numerator-above-denominator"),
        pytest.param(1, 0, "exceeds", id="something-of-nothing"),
        pytest.param(-1, 10, "negative", id="negative-numerator"),
        pytest.param(0, -1, "negative", id="negative-denominator"),
    ],
)
def test_invalid(numerator: int, denominator: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Ratio(numerator, denominator)


def test_ratio_is_frozen_and_compares_by_value() -> None:
    r = ratio(8, 10)
    assert r == Ratio(numerator=8, denominator=10)
    with pytest.raises(AttributeError):
        r.numerator = 9  # type: ignore[misc]
