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
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot import logs
from bot.config import Config, ConfigError, load_config, resolve_path
from iku.survey_forms import COLUMNS as FORM_COLUMNS

if TYPE_CHECKING:
    from db.engine import Database
    from iku.periods import Period

T = TypeVar("T")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
# The database, the photos and the exports hold residents' data: whatever a command creates is
# readable by the account that runs the bot only (files 0600, folders 0700).
PRIVATE_UMASK = 0o077
ROLES = ("resident", "trantib", "camat", "sekcam", "pmks")


class UsageError(Exception):
    """A command used wrongly (bad date, missing file): exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(logging.WARNING)
    previous_umask = os.umask(PRIVATE_UMASK)
    try:
        return int(args.handler(args) or EXIT_OK)
    except (ConfigError, UsageError) as error:
        _fail(str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    except Exception as error:
        logging.getLogger("ajung_bot").debug("command failed", exc_info=True)
        _fail(f"{type(error).__name__}: {error}")
        return EXIT_FAILURE
    finally:
        os.umask(previous_umask)  # for a caller in the same process (the tests)


def _fail(reason: str) -> None:
    """The error as one line on standard error, secrets masked (exceptions may quote the token;
    a database error's first line says what failed, the rest is the statement)."""
    lines = logs.redact(reason).splitlines() or [""]
    print(f"ajung-bot: {lines[0]}", file=sys.stderr)


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
    report.add_argument(
        "--period",
        metavar="PERIOD",
        help='instead of --from/--to: words ("bulan lalu", "minggu ini") or a code (2025-Q1)',
    )
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--lang", choices=("id", "en"), default="id", help="language of the text")

    book = _command(commands, "export", export_workbook, "one workbook for the performance report")
    book.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first day")
    book.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="last day")
    book.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    book.add_argument("--lang", choices=("id", "en"), default="id", help="language of the text")

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
    export.add_argument(
        "--separator",
        choices=(";", ",", "tab"),
        default=";",
        help="between the fields of a .csv file (default ';', as Indonesian Excel reads it; "
        "with ';' numbers have a decimal comma)",
    )

    for name, help_text in (
        ("program", "IKU 1: the year's program indicators"),
        ("kegiatan", "IKU 3: the year's empowerment activities"),
    ):
        group = _command(commands, name, None, help_text)
        actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = _command(
            actions, "import", import_plan, "load or update the list from a CSV/XLSX file"
        )
        load.add_argument("file", type=Path, help="the .csv or .xlsx file")
        load.set_defaults(entity=name)

    send = _command(commands, "send-summary", send_summary, "send the weekly IKU summary now")
    send.add_argument("--week", type=_week, metavar="YYYY-Www", help="default: the week now due")
    send.add_argument("--force", action="store_true", help="send even if already delivered")
    chart = _command(commands, "summary", render_summary, "write the weekly summary's chart")
    chart.add_argument("--week", type=_week, metavar="YYYY-Www", required=True)
    chart.add_argument("--out", type=Path, metavar="FILE.png", required=True)
    _survey_commands(commands)
    qr = _command(commands, "qr", make_posters, "printable QR posters that open the survey")
    qr.add_argument("service", nargs="?", metavar="SERVICE", help="service code, e.g. KTP")
    qr.add_argument("--all", action="store_true", help="one poster per configured service")
    qr.add_argument("--out", required=True, metavar="PATH", help="FILE.png, or a folder")
    qr.add_argument("--bot-username", metavar="NAME", help="default: [survey] bot_username")

    check = _command(commands, "check-config", check_config, "validate the configuration")
    check.add_argument("--for-run", action="store_true", help="also require the bot token")
    return parser


