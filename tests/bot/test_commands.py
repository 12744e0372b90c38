"""The command menu: residents see the public commands, officials see theirs too."""

from __future__ import annotations

from bot.app import publish_commands
from tests.factories import PMKS_ID, SEKCAM_ID, TRANTIB_ID, BotHarness


async def test_menus_per_audience_and_language(bot: BotHarness) -> None:
    await publish_commands(bot.application)
    menus = {
        (
            str(call.params.get("scope", {}).get("chat_id", "all")),
            call.params.get("language_code"),
        ): [c["command"] for c in call.params["commands"]]
        for call in bot.api.calls
        if call.method == "setMyCommands"
    }
    public = ["start", "lapor", "status", "survei", "bantuan", "bahasa", "batal", "id"]
    assert menus[("all", None)] == public
    assert menus[("all", "en")] == public
    assert menus[(str(SEKCAM_ID), None)] == [
        *public,
        "laporan",
        "catat",
        "iku",
        "program",
        "kegiatan",
        "populasi",
        "web",
    ]
    assert menus[(str(PMKS_ID), None)] == [*public, "iku", "kegiatan", "web"]
    assert menus[(str(TRANTIB_ID), "en")] == [*public, "laporan", "catat", "iku", "web"]
    descriptions = {
        c["command"]: c["description"]
        for call in bot.api.calls
        if call.method == "setMyCommands"
        and "scope" not in call.params
        and "language_code" not in call.params
        for c in call.params["commands"]
    }
    assert descriptions["batal"] == "Hentikan isian"
