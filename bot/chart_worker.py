"""The weekly chart, drawn in a worker process (see :func:`bot.summary.draw_elsewhere`).

This module imports only what drawing needs, so the worker starts without the bot's libraries.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from i18n import catalog
from iku.chart import render_chart
from iku.summary import SummaryData


def draw(data: SummaryData, language: str) -> bytes:
    """The chart in ``language``, as a PNG."""
    return render_chart(data, catalog().for_language(language))


def read_only(mapping: dict[Any, Any]) -> Mapping[Any, Any]:
    """A read-only mapping again, as the worker unpickles one (see bot.summary)."""
    return MappingProxyType(mapping)