def _survey_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = _command(commands, "survey", None, "satisfaction survey (SKM): officials' data")
    actions = survey.add_subparsers(dest="survey_command", required=True, metavar="ACTION")
    paper = _command(actions, "import", survey_import, "import paper forms from .csv or .xlsx")
    paper.add_argument("file", metavar="FILE", help="columns: " + ", ".join(FORM_COLUMNS))
    paper.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows, list the others"
    )
    population = _command(
        actions, "population", survey_population, "record a service's users in a month"
    )
    population.add_argument("--month", required=True, metavar="YYYY-MM")
    population.add_argument("--service", required=True, metavar="CODE")
    population.add_argument("--count", required=True, metavar="N", help="people served")
    export = _command(actions, "export", survey_export, "write the SKM report workbook (.xlsx)")
    export.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first day")
    export.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="last day")
    export.add_argument("--service", metavar="CODE", help="one service only (default: all)")
    export.add_argument("--out", required=True, metavar="FILE.xlsx")
    for action in (paper, population, export):
        action.add_argument("--lang", choices=("id", "en"), default="id", help="language of texts")


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
    config = load_config(path, require_token=require_token)
    logs.keep_secret(config.telegram.token, config.telegram.webhook_secret)
    return config


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines on standard error, secrets masked (see bot.logs); every command has it."""
    logs.configure(level)
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


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
        config,
        lambda database: export_register(
            database, config, period, out, texts, now, separator=args.separator
        ),
    )
    print(f"{out}: {count} complaints received {period.start} to {period.end}")
    return EXIT_OK


def export_workbook(args: argparse.Namespace) -> int:
    """Every IKU with its numerator and denominator, the SKM sheets, the register and the plans."""
    config = _config(args)
    from tqdm import tqdm

    from bot.performance_export import STEPS, export_performance
    from db.base import utcnow
    from i18n import catalog
    from iku.report import format_period

    if args.out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {args.out}: the workbook's name must end in .xlsx")
    if not args.out.parent.is_dir():
        raise UsageError(f"--out {args.out}: folder {args.out.parent} does not exist")
    now = utcnow()
    period = _period(config, args, now)
    t = catalog().for_language(args.lang)
    # The bar draws on a terminal only (tqdm leaves pipes and CI logs alone).
    with tqdm(total=STEPS, unit="step", file=sys.stderr, disable=None, leave=False) as bar:

        def step(label: str) -> None:
            bar.set_description(label)
            bar.update(1)

        _on_database(
            config,
            lambda database: export_performance(database, config, period, args.out, t, now, step),
        )
    print(t("workbook.written", file=args.out, period=format_period(period, t)))
    return EXIT_OK


def _period(config: Config, args: argparse.Namespace, now: datetime) -> Period:
    """The period of ``--from``/``--to`` (default: the year to date), or of ``--period`` where
    the command has it; a UsageError if reversed or unknown."""
    from bot.reporting import period_from_args

    words = getattr(args, "period", None)
    if words is not None:
        return _named_period(config, args, words, now)
    try:
        return period_from_args(config, args.start, args.end, now)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _named_period(config: Config, args: argparse.Namespace, words: str, now: datetime) -> Period:
    from iku.periods import local_today, read_period

    if args.start is not None or args.end is not None:
        raise UsageError("give --period or --from/--to, not both")
    try:
        return read_period(words, local_today(config.kecamatan.tz, now))
    except ValueError:
        raise UsageError(
            f'--period: unknown period {words!r}; e.g. "bulan lalu", "minggu ini", 2025-Q1'
        ) from None


def _on_database(config: Config, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run ``work`` on the configured database, migrated first, closed after."""
    from db import migrate
    from db.engine import Database

    async def run() -> T:
        database = Database(config.database.url)
        try:
            await migrate.upgrade_if_needed(database)
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


def import_plan(args: argparse.Namespace) -> int:
    """``program import`` / ``kegiatan import``: all rows checked first, then all written."""
    config = _config(args)
    from bot.data_entry import import_activities, import_programs
    from bot.tabular import TableError
    from db.base import utcnow
    from i18n import catalog
    from iku.periods import local_today

    t = catalog().for_language("id")
    now = utcnow()
    actor = f"cli:{args.file.name}"

    async def load(database: Database) -> Any:
        if args.entity == "program":
            return await import_programs(database, args.file, actor=actor, now=now)
        today = local_today(config.kecamatan.tz, now)
        return await import_activities(database, args.file, actor=actor, now=now, today=today)

    try:
        result = _on_database(config, load)
    except TableError as error:
        raise UsageError(error.describe(t)) from None
    for problem in result.errors:
        print(problem.describe(t), file=sys.stderr)
    if result.counts is None:
        print(t("table.nothing_imported", count=len(result.errors)), file=sys.stderr)
        return EXIT_FAILURE
    print(t("table.done", inserted=result.counts.inserted, updated=result.counts.updated))
    return EXIT_OK


def send_summary(args: argparse.Namespace) -> int:
    """Idempotent like the scheduled job: a week already delivered is not sent again."""
    config = _config(args, require_token=True)
    from telegram import Bot

    from bot.summary import deliver_summary, due_week
    from db.base import utcnow

    now = utcnow()
    week = args.week or due_week(config, now)
    if week is None:
        raise UsageError("no week is due yet by [schedule] weekly_summary; name one with --week")
    if not config.telegram.camat_chat_id:
        raise UsageError(f"{config_path(args)}: [telegram] camat_chat_id: not set")

    async def send(database: Database) -> str:
        bot = Bot(
            config.telegram.token,
            base_url=config.telegram.base_url,
            base_file_url=config.telegram.base_file_url,
        )
        async with bot:
            return await deliver_summary(bot, database, config, week, now, force=args.force)

    outcome = _on_database(config, send)
    print(f"{week.key}: {logs.redact(outcome)}")
    return EXIT_FAILURE if outcome.startswith("failed") else EXIT_OK


