"""The officials' commands: who may use which (one table for the whole bot), and their menu.

:data:`OFFICIAL_COMMANDS` is the rule book. The command handlers take their roles from it,
Telegram's command menu of each official is built from it (``bot.app.publish_commands``), and
so is the officials' menu that ``/start`` and Bantuan add in a private chat for a person in
``[roles]``. A menu button is just another way into its command: ``menu:NAME``, registered by
the command's own module and checked by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from handlers.context import AppContext
from handlers.replies import is_private, keyboard, reply

ALL_ROLES = ("camat", "sekcam", "trantib", "pmks")
COMPLAINT_ROLES = ("camat", "sekcam", "trantib")
PLAN_ROLES = ("camat", "sekcam")


@dataclass(frozen=True)
class OfficialCommand:
    """``/name``, for ``roles``; ``description`` (a catalog key) is its line in Telegram's
    command menu, ``button`` (a catalog key) its button in the officials' menu."""

    name: str
    description: str
    button: str
    roles: tuple[str, ...]

    @property
    def data(self) -> str:
        """The callback data of its menu button."""
        return f"menu:{self.name}"


# In the order shown in menus.
OFFICIAL_COMMANDS = (
    OfficialCommand("laporan", "commands.complaints", "menu.official.complaints", COMPLAINT_ROLES),
    OfficialCommand("catat", "commands.record", "menu.official.record", COMPLAINT_ROLES),
    OfficialCommand("iku", "commands.iku", "menu.official.iku", ALL_ROLES),
    OfficialCommand("program", "commands.program", "menu.official.program", PLAN_ROLES),
    OfficialCommand(
        "kegiatan", "commands.kegiatan", "menu.official.kegiatan", (*PLAN_ROLES, "pmks")
    ),
    OfficialCommand("populasi", "commands.population", "menu.official.population", PLAN_ROLES),
    OfficialCommand("web", "commands.web", "menu.official.web", ALL_ROLES),
)
_BY_NAME = {command.name: command for command in OFFICIAL_COMMANDS}


def roles_of(name: str) -> tuple[str, ...]:
    """The roles that may use ``/name``."""
    return _BY_NAME[name].roles


def button_data(name: str) -> str:
    return _BY_NAME[name].data


def commands_of(context: AppContext, user_id: int) -> list[OfficialCommand]:
    """The official commands ``user_id`` may use, in menu order (none for a resident)."""
    roles = context.config.roles
    return [command for command in OFFICIAL_COMMANDS if roles.has(user_id, *command.roles)]


def official_menu(context: AppContext, user_id: int) -> InlineKeyboardMarkup | None:
    """A button per command the person may use, two to a row; None for a resident."""
    t = context.texts
    buttons = [(t(command.button), command.data) for command in commands_of(context, user_id)]
    if not buttons:
        return None
    return keyboard([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def offer_menu(update: Update, context: AppContext, *, with_commands: bool) -> None:
    """After the residents' menu, in a private chat: the officials' menu for a person in
    ``[roles]`` (``with_commands``: with a line per command, for Bantuan). Nothing for others."""
    user = update.effective_user
    if user is None or not is_private(update):
        return
    menu = official_menu(context, user.id)
    if menu is None:
        return
    t = context.texts
    lines = [t("menu.official.title")]
    if with_commands:
        lines += [
            t("menu.official.command", command=command.name, description=t(command.description))
            for command in commands_of(context, user.id)
        ]
    await reply(update, "\n".join(lines), reply_markup=menu)
