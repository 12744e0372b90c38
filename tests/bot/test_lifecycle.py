"""The running bot tunes the garbage collector for many chats at once, and gives the process its
own settings back when it stops (a test run or an embedding program starts it many times)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.app import GC_YOUNG_THRESHOLD, settled_memory


@pytest.fixture
def process_defaults() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)
    gc.unfreeze()


def test_collects_young_objects_less_often_while_running(
    process_defaults: tuple[int, int, int],
) -> None:
    with settled_memory():
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, 10, 10)
        # What was loaded at start is out of the full passes' way.
        assert gc.get_freeze_count() > 0


def test_gives_the_process_its_settings_back(process_defaults: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), settled_memory():
        raise RuntimeError("the bot crashed")
    assert gc.get_threshold() == process_defaults
    # Frozen objects are never freed; after a stop they are ordinary objects again.
    assert gc.get_freeze_count() == 0