def render_summary(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.summary import build_summary
    from db.base import utcnow

    async def build(database: Database) -> bytes:
        return (await build_summary(database, config, args.week, utcnow())).chart

    chart = _on_database(config, build)
    try:
        args.out.write_bytes(chart)
    except OSError as error:
        raise UsageError(f"{args.out}: cannot be written: {error.strerror}") from None
    print(f"{args.out}: {len(chart):,} bytes")
    return EXIT_OK


def config_path(args: argparse.Namespace) -> Path:
    return resolve_path(args.config)


def _week(text: str) -> Any:
    from iku.periods import parse_week

    try:
        return parse_week(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a week like 2025-W07") from None


def survey_import(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.survey_files import Refused, import_paper_forms, problem_lines, summary_line
    from db.base import utcnow
    from i18n import catalog

    t = catalog().for_language(args.lang)
    try:
        outcome = asyncio.run(
            import_paper_forms(
                config, Path(args.file), skip_invalid=args.skip_invalid, now=utcnow()
            )
        )
    except Refused as refused:
        raise UsageError(refused.text(t)) from None
    for line in problem_lines(outcome, config, t):
        print(line, file=sys.stderr)
    if not outcome.stored:
        raise UsageError(summary_line(outcome, t))
    print(summary_line(outcome, t))
    return EXIT_OK


def survey_population(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.survey_files import Refused, check_population, population_line, record_population
    from db.base import utcnow
    from i18n import catalog

    t = catalog().for_language(args.lang)
    now = utcnow()
    try:
        entry = check_population(config, args.month, args.service, args.count, now)
    except Refused as refused:
        raise UsageError(refused.text(t)) from None
    asyncio.run(record_population(config, entry, recorded_by="cli", now=now))
    print(population_line(config, entry, t))
    return EXIT_OK


def survey_export(args: argparse.Namespace) -> int:
    config = _config(args)
    from db.base import utcnow
    from i18n import catalog

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {args.out}: the workbook's name must end in .xlsx")
    if args.service is not None and config.survey.service(args.service) is None:
        raise UsageError(f"--service {args.service}: not a code of [survey] services")
    service = None if args.service is None else args.service.upper()
    period = _period(config, args, utcnow())
    from bot.survey_export import gather, write_workbook
    from iku.report import format_period

    data = _on_database(config, lambda database: gather(database, config, period, service))
    t = catalog().for_language(args.lang)
    try:
        write_workbook(data, config, t, out)
    except OSError as error:
        raise UsageError(f"--out {args.out}: cannot be written: {error.strerror}") from None
    respondents = data.figures.respondents
    period_text = format_period(period, t)
    print(t("export.written", file=out, period=period_text, respondents=respondents))
    return EXIT_OK


def make_posters(args: argparse.Namespace) -> int:
    config = _config(args)
    from pathlib import Path

    if bool(args.all) == bool(args.service):
        raise UsageError("name one SERVICE, or give --all (not both)")
    username = args.bot_username or config.survey.bot_username
    if not username:
        raise UsageError("no bot username: pass --bot-username NAME or set [survey] bot_username")
    if args.all:
        services = list(config.survey.services)
    else:
        found = config.survey.service(args.service)
        if found is None:
            codes = ", ".join(s.code for s in config.survey.services)
            raise UsageError(f"unknown service {args.service!r}; codes: {codes}")
        services = [found]
    from bot.posters import deep_link, poster_png
    from i18n import catalog

    try:
        links = [deep_link(username, service.code) for service in services]
    except ValueError as error:
        raise UsageError(str(error)) from None
    out = Path(args.out)
    if args.all or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        targets = [out / f"skm_{service.code}.png" for service in services]
    else:
        targets = [out]
    t = catalog().for_language("id")  # the posters hang in an Indonesian office
    for service, link, target in zip(services, links, targets, strict=True):
        try:
            target.write_bytes(poster_png(service, link, config.kecamatan.name, t))
        except OSError as error:
            raise UsageError(f"{target}: cannot be written: {error.strerror}") from None
        print(f"{target}: {service.code} {link}")
    return EXIT_OK


def _date(text: str) -> date:
    """``YYYY-MM-DD`` only (``date.fromisoformat`` also takes 20250110 and 2025W021)."""
    from bot.tabular import parse_iso_date

    day = parse_iso_date(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-02-16")
    return day


def check_config(args: argparse.Namespace) -> int:
    path = resolve_path(args.config)
    load_config(path, require_token=args.for_run)
    print(f"{path}: OK")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
