"""A share of whole counts, the shape of every IKU percentage (IKU 1, 3 and 4)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ratio:
    """``numerator`` of ``denominator``, e.g. 8 of 10 complaints resolved.

    Both are counts: non-negative, numerator at most the denominator (ValueError otherwise).
    Officials are shown both counts next to the percentage ("8 dari 10 laporan, 80,00%").
    """

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.numerator < 0 or self.denominator < 0:
            raise ValueError(f"counts must not be negative: {self.numerator}/{self.denominator}")
        if self.numerator > self.denominator:
            raise ValueError(f"numerator {self.numerator} exceeds denominator {self.denominator}")

    @property
    def percent(self) -> float | None:
        """``numerator / denominator x 100`` at full precision; ``None`` when there is no data.

        No data (denominator 0) is "belum ada data", never 0%: nothing failed, nothing was measured.
        Rounding is left to what is displayed. The integer product is taken first so the result
        is the float nearest the exact value (29 of 100 gives 29.0, not 28.999999999999996).
        """
        if self.denominator == 0:
            return None
        return self.numerator * 100 / self.denominator


def ratio(numerator: int, denominator: int) -> Ratio:
    """Shorthand for ``Ratio(numerator, denominator)``."""
    return Ratio(numerator, denominator)
