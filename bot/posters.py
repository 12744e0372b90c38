"""Printable QR posters for the service counters (``ajung-bot qr``).

Each poster is an A5 portrait PNG at 150 dpi (874 x 1240 px, prints sharp on A5 or A4): the
survey's title and the kecamatan, the service name, the QR code of the deep link
``https://t.me/<bot>?start=skm_<SERVICE>`` (which opens the survey with the service chosen), the
link in letters for phones without a QR reader, and one line of invitation. The WhatsApp
poster's code opens ``https://wa.me/<number>?text=<text naming the service>`` instead, and
prints the number. The link is also
stored in the PNG's ``Link`` text chunk, so a poster can be checked without scanning it.

qrcode and Pillow are imported here only, and this module only by the ``qr`` command. Pillow's
built-in font scales (``ImageFont.load_default(size=...)``, Pillow >= 10.1), so no font file is
needed.
"""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import qrcode
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from bot.config import SurveyService
from i18n import Texts

WIDTH, HEIGHT = 874, 1240
MARGIN = 60
QR_SIZE = 620
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
DEEP_LINK_PREFIX = "skm_"


def deep_link(bot_username: str, service_code: str) -> str:
    """``https://t.me/ajung_bot?start=skm_KTP``; ValueError for a username Telegram refuses."""
    username = bot_username.removeprefix("@")
    if not BOT_USERNAME.fullmatch(username):
        raise ValueError(f"not a Telegram bot username: {bot_username!r}")
    return f"https://t.me/{username}?start={DEEP_LINK_PREFIX}{service_code}"


def whatsapp_link(display_number: str, prefilled: str) -> str:
    """``https://wa.me/6281...?text=...``: opens a chat with the office's WhatsApp number with
    ``prefilled`` in the message box; sent, it starts the survey (it carries ``skm_<CODE>``)."""
    return f"https://wa.me/{display_number}?text={quote(prefilled, safe='')}"


def poster_png(
    service: SurveyService, link: str, kecamatan: str, t: Texts, *, shown: str | None = None
) -> bytes:
    """The poster of ``service`` as PNG bytes; ``shown`` is printed under the code instead of
    the link (a WhatsApp link with its text is too long to type)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    y = _centred(draw, t("poster.title"), y, size=44, bold=True)
    y = _centred(draw, t("poster.unit", kecamatan=kecamatan), y + 8, size=34)
    y = _centred(draw, service.name, y + 40, size=46, bold=True)
    code = _qr(link)
    image.paste(code, ((WIDTH - code.width) // 2, y + 30 + (QR_SIZE - code.height) // 2))
    y += 30 + QR_SIZE
    y = _centred(draw, shown or link.removeprefix("https://"), y + 10, size=26)
    _centred(draw, t("poster.invitation"), y + 30, size=32)
    info = PngInfo()
    info.add_text("Link", link)
    info.add_text("Title", f"{t('poster.title')}: {service.name}")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, dpi=(150, 150))
    return out.getvalue()


def _qr(link: str) -> Image.Image:
    """The QR code at most QR_SIZE wide, every module the same whole number of pixels."""
    # Error correction M survives a smudged or slightly torn print.
    maker = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    maker.add_data(link)
    maker.make(fit=True)
    maker.box_size = max(1, QR_SIZE // (maker.modules_count + 2 * maker.border))
    code = maker.make_image(fill_color="black", back_color="white").get_image()
    return code.convert("RGB")


def _centred(
    draw: ImageDraw.ImageDraw, text: str, top: int, *, size: int, bold: bool = False
) -> int:
    """Draw ``text`` centred and wrapped to the page width from ``top``; the y below it."""
    font = ImageFont.load_default(size=size)
    for line in _wrap(draw, text, font, WIDTH - 2 * MARGIN):
        width = draw.textlength(line, font=font)
        draw.text(
            ((WIDTH - width) / 2, top), line, fill="black", font=font, stroke_width=1 if bold else 0
        )
        top += int(size * 1.3)
    return top


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and draw.textlength(candidate, font=font) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines
