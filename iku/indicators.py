"""IKU 1 and IKU 3: yearly shares of program indicators and empowerment activities.

IKU 1, Persentase indikator program yang tercapai (owner: Sekcam)::

    achieved program indicators / all program indicators x 100

IKU 3, Persentase peningkatan kesejahteraan masyarakat (owner: Seksi PMKS)::

    empowerment activities facilitated / empowerment activities planned or budgeted x 100

Both are counted over the indicators or activities of one plan year (Renja/DPA).
"""

from __future__ import annotations

import math

from iku.ratio import Ratio

# The largest target or realization taken (either sign): an indicator counts percentages, days,
# meetings or rupiah, and a kecamatan's whole budget is far below a trillion; a bigger figure
# is a typing error (or an exponent like 1e20), and infinity would break every comparison.
FIGURE_LIMIT = 1_000_000_000_000


def program_achievement(total: int, achieved: int) -> Ratio:
    """IKU 1 as ``Ratio(achieved, total)``: 12 of 15 indicators achieved is 80.0%."""
    return Ratio(achieved, total)


def empowerment_facilitation(planned: int, facilitated: int) -> Ratio:
    """IKU 3 as ``Ratio(facilitated, planned)``: 6 of 10 planned activities is 60.0%."""
    return Ratio(facilitated, planned)


def is_achieved(
    target: float,
    realization: float,
    *,
    higher_is_better: bool = True,
    explicit: bool | None = None,
) -> bool:
    """Whether a program indicator counts as achieved for IKU 1.

    An explicit official decision (``explicit``) overrides the rule, e.g. for a qualitative
    indicator. Otherwise the realization must reach the target: ``realization >= target``, or
    ``realization <= target`` for an indicator where lower is better (e.g. days to serve).
    The values are compared exactly as entered; NaN or infinity is a ValueError.
    """
    if explicit is not None:
        return explicit
    if not (math.isfinite(target) and math.isfinite(realization)):
        raise ValueError(f"target and realization must be finite: {target}, {realization}")
    if higher_is_better:
        return realization >= target
    return realization <= target
