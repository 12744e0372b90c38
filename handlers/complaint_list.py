"""The officials' ``/laporan`` list: its filter read from words, its pages, and its buttons.

Each complaint listed has a button that opens it (``lo:ID``, as ``/laporan CODE`` would), so a
complaint whose card is far up the group, or was never posted, is one tap away. A list longer
than a page has page buttons that carry the whole filter, so any official in the chat can turn
the page of anyone's list, also after a restart. The filter travels as indexes into the
configured villages and categories::

    lh:PAGE:STATUSES:DESA:CATEGORIES:OVERDUE      e.g.  lh:1:7:0:-:0

PAGE counts from 0; STATUSES is a bit mask of the open statuses (1 Baru, 2 Diverifikasi,
4 Diproses); DESA is 0 for any, else the village's position from 1; CATEGORIES is ``-`` for
any, else a hexadecimal bit mask of the categories; OVERDUE is 1 for overdue ones only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardMarkup

from db.complaints import ComplaintRecord, OpenFilter
from handlers.complaint_views import status_label
from handlers.replies import NUMBER, button_label, keyboard
from i18n import Texts
from iku.complaints import OPEN_STATUSES, Status, overdue_stage

# Complaints in one message of the list: a page a phone shows without endless scrolling,
# and far within Telegram's 4,096 units even with the longest labels a config allows.
PAGE_SIZE = 10
# Telegram's limit for callback data, in bytes.
MAX_DATA = 64
_OPEN = tuple(status for status in Status if status in OPEN_STATUSES)
_PAGE_DATA = re.compile(rf"lh:({NUMBER}):([1-7]):({NUMBER}):(-|[0-9a-f]{{1,50}}):([01])")


@dataclass(frozen=True)
class Choices:
    """The villages and categories of the configuration, in their configured order."""

    desa: tuple[str, ...]
    categories: tuple[str, ...]


def read_filter(choices: Choices, t: Texts, words: Sequence[str]) -> OpenFilter | str:
    """The filter ``words`` describe (a status, a village, words of a category, "terlambat"),
    or the first word that means nothing.

    Words of a category choose the configured categories whose name holds all of them: "parkir"
    is Parkir liar, "liar" both Parkir liar and Pedagang kaki lima (PKL) liar.
    """
    statuses = {s.value: s for s in _OPEN}
    desa = {name.lower(): name for name in choices.desa}
    labels = choices.categories
    chosen: set[Status] = set()
    village, categories, overdue_only = None, None, False
    for word in (w.lower() for w in words):
        if word in statuses:
            chosen.add(statuses[word])
        elif word in desa:
            village = desa[word]
        elif word == t("trantib.filter_overdue"):
            overdue_only = True
        elif any(word in label.lower() for label in labels):
            matching = {label for label in labels if word in label.lower()}
            categories = frozenset(matching if categories is None else categories & matching)
        else:
            return word
    return OpenFilter(
        statuses=frozenset(chosen) or OPEN_STATUSES,
        desa=village,
        categories=categories,
        overdue_only=overdue_only,
    )


@dataclass(frozen=True)
class ListPage:
    """One page of a filtered list: what a page button asks for."""

    filter: OpenFilter
    page: int = 0

    def data(self, choices: Choices, page: int) -> str | None:
        """The callback data of a button to ``page`` of this list; None if it cannot fit in
        Telegram's 64 bytes (only with hundreds of categories configured)."""
        f = self.filter
        statuses = sum(1 << i for i, status in enumerate(_OPEN) if status in f.statuses)
        desa = choices.desa.index(f.desa) + 1 if f.desa is not None else 0
        categories = "-"
        if f.categories is not None:
            labels = choices.categories
            mask = sum(1 << i for i, label in enumerate(labels) if label in f.categories)
            categories = f"{mask:x}"
        data = f"lh:{page}:{statuses}:{desa}:{categories}:{int(f.overdue_only)}"
        return data if len(data.encode()) <= MAX_DATA else None

    @classmethod
    def parse(cls, choices: Choices, data: str) -> ListPage | None:
        """The page a button asks for; None for data no button of this configuration carries."""
        match = _PAGE_DATA.fullmatch(data)
        if match is None:
            return None
        page, statuses, desa, categories, overdue = match.groups()
        villages, labels = choices.desa, choices.categories
        if int(desa) > len(villages):
            return None
        chosen = None
        if categories != "-":
            mask = int(categories, 16)
            if mask >> len(labels):
                return None
            chosen = frozenset(label for i, label in enumerate(labels) if mask >> i & 1)
        selected = frozenset(s for i, s in enumerate(_OPEN) if int(statuses) >> i & 1)
        found = OpenFilter(
            statuses=selected,
            desa=villages[int(desa) - 1] if int(desa) else None,
            categories=chosen,
            overdue_only=overdue == "1",
        )
        return cls(found, int(page))


def pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def list_buttons(
    t: Texts,
    choices: Choices,
    listed: Sequence[ComplaintRecord],
    shown: ListPage,
    total: int,
    today: date,
) -> InlineKeyboardMarkup:
    """A button per complaint listed, then the page buttons (if there is another page)."""
    rows = [[(button_label(_item_label(t, c, today)), f"lo:{c.id}")] for c in listed]
    turn = []
    if shown.page > 0 and (back := shown.data(choices, shown.page - 1)) is not None:
        turn.append((t("plans.previous"), back))
    if shown.page < pages(total) - 1 and (more := shown.data(choices, shown.page + 1)):
        turn.append((t("plans.next"), more))
    return keyboard([*rows, turn] if turn else rows)


def _item_label(t: Texts, c: ComplaintRecord, today: date) -> str:
    overdue = overdue_stage(c.status, c.due, today) is not None
    mark = t("trantib.overdue_mark") if overdue else ""
    return t("trantib.open_button", mark=mark, code=c.code, status=status_label(t, c.status))
