"""The complaint register and a complaint's page in a real browser: filtering, opening a
complaint, moving it with a note (the reporter's news goes out through the bot), and the map
that fails without taking the page with it."""

from __future__ import annotations

from selenium.webdriver.support.select import Select

from handlers import delivery
from i18n import catalog
from iku.complaints import NOTE_MIN_LETTERS
from tests.factories import TRANTIB_ID, BotHarness, card_of, file_complaint
from tests.web.browser.conftest import Browser, LiveDashboard

t = catalog().for_language("id")
NOTE = "Sudah dicek ke lokasi, motor dipindahkan dari trotoar."


def codes_listed(browser: Browser) -> list[str]:
    """The tracking codes in the register's table, top to bottom."""
    return [link.text for link in browser.find_all("table tbody a[href^='/laporan/']")]


def count_text(total: int) -> str:
    return t("web.complaints.count", count=str(total), page="1", pages="1")


async def test_an_official_filters_the_register_and_opens_a_complaint(
    bot: BotHarness, live: LiveDashboard, browser: Browser
) -> None:
    parkir_ajung = await file_complaint(bot.person(5550001, first_name="Siti"))
    bot.clock.advance(minutes=5)
    judi = await file_complaint(
        bot.person(5550002, first_name="Budi"),
        category="Perjudian",
        desa="Mangaran",
        description="Ada judi sabung ayam tiap malam Minggu di belakang balai desa.",
    )
    bot.clock.advance(minutes=5)
    parkir_mangaran = await file_complaint(
        bot.person(5550003, first_name="Ani"),
        desa="Mangaran",
        location=(-8.2361, 113.6583),
    )

    await live.sign_in(browser, TRANTIB_ID)
    browser.submit_and_wait(browser.link(t("web.nav.complaints")))
    assert browser.find("h1").text == t("web.complaints.title")
    assert count_text(3) in browser.text()
    assert codes_listed(browser) == [parkir_mangaran, judi, parkir_ajung]  # newest first
    # The map cannot load its tiles here: it says so, and the list stays whole.
    browser.wait_for(lambda _: browser.find("#peta-pesan").is_displayed(), "no map message")
    assert browser.find("#peta-pesan").text == t("web.complaints.map_failed")
    # The pins are drawn all the same: the one complaint with a location, which opens it.
    [pin] = browser.find_all("#peta path.leaflet-interactive")
    pin.click()
    # The popup fades in: wait until a person can read it (Selenium reads no text before).
    popup = browser.wait_for(
        lambda _: [a for a in browser.find_all(".leaflet-popup-content a") if a.text], "no popup"
    )
    assert popup[0].text.startswith(f"{parkir_mangaran} · {t('complaint.status.baru')}")
    assert popup[0].get_attribute("href") == live.url(f"/laporan/{parkir_mangaran}")

    Select(browser.find("#f-desa")).select_by_visible_text("Mangaran")
    Select(browser.find("#f-kategori")).select_by_visible_text("Parkir liar")
    browser.submit_and_wait(browser.button(t("web.complaints.apply")))
    assert count_text(1) in browser.text()
    assert codes_listed(browser) == [parkir_mangaran]
    # The filters stay as chosen.
    assert Select(browser.find("#f-desa")).first_selected_option.text == "Mangaran"
    assert Select(browser.find("#f-kategori")).first_selected_option.text == "Parkir liar"

    browser.submit_and_wait(browser.link(t("web.complaints.reset")))
    assert count_text(3) in browser.text()
    browser.find("#f-q").send_keys("sabung ayam")
    browser.submit_and_wait(browser.button(t("web.complaints.apply")))
    assert codes_listed(browser) == [judi]

    browser.submit_and_wait(browser.link(judi))
    assert browser.path == f"/laporan/{judi}"
    heading = t("web.complaints.heading", code=judi, status=t("complaint.status.baru"))
    assert browser.find("h1").text == heading
    card = browser.find("#kartu-judul").find_element("xpath", "..").text
    assert "Ada judi sabung ayam tiap malam Minggu di belakang balai desa." in card
    assert "Mangaran" in card and "Budi" in card
    browser.submit_and_wait(browser.link(t("web.complaints.back")))
    assert browser.find("h1").text == t("web.complaints.title")


