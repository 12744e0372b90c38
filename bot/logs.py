"""The process's log lines, with secrets redacted from whatever they quote.

Exceptions reach the log (the error handler's traceback, a failed poll, a failed job) and the
terminal (the command line's one-line error), and some quote the bot token:
python-telegram-bot's ``InvalidToken`` ("The token `...` was rejected"), and every Bot API URL
carries it after ``/bot`` (``.../bot<token>/getMe``, ``.../file/bot<token>/photos/...``). Every
line written passes through :func:`redact`: the secrets this process was given are replaced by
:data:`MASK`, and so is anything shaped like a bot token or a Bot API URL's token part, in case
a token arrives that the process was not told about (a second bot, a typo in the environment).
WhatsApp's secrets (access token, app secret, verify token) are kept the same way, and the
number the bot knows a WhatsApp resident by (``db.residents.WA_BASE`` plus the phone number) is
masked wherever it appears: it is the resident's phone number in disguise.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

MASK = "[hidden]"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "ajung-bot"

# A bot token: the bot's numeric id, a colon, 35 URL-safe characters (a few more or less here).
TOKEN_SHAPE = re.compile(r"\d{6,}(?::|%3A)[A-Za-z0-9_-]{30,}")
# What follows "/bot" in a Bot API URL up to the next "/" (the token, possibly percent-encoded).
BOT_URL = re.compile(r"(?<=/bot)[^/\s'\"`<>]+")
# A WhatsApp resident's person number: 2**53 plus a phone number of at most 15 digits. The
# values of db.residents (WA_BASE, WA_ID_DIGITS), written out so that every command's start
# does not load SQLAlchemy for them (tests/bot/test_logs.py checks that they agree).
WHATSAPP_PERSON = re.compile(r"(?<!\d)(?:9\d{15}|1000\d{13})(?!\d)")
WA_BASE = 2**53
WA_LIMIT = WA_BASE + 10**15
# Shorter "secrets" would mask ordinary words and numbers.
MIN_SECRET_LENGTH = 8

_secrets: set[str] = set()


def keep_secret(*values: str) -> None:
    """Mask ``values`` (the bot token, the webhook secret) from now on, as typed and URL-quoted."""
    for value in values:
        if len(value) >= MIN_SECRET_LENGTH:
            _secrets.update({value, quote(value, safe="")})


def redact(text: str) -> str:
    """``text`` with every known secret, token-shaped string, Bot API URL token and WhatsApp
    resident's number masked."""
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = TOKEN_SHAPE.sub(MASK, text)
    text = WHATSAPP_PERSON.sub(_whatsapp_person, text)
    return BOT_URL.sub(MASK, text)


def _whatsapp_person(found: re.Match[str]) -> str:
    return MASK if WA_BASE <= int(found.group()) < WA_LIMIT else found.group()


class RedactingFilter(logging.Filter):
    """Redacts a record's message and traceback before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True  # the handler reports the broken call; nothing to redact yet
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


REDACTING = RedactingFilter()


def configure(level: int) -> None:
    """Log to standard error at ``level``, every handler of the root logger redacting.

    The handler is added once; a process that brought its own (a test runner) keeps its
    handlers and level, and gets the redaction on them.
    """
    root = logging.getLogger()
    if not root.handlers:
        ours = logging.StreamHandler()
        ours.set_name(HANDLER_NAME)
        ours.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(ours)
    if any(handler.get_name() == HANDLER_NAME for handler in root.handlers):
        root.setLevel(level)
    for handler in root.handlers:
        handler.addFilter(REDACTING)


@contextmanager
def to_file(path: Path, level: int) -> Iterator[None]:
    """While inside, log to the file ``path`` (appended; created with the process's umask, its
    folder too) instead of standard error, Python's warnings included: local mode's terminal
    is the conversation.

    Our standard-error handler is taken off meanwhile and put back afterwards; a process that
    brought its own handlers (a test runner) keeps them."""
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if handler.get_name() == HANDLER_NAME]
    for handler in ours:
        root.removeHandler(handler)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(FORMAT))
    to_file.addFilter(REDACTING)
    previous_level = root.level
    root.addHandler(to_file)
    root.setLevel(level)
    # Python's warnings (a library's deprecation notice) would print on the terminal too.
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        root.removeHandler(to_file)
        to_file.close()
        root.setLevel(previous_level)
        for handler in ours:
            root.addHandler(handler)
