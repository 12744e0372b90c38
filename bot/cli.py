"""The ``ajung-bot`` command line.

Exit codes: 0 success, 2 usage or configuration error, 1 any other failure. Errors are one line
on standard error, never a traceback. Heavy libraries are imported inside the commands that need
them, so ``ajung-bot --help`` and start-up stay fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, TypeVar

from bot.config import Config, ConfigError, load_config, resolve_path

if TYPE_CHECKING:
    from db.engine import Database
    from iku.periods import Period

T = TypeVar("T")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
ROLES = ("resident", "trantib", "camat", "sekcam", "pmks")


class UsageError(Exception):
    """A command used wrongly (bad date, missing file): exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (ConfigError, UsageError) as error:
        print(f"ajung-bot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as error:
        logging.getLogger("ajung_bot").debug("command failed", exc_info=True)
        print(f"ajung-bot: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILURE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ajung-bot",
        description="Telegram chatbot for a kecamatan's complaints, survey and IKU figures.",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: $AJUNG_BOT_CONFIG or ./config.toml)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _command(commands, "run", run_bot, "serve Telegram (long polling, or a webhook)")
    run.add_argument("--webhook", metavar="URL", help="receive updates on this public HTTPS URL")

    chat = _command(commands, "chat", chat_locally, "talk to the bot in this terminal (no network)")
    chat.add_argument("--as", dest="role", choices=ROLES, default="resident", help="who you play")
    chat.add_argument("--database", metavar="URL", help="database URL (default: the config's)")

    database = _command(commands, "db", None, "database schema migrations")
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    _command(db_commands, "upgrade", db_upgrade, "apply all migrations (also done at start)")
    down = _command(db_commands, "downgrade", db_downgrade, "revert to a revision")
    down.add_argument("revision", help="revision id, or 'base' for an empty database")
    _command(db_commands, "current", db_current, "print the schema revision")

    report = _command(commands, "report", show_report, "the four IKU figures of a period")
    report.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="last day")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--lang", choices=("id", "en"), default="id", help="language of the text")

    register = _command(commands, "complaints", None, "the complaint register (IKU 4)")
    register_commands = register.add_subparsers(
        dest="complaints_command", required=True, metavar="ACTION"
    )
    export = _command(
        register_commands, "export", export_complaints, "write the register to .xlsx or .csv"
    )
    export.add_argument(
        "--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first day received"
    )
    export.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="last day")
    export.add_argument(
        "--out", required=True, metavar="FILE", help="FILE.xlsx (Excel) or FILE.csv"
    )
    export.add_argument("--lang", choices=("id", "en"), default="id", help="language of the text")

    check = _command(commands, "check-config", check_config, "validate the configuration")
    check.add_argument("--for-run", action="store_true", help="also require the bot token")
    return parser


def _command(
    group: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int | None] | None,
    help_text: str,
) -> argparse.ArgumentParser:
    parser = group.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def _config(
    args: argparse.Namespace, *, require_token: bool = False, local: bool = False
) -> Config:
    path = resolve_path(args.config, fallback_to_example=local)
    return load_config(path, require_token=require_token)


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run_bot(args: argparse.Namespace) -> int:
    config = _config(args, require_token=True)
    configure_logging()
    from bot.runner import serve

    asyncio.run(serve(config, webhook_url=args.webhook))
    return EXIT_OK


def chat_locally(args: argparse.Namespace) -> int:
    config = _config(args, local=True)
    configure_logging(logging.WARNING)
    from bot.local import chat

    asyncio.run(chat(config, role=args.role, database_url=args.database))
    return EXIT_OK


def db_upgrade(args: argparse.Namespace) -> int:
    from db import migrate

    revision = asyncio.run(migrate.run_on_url(_config(args).database.url, migrate.upgrade))
    print(f"database at revision {revision}")
    return EXIT_OK


def db_downgrade(args: argparse.Namespace) -> int:
    from db import migrate

    url = _config(args).database.url
    revision = asyncio.run(migrate.run_on_url(url, migrate.downgrade, args.revision))
    print(f"database at revision {revision or 'base'}")
    return EXIT_OK


def db_current(args: argparse.Namespace) -> int:
    from db import migrate

    revision = asyncio.run(migrate.run_on_url(_config(args).database.url, None))
    print(revision or "base")
    return EXIT_OK


def show_report(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.reporting import build_report
    from db.base import utcnow
    from i18n import catalog
    from iku.report import render_text, report_json

    now = utcnow()
    period = _period(config, args, now)
    report = _on_database(config, lambda database: build_report(database, config, period, now))
    if args.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_text(report, catalog().for_language(args.lang)))
    return EXIT_OK


def export_complaints(args: argparse.Namespace) -> int:
    """The complaints received in the period (default: the year to date), one row each."""
    from pathlib import Path

    config = _config(args)
    from bot.export import FORMATS, export_register
    from db.base import utcnow
    from i18n import catalog

    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        raise UsageError(f"--out {out}: the file name must end in .xlsx or .csv")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    now = utcnow()
    period = _period(config, args, now)
    texts = catalog().for_language(args.lang)
    count = _on_database(
        config, lambda database: export_register(database, config, period, out, texts, now)
    )
    print(f"{out}: {count} complaints received {period.start} to {period.end}")
    return EXIT_OK


def _period(config: Config, args: argparse.Namespace, now: datetime) -> Period:
    """The period of ``--from``/``--to`` (default: the year to date); a UsageError if reversed."""
    from bot.reporting import period_from_args

    try:
        return period_from_args(config, args.start, args.end, now)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _on_database(config: Config, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the configured database, migrated first, closed after."""
    from db import migrate
    from db.engine import Database

    async def run() -> T:
        database = Database(config.database.url)
        try:
            await migrate.upgrade(database)
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-02-16") from None


def check_config(args: argparse.Namespace) -> int:
    path = resolve_path(args.config)
    load_config(path, require_token=args.for_run)
    print(f"{path}: OK")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