async def test_a_move_with_a_note_reaches_the_reporter_and_the_group(
    bot: BotHarness, live: LiveDashboard, browser: Browser
) -> None:
    siti = bot.person(5550001, first_name="Siti")
    code = await file_complaint(siti)
    group = bot.official(TRANTIB_ID)
    news_before = len(siti.inbox())

    await live.sign_in(browser, TRANTIB_ID)
    browser.get(live.url(f"/laporan/{code}"))
    choices = [label.text for label in browser.find_all("fieldset label.check")]
    assert choices == [t(f"trantib.move.{s}") for s in ("diverifikasi", "diproses")] + [
        t(f"trantib.move.{s}") for s in ("diteruskan", "ditolak")
    ]

    # A note of "ok" is not a note: refused, nothing changed, nothing sent.
    browser.find("input[name=target][value=diverifikasi]").click()
    browser.find("#catatan").send_keys("ok")
    browser.submit_and_wait(browser.button(t("web.complaints.move_submit")))
    alert = browser.find("[role=alert]").text
    assert alert == t("web.complaints.note_too_short", minimum=NOTE_MIN_LETTERS)
    baru = t("web.complaints.heading", code=code, status=t("complaint.status.baru"))
    assert browser.find("h1").text == baru

    assert browser.find("#catatan").get_attribute("value") == "ok"  # kept to be corrected
    browser.find("input[name=target][value=diverifikasi]").click()
    browser.find("#catatan").clear()
    browser.find("#catatan").send_keys(NOTE)
    browser.submit_and_wait(browser.button(t("web.complaints.move_submit")))
    assert browser.path == f"/laporan/{code}?pindah=ok"
    verified = t("complaint.status.diverifikasi")
    assert browser.find("h1").text == t("web.complaints.heading", code=code, status=verified)
    assert (
        browser.find("[role=status]").text == f"✅ {code} sekarang {verified}. Catatan tersimpan."
    )
    history = browser.find("ol.history").text
    assert NOTE in history and verified in history

    # The bot delivers what the move owes: the reporter's news and the group's card.
    await delivery.deliver_job(bot.context())
    news = siti.inbox()[news_before:]
    assert [m["text"] for m in news] == [
        "\n".join(
            (
                t(
                    "status.update",
                    code=code,
                    status=verified,
                    meaning=t("complaint.meaning.diverifikasi"),
                ),
                t("status.update_note", note=NOTE),
            )
        )
    ]
    assert card_of(group, code)["text"].startswith(
        t("trantib.card_title", code=code, status=verified)
    )

    # A rejection needs its reason; with it, the reporter is told which.
    browser.find("input[name=target][value=ditolak]").click()
    browser.find("#catatan").send_keys("Sudah dilaporkan warga lain kemarin.")
    browser.submit_and_wait(browser.button(t("web.complaints.move_submit")))
    assert browser.find("[role=alert]").text == t("web.complaints.reason_needed")
    browser.find("input[name=target][value=ditolak]").click()
    Select(browser.find("#alasan")).select_by_visible_text(t("complaint.reason.duplikat"))
    assert browser.find("#catatan").get_attribute("value") == "Sudah dilaporkan warga lain kemarin."
    browser.submit_and_wait(browser.button(t("web.complaints.move_submit")))
    rejected = t(
        "status.reason", status=t("complaint.status.ditolak"), reason=t("complaint.reason.duplikat")
    )
    assert browser.find("h1").text == t("web.complaints.heading", code=code, status=rejected)
    await delivery.deliver_job(bot.context())
    assert siti.inbox()[-1]["text"].startswith(
        t("status.update", code=code, status=rejected, meaning=t("complaint.meaning.ditolak"))
    )
