"""Who may open which page and take which action of the dashboard: one table.

The roles come from the bot's own rule book (:data:`handlers.officials.OFFICIAL_COMMANDS` via
``roles_of``) and its complaint rules (:mod:`handlers.trantib`), so a person may do in the
browser exactly what they may do in Telegram. Every route names its permission here (see
:func:`bot.web.auth.guarded`); the role-by-page test walks this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import RolesConfig
from handlers.officials import ALL_ROLES, roles_of
from handlers.trantib import REOPEN_ROLES

# Permission name -> the roles that hold it.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    # The four IKU, as /iku.
    "overview": roles_of("iku"),
    # The complaint register, a complaint's card, photos and history, as /laporan.
    "complaints": roles_of("laporan"),
    # Moving a complaint along the status flow, as the card's buttons in Telegram.
    "complaints.move": roles_of("laporan"),
    # Reopening a closed complaint: a correction above the officer who closed it.
    "complaints.reopen": REOPEN_ROLES,
    # The survey's figures (IKM, unsur, profile, suggestions), as the IKU report.
    "survey": roles_of("iku"),
    # Paper forms and the population counts, as /populasi.
    "survey.entry": roles_of("populasi"),
    # IKU 1: programs and their indicators, as /program.
    "program": roles_of("program"),
    # IKU 3: empowerment activities, as /kegiatan.
    "kegiatan": roles_of("kegiatan"),
    # The workbooks and CSV files of the CLI: the people who prepare the reports.
    "export": roles_of("iku"),
    # The complaint register (and the performance workbook that holds it): it carries the
    # complaints' content, so only for those who may read complaints in Telegram.
    "export.register": tuple(role for role in roles_of("iku") if role in roles_of("laporan")),
}


@dataclass(frozen=True)
class NavEntry:
    """A link of the navigation bar, shown to those who hold ``permission``."""

    path: str
    text_key: str
    permission: str


# In the order shown; a page added to the dashboard adds its entry here.
NAV: list[NavEntry] = [
    NavEntry("/", "web.nav.overview", "overview"),
    NavEntry("/laporan", "web.nav.complaints", "complaints"),
    NavEntry("/skm", "web.nav.survey", "survey"),
    NavEntry("/program", "web.nav.programs", "program"),
    NavEntry("/kegiatan", "web.nav.activities", "kegiatan"),
    NavEntry("/ekspor", "web.nav.exports", "export"),
]


def roles_held(roles: RolesConfig, user_id: int) -> tuple[str, ...]:
    """The roles of ``user_id`` in ``roles`` (none: not an official)."""
    return tuple(role for role in ALL_ROLES if user_id in getattr(roles, role))


def allowed(roles: RolesConfig, user_id: int, permission: str) -> bool:
    """Whether ``user_id`` holds ``permission`` under ``roles``."""
    return roles.has(user_id, *PERMISSIONS[permission])
