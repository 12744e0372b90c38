"""IKU 1 (program indicators achieved) and IKU 3 (empowerment activities facilitated)."""

from __future__ import annotations

import math

import pytest

from iku.indicators import empowerment_facilitation, is_achieved, program_achievement


@pytest.mark.parametrize(
    ("total", "achieved", "percent"),
    [
        pytest.param(15, 12, 80.0, id="12-of-15"),
        pytest.param(3, 1, 100 / 3, id="1-of-3-full-precision"),
        pytest.param(4, 0, 0.0, id="none-achieved"),
        pytest.param(0, 0, None, id="no-indicators-no-data"),
    ],
)
def test_program_achievement(total: int, achieved: int, percent: float | None) -> None:
    result = program_achievement(total, achieved)
    assert (result.numerator, result.denominator) == (achieved, total)
    assert result.percent == percent


@pytest.mark.parametrize(
    ("planned", "facilitated", "percent"),
    [
        pytest.param(10, 6, 60.0, id="6-of-10"),
        pytest.param(8, 8, 100.0, id="all"),
        pytest.param(0, 0, None, id="nothing-planned-no-data"),
    ],
)
def test_empowerment_facilitation(planned: int, facilitated: int, percent: float | None) -> None:
    result = empowerment_facilitation(planned, facilitated)
    assert (result.numerator, result.denominator) == (facilitated, planned)
    assert result.percent == percent


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: program_achievement(10, 11), "exceeds",
                     id="iku1-more-achieved-than-total"),
        pytest.param(lambda: empowerment_facilitation(5, 6), "exceeds",
                     id="iku3-more-than-planned"),
        pytest.param(lambda: program_achievement(-1, 0), "negative", id="iku1-negative"),
    ],
)  # fmt: skip
def test_invalid_counts(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("target", "realization", "higher", "explicit", "achieved"),
    [
        pytest.param(100.0, 100.0, True, None, True, id="exactly-on-target"),
        pytest.param(100.0, 120.0, True, None, True, id="above-target"),
        pytest.param(100.0, 99.99, True, None, False, id="just-below-target"),
        pytest.param(14.0, 10.0, False, None, True, id="lower-is-better-under"),
        pytest.param(14.0, 14.0, False, None, True, id="lower-is-better-equal"),
        pytest.param(14.0, 15.0, False, None, False, id="lower-is-better-over"),
        pytest.param(100.0, 50.0, True, True, True, id="official-decision-achieved"),
        pytest.param(100.0, 150.0, True, False, False, id="official-decision-not-achieved"),
        pytest.param(math.nan, 1.0, True, True, True, id="decision-needs-no-numbers"),
    ],
)
def test_is_achieved(
    target: float, realization: float, higher: bool, explicit: bool | None, achieved: bool
) -> None:
    assert is_achieved(target, realization, higher_is_better=higher, explicit=explicit) is achieved


@pytest.mark.parametrize(
    ("target", "realization"),
    [
        pytest.param(math.nan, 1.0, id="nan-target"),
        pytest.param(1.0, math.inf, id="infinite-realization"),
    ],
)
def test_is_achieved_rejects_non_finite(target: float, realization: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        is_achieved(target, realization)
