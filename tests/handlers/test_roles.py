"""Who may do what, where: every official command and button, for every role and a resident,
in a private chat, in the Trantib group and in any other group.

One table is the rule book. Widening or narrowing a role (``/kegiatan`` for Trantib, ``/iku``
for residents, moves for PMKS) or dropping a chat check fails a row here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.driver import Person
from bot.offline import JSONDict
from i18n import catalog
from tests.factories import (
    CAMAT_ID,
    PMKS_ID,
    RESIDENT_ID,
    SEKCAM_ID,
    TRANTIB_GROUP,
    TRANTIB_ID,
    BotHarness,
    card_of,
    file_complaint,
    move,
)

t = catalog().for_language("id")

ROLES = {
    "resident": RESIDENT_ID + 1,
    "trantib": TRANTIB_ID,
    "camat": CAMAT_ID,
    "sekcam": SEKCAM_ID,
    "pmks": PMKS_ID,
}
PLACES = ("private", "trantib_group", "other_group")
OTHER_GROUP = -1005550001111

# Who each command and button is for, and where it may be used (DOMAIN.md, README).
OFFICE = frozenset({"private", "trantib_group"})
ANYWHERE = frozenset(PLACES)
PRIVATE = frozenset({"private"})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    places: frozenset[str]

    def allows(self, role: str, place: str) -> bool:
        return role in self.roles and place in self.places


COMPLAINT_ROLES = frozenset({"trantib", "sekcam", "camat"})
RULES = {
    "/laporan": Rule(COMPLAINT_ROLES, OFFICE),
    "/laporan CODE": Rule(COMPLAINT_ROLES, OFFICE),
    "/catat": Rule(COMPLAINT_ROLES, PRIVATE),
    "/iku": Rule(frozenset({"trantib", "sekcam", "camat", "pmks"}), ANYWHERE),
    "/program": Rule(frozenset({"sekcam", "camat"}), PRIVATE),
    "/kegiatan": Rule(frozenset({"pmks", "sekcam", "camat"}), PRIVATE),
    "/populasi": Rule(frozenset({"sekcam", "camat"}), ANYWHERE),
    "move button": Rule(COMPLAINT_ROLES, OFFICE),
    "reopen button": Rule(frozenset({"sekcam", "camat"}), OFFICE),
}
PRIVATE_ONLY = t("fallback.private_only", bot="ajung_bot")


def someone(bot: BotHarness, role: str, place: str) -> Person:
    user_id, name = ROLES[role], role.capitalize()
    if place == "private":
        return bot.person(user_id, first_name=name)
    chat = TRANTIB_GROUP if place == "trantib_group" else OTHER_GROUP
    return bot.person(
        user_id, first_name=name, chat_id=chat, chat_type="supergroup", chat_title="Grup"
    )


def texts(shown: list[JSONDict]) -> list[str]:
    return [message.get("text", "") for message in shown]


# What an allowed command shows on an empty office (no complaint open, no plan imported).
ALLOWED_COMMANDS = {
    "/laporan": lambda shown, code: t("trantib.open_title", count=1) in texts(shown)[0],
    "/laporan CODE": lambda shown, code: texts(shown)[0].startswith(f"📣 Laporan {code} "),
    "/catat": lambda shown, code: t("complaint.ask_category") in texts(shown)[0],
    "/iku": lambda shown, code: "IKU" in texts(shown)[0] and "\n" in texts(shown)[0],
    "/program": lambda shown, code: texts(shown) == [t("plans.no_programs", year=2025)],
    "/kegiatan": lambda shown, code: texts(shown) == [t("plans.no_activities", year=2025)],
    "/populasi": lambda shown, code: texts(shown)[0].startswith("Cara memakai: /populasi"),
}
# What a refused command says, by command: to whom it belongs, or where it may be used.
REFUSALS = {
    t("trantib.officials_only"),
    t("trantib.office_chats_only"),
    t("plans.not_allowed"),
    t("population.not_allowed"),
    PRIVATE_ONLY,
}
CASES = [
    pytest.param(command, role, place, id=f"{command}-{role}-{place}")
    for command in ALLOWED_COMMANDS
    for role in ROLES
    for place in PLACES
]


@pytest.mark.parametrize(("command", "role", "place"), CASES)
async def test_each_official_command_for_each_role_and_place(
    bot: BotHarness, command: str, role: str, place: str
) -> None:
    code = await file_complaint(bot.person(), privacy="Rahasia")
    person = someone(bot, role, place)
    shown = await person.send(command.replace("CODE", code))
    said = texts(shown)
    if RULES[command].allows(role, place):
        assert ALLOWED_COMMANDS[command](shown, code), said
        assert not set(said) & REFUSALS
    else:
        assert len(said) == 1 and said[0] in REFUSALS, said
        # Nothing confidential left the office: not the place, not the description.
        assert "depan pasar" not in said[0] and code not in said[0]


async def _card_in_place(
    bot: BotHarness, role: str, place: str, *, closed: bool
) -> tuple[Person, JSONDict, str]:
    """A complaint and a message of the bot in ``place`` to press a card's button on: the
    group's card, the card an official opened with ``/laporan CODE``, or (for a forged press)
    any message of the bot in that chat."""
    code = await file_complaint(bot.person())
    group = bot.official()
    if closed:
        await group.tap("✖️ Tolak", message=card_of(group, code))
        await group.tap("Di luar kewenangan kecamatan")
        await group.send("Bukan wewenang kecamatan, sudah diteruskan lisan.", reply_to=group.last())
    person = someone(bot, role, place)
    if place == "trantib_group":
        return person, card_of(group, code), code
    if place == "private" and RULES["/laporan CODE"].allows(role, place):
        [opened, *_] = await person.send(f"/laporan {code}")
        return person, opened, code
    [anything, *_] = await person.send("/id")
    return person, anything, code


def _button_data(card: JSONDict) -> str:
    rows = card["reply_markup"]["inline_keyboard"]
    datas = [button["callback_data"] for row in rows for button in row]
    [first, *_] = datas  # the next step forward, or the only one left: reopening
    return first


@pytest.mark.parametrize(
    ("button", "role", "place"),
    [
        pytest.param(button, role, place, id=f"{button}-{role}-{place}")
        for button in ("move button", "reopen button")
        for role in ROLES
        for place in PLACES
    ],
)
async def test_each_card_button_for_each_role_and_place(
    bot: BotHarness, button: str, role: str, place: str
) -> None:
    reopen = button == "reopen button"
    person, card, code = await _card_in_place(bot, role, place, closed=reopen)
    data = _button_data(card_of(bot.official(), code))
    before = card_of(bot.official(), code)["text"]
    shown = await person.tap_data(data, message=card)
    asked = [text for text in texts(shown) if code in text]
    if RULES[button].allows(role, place):
        assert asked, f"{role} in {place} was not asked for a note: {texts(shown)}"
    else:
        assert asked == [], texts(shown)
        answers = [c for c in bot.api.calls if c.method == "answerCallbackQuery"]
        assert answers[-1].params.get("text"), "a refused press is answered, never silent"
    # A press alone never moves a complaint: the note does.
    assert card_of(bot.official(), code)["text"] == before


async def test_a_refused_official_cannot_complete_a_move_with_a_note(bot: BotHarness) -> None:
    """PMKS replying to a Trantib official's note request completes nothing."""
    code = await file_complaint(bot.person())
    group = bot.official()
    await group.tap("✔️ Verifikasi", message=card_of(group, code))
    request = group.last()
    pmks = someone(bot, "pmks", "trantib_group")
    await pmks.send("Sudah saya cek di lokasi, benar ada parkir liar.", reply_to=request)
    assert "Baru" in card_of(group, code)["text"]
    await move(group, code, "✔️ Verifikasi", "Sudah dicek petugas di lokasi.")
    assert "Diverifikasi" in card_of(group, code)["text"]
