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
    "/iku tahun ini": Rule(frozenset({"trantib", "sekcam", "camat", "pmks"}), ANYWHERE),
    "/program": Rule(frozenset({"sekcam", "camat"}), PRIVATE),
    "/kegiatan": Rule(frozenset({"pmks", "sekcam", "camat"}), PRIVATE),
    "/populasi": Rule(frozenset({"sekcam", "camat"}), ANYWHERE),
    "/web": Rule(frozenset({"trantib", "sekcam", "camat", "pmks"}), PRIVATE),
    "move button": Rule(COMPLAINT_ROLES, OFFICE),
    "list button": Rule(COMPLAINT_ROLES, OFFICE),
    "page button": Rule(COMPLAINT_ROLES, OFFICE),
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
    "/catat": lambda shown, code: t("complaint.office.ask_category") in texts(shown)[0],
    "/iku": lambda shown, code: texts(shown)[0].startswith("Angka IKU untuk periode mana?"),
    "/iku tahun ini": lambda shown, code: texts(shown)[0].startswith("Laporan IKU Kecamatan"),
    "/program": lambda shown, code: texts(shown) == [t("plans.no_programs", year=2025)],
    "/kegiatan": lambda shown, code: texts(shown) == [t("plans.no_activities", year=2025)],
    "/populasi": lambda shown, code: texts(shown)[0].startswith("Cara memakai: /populasi"),
    "/web": lambda shown, code: texts(shown)[0].startswith("Tautan masuk dasbor"),
}
# What a refused command says, by command: to whom it belongs, or where it may be used.
REFUSALS = {
    t("trantib.officials_only"),
    t("trantib.office_chats_only"),
    t("plans.not_allowed"),
    t("population.not_allowed"),
    t("web.not_allowed"),
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


# A button of a /laporan list: a complaint's (the first one filed has id 1), a page's.
LIST_BUTTONS = {"list button": "lo:1", "page button": "lh:0:7:0:-:0"}


@pytest.mark.parametrize(
    ("button", "role", "place"),
    [
        pytest.param(button, role, place, id=f"{button}-{role}-{place}")
        for button in LIST_BUTTONS
        for role in ROLES
        for place in PLACES
    ],
)
async def test_each_list_button_for_each_role_and_place(
    bot: BotHarness, button: str, role: str, place: str
) -> None:
    code = await file_complaint(bot.person(), privacy="Rahasia")
    person = someone(bot, role, place)
    [anything, *_] = await person.send("/id")
    shown = await person.tap_data(LIST_BUTTONS[button], message=anything)
    said = texts(shown)
    if RULES[button].allows(role, place):
        assert any(code in text for text in said), said
    else:
        assert said == []
        answers = [c for c in bot.api.calls if c.method == "answerCallbackQuery"]
        assert answers[-1].params["text"] in REFUSALS
        assert answers[-1].params["show_alert"] is True


# ---------------------------------------------------------------------------- the officials' menu

# Each button of the officials' menu, the command it stands for (its rule and what it shows).
MENU_BUTTONS = {
    "📋 Laporan terbuka": ("menu:laporan", "/laporan"),
    "📝 Catat laporan": ("menu:catat", "/catat"),
    "📊 IKU minggu ini": ("menu:iku", "/iku tahun ini"),
    "🎯 Indikator program": ("menu:program", "/program"),
    "🤝 Kegiatan pemberdayaan": ("menu:kegiatan", "/kegiatan"),
    "👥 Pengguna layanan": ("menu:populasi", "/populasi"),
    "🖥️ Dasbor web": ("menu:web", "/web"),
}
OFFICIALS_MENU = "Menu petugas kecamatan:"


def menu_of(role: str) -> list[str]:
    """The buttons the rule book gives ``role`` in a private chat, in menu order."""
    return [
        label
        for label, (_, command) in MENU_BUTTONS.items()
        if RULES[command].allows(role, "private")
    ]


def officials_menus(shown: list[JSONDict]) -> list[JSONDict]:
    return [message for message in shown if message["text"].startswith(OFFICIALS_MENU)]


@pytest.mark.parametrize("role", ROLES)
async def test_start_and_help_add_the_officials_menu_of_each_role(
    bot: BotHarness, role: str
) -> None:
    person = someone(bot, role, "private")
    started = await person.send("/start")
    assert "Laporkan gangguan" in person.buttons(started[0])  # the residents' menu, for all
    helped = await person.send("/bantuan")
    if role == "resident":
        assert officials_menus(started) == officials_menus(helped) == []
        return
    [menu] = officials_menus(started)
    assert menu is started[-1]  # below the residents' menu
    assert menu["text"] == OFFICIALS_MENU
    assert person.buttons(menu) == menu_of(role)
    [menu] = officials_menus(helped)
    assert person.buttons(menu) == menu_of(role)
    lines = menu["text"].splitlines()
    assert lines[0] == OFFICIALS_MENU
    assert [line.split(":")[0] for line in lines[1:]] == [
        f"• {command.split()[0]}"
        for _, command in MENU_BUTTONS.values()
        if RULES[command].allows(role, "private")
    ]


async def test_the_officials_menu_is_never_posted_in_a_group(bot: BotHarness) -> None:
    group = someone(bot, "camat", "trantib_group")
    assert officials_menus(await group.send("/bantuan")) == []


async def test_the_officials_menu_in_english(bot: BotHarness) -> None:
    camat = someone(bot, "camat", "private")
    await camat.send("/bahasa en")
    [*_, menu] = await camat.send("/start")
    assert menu["text"] == "Officials' menu:"
    assert camat.buttons(menu) == [
        "📋 Open reports", "📝 Record a report", "📊 IKU this week", "🎯 Program indicators",
        "🤝 Empowerment activities", "👥 Service users", "🖥️ Web dashboard",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "role", "place"),
    [
        pytest.param(label, role, place, id=f"{data}-{role}-{place}")
        for label, (data, _) in MENU_BUTTONS.items()
        for role in ROLES
        for place in PLACES
    ],
)
async def test_each_menu_button_does_what_its_command_does(
    bot: BotHarness, label: str, role: str, place: str
) -> None:
    """The same rule as the command (a forged press where the menu is never shown included),
    and on the same empty office the same answer."""
    data, command = MENU_BUTTONS[label]
    code = await file_complaint(bot.person(), privacy="Rahasia")
    person = someone(bot, role, place)
    [anything, *_] = await person.send("/id")
    shown = await person.tap_data(data, message=anything)
    said = texts(shown)
    if RULES[command].allows(role, place):
        assert ALLOWED_COMMANDS[command](shown, code), said
        assert not set(said) & REFUSALS
        return
    answers = [c.params for c in bot.api.calls if c.method == "answerCallbackQuery"]
    refused = said or [answers[-1].get("text")]
    assert len(refused) == 1 and refused[0] in REFUSALS, (said, answers[-1])
    assert "depan pasar" not in refused[0] and code not in refused[0]
