"""The ``ajung-bot`` command line.

Exit codes: 0 success, 2 usage or configuration error, 1 any other failure. Errors are one line
on standard error, never a traceback. Heavy libraries are imported inside the commands that need
them, so ``ajung-bot --help`` and start-up stay fast.

What a command prints comes from the message catalog, in the command's ``--lang`` or else the
configuration's ``[bot] default_language``, numbers and dates in Indonesian format, like
everything else officials read. Three things stay English, for the engineer who deploys: the
``--help`` texts and argparse's own complaints (unknown option, missing argument), configuration
errors (:class:`bot.config.ConfigError`), and unexpected failures (the exception's name).
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
from bot.config import (
    Config,
    ConfigError,
    check_dashboard,
    check_webhooks,
    load_config,
    resolve_path,
)
from iku.survey_forms import COLUMNS as FORM_COLUMNS

if TYPE_CHECKING:
    from db.engine import Database
    from i18n import Texts
    from iku.periods import Period

T = TypeVar("T")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
# The database, the photos and the exports hold residents' data: whatever a command creates is
# readable by the account that runs the bot only (files 0600, folders 0700).
PRIVATE_UMASK = 0o077
ROLES = ("resident", "trantib", "camat", "sekcam", "pmks")
LANGUAGE_CHOICES = ("id", "en")
LANG_HELP = "language of what is printed (default: [bot] default_language)"


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


CONFIG_HELP = "config file (default: $AJUNG_BOT_CONFIG or ./config.toml)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ajung-bot",
        description="Telegram chatbot for a kecamatan's complaints, survey and IKU figures.",
    )
    parser.add_argument("--config", metavar="PATH", help=CONFIG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _command(commands, "run", run_bot, "serve Telegram (long polling, or a webhook)")
    run.add_argument("--webhook", metavar="URL", help="receive updates on this public HTTPS URL")

    chat = _command(commands, "chat", chat_locally, "talk to the bot in this terminal (no network)")
    chat.add_argument("--as", dest="role", choices=ROLES, default="resident", help="who you play")
    chat.add_argument("--database", metavar="URL", help="database URL (default: the config's)")
    chat.add_argument(
        "--channel",
        choices=("telegram", "whatsapp"),
        default="telegram",
        help="whatsapp: the resident's dialogues as WhatsApp shows them",
    )

    database = _command(commands, "db", None, "database schema migrations")
    db_commands = database.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    _command(db_commands, "upgrade", db_upgrade, "apply all migrations (also done at start)")
    down = _command(db_commands, "downgrade", db_downgrade, "revert to a revision")
    down.add_argument("revision", help="revision id, or 'base' for an empty database")
    _command(db_commands, "current", db_current, "print the schema revision")

    report = _command(commands, "report", show_report, "the four IKU figures of a period")
    report.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day")
    report.add_argument(
        "--period",
        metavar="PERIOD",
        help='instead of --from/--to: words ("bulan lalu", "minggu ini") or a code (2025-Q1)',
    )
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--lang", choices=LANGUAGE_CHOICES, help=LANG_HELP)

    book = _command(commands, "export", export_workbook, "one workbook for the performance report")
    book.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    book.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day")
    book.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    book.add_argument("--lang", choices=LANGUAGE_CHOICES, help=LANG_HELP)

    register = _command(commands, "complaints", None, "the complaint register (IKU 4)")
    register_commands = register.add_subparsers(
        dest="complaints_command", required=True, metavar="ACTION"
    )
    export = _command(
        register_commands, "export", export_complaints, "write the register to .xlsx or .csv"
    )
    export.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day received")
    export.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day")
    export.add_argument(
        "--out", required=True, metavar="FILE", help="FILE.xlsx (Excel) or FILE.csv"
    )
    export.add_argument("--lang", choices=LANGUAGE_CHOICES, help=LANG_HELP)
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
    send.add_argument("--week", metavar="YYYY-Www", help="default: the week now due")
    send.add_argument("--force", action="store_true", help="send even if already delivered")
    chart = _command(commands, "summary", render_summary, "write the weekly summary's chart")
    chart.add_argument("--week", metavar="YYYY-Www", required=True)
    chart.add_argument("--out", type=Path, metavar="FILE.png", required=True)
    _survey_commands(commands)
    qr = _command(commands, "qr", make_posters, "printable QR posters that open the survey")
    qr.add_argument("service", nargs="?", metavar="SERVICE", help="service code, e.g. KTP")
    qr.add_argument("--all", action="store_true", help="one poster per configured service")
    qr.add_argument("--out", required=True, metavar="PATH", help="FILE.png, or a folder")
    qr.add_argument("--bot-username", metavar="NAME", help="default: [survey] bot_username")
    qr.add_argument(
        "--channel",
        choices=("telegram", "whatsapp"),
        default="telegram",
        help="whatsapp: a wa.me link to [whatsapp] display_number with the service in the text",
    )

    _command(commands, "web", serve_web, "serve the officials' dashboard alone ([web])")
    link = _command(commands, "web-link", web_link, "print a one-time dashboard sign-in link")
    link.add_argument("--user", required=True, metavar="ID", help="a Telegram id in [roles]")
    link.add_argument("--lang", choices=LANGUAGE_CHOICES, help=LANG_HELP)

    check = _command(commands, "check-config", check_config, "validate the configuration")
    check.add_argument("--for-run", action="store_true", help="also require the bot token")
    check.add_argument(
        "--webhook", metavar="URL", help="as `run --webhook URL` would use it (ports must differ)"
    )
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
    export.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    export.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day")
    export.add_argument("--service", metavar="CODE", help="one service only (default: all)")
    export.add_argument("--out", required=True, metavar="FILE.xlsx")
    for action in (paper, population, export):
        action.add_argument("--lang", choices=LANGUAGE_CHOICES, help=LANG_HELP)


def _command(
    group: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int | None] | None,
    help_text: str,
) -> argparse.ArgumentParser:
    parser = group.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    # `ajung-bot run --config x.toml` works as well as `ajung-bot --config x.toml run`:
    # SUPPRESS keeps an outer --config when this one is not given.
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=CONFIG_HELP)
    return parser


def _config(
    args: argparse.Namespace, *, require_token: bool = False, local: bool = False
) -> Config:
    path = resolve_path(args.config, fallback_to_example=local)
    config = load_config(path, require_token=require_token)
    whatsapp = config.whatsapp
    logs.keep_secret(
        config.telegram.token,
        config.telegram.webhook_secret,
        whatsapp.access_token,
        whatsapp.app_secret,
        whatsapp.verify_token,
    )
    return config


def _texts(config: Config, args: argparse.Namespace) -> Texts:
    """The catalog in the command's ``--lang``, else the configuration's default language."""
    from i18n import catalog

    return catalog().for_language(getattr(args, "lang", None) or config.bot.default_language)


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines on standard error, secrets masked (see bot.logs); every command has it."""
    logs.configure(level)
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for chatty in ("apscheduler", "alembic"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def run_bot(args: argparse.Namespace) -> int:
    config = _config(args, require_token=True)
    if args.webhook:
        check_webhooks(config_path(args), config)
    check_dashboard(config_path(args), config, webhook=bool(args.webhook))
    configure_logging()
    from bot.runner import serve

    asyncio.run(serve(config, webhook_url=args.webhook, config_path=config_path(args)))
    return EXIT_OK


def chat_locally(args: argparse.Namespace) -> int:
    config = _config(args, local=True)
    configure_logging(logging.WARNING)
    from bot.local import chat, local_config, log_path

    if args.channel == "whatsapp" and args.role != "resident":
        raise UsageError(_texts(config, args)("cli.whatsapp_resident_only"))
    # The terminal is the conversation: log lines go to a file beside the database.
    logged_to = log_path(local_config(config, args.role, args.database))
    with logs.to_file(logged_to, logging.INFO):
        print(_texts(config, args)("cli.local_log", path=logged_to))
        if args.channel == "whatsapp":
            from bot.whatsapp import local

            asyncio.run(local.chat(local_config(config, "resident", args.database)))
        else:
            asyncio.run(chat(config, role=args.role, database_url=args.database))
    return EXIT_OK


def db_upgrade(args: argparse.Namespace) -> int:
    from db import migrate

    config = _config(args)
    revision = asyncio.run(migrate.run_on_url(config.database.url, migrate.upgrade))
    print(_texts(config, args)("cli.db_revision", revision=revision))
    return EXIT_OK


def db_downgrade(args: argparse.Namespace) -> int:
    from db import migrate

    config = _config(args)
    url = config.database.url
    revision = asyncio.run(migrate.run_on_url(url, migrate.downgrade, args.revision))
    print(_texts(config, args)("cli.db_revision", revision=revision or "base"))
    return EXIT_OK


def db_current(args: argparse.Namespace) -> int:
    """The bare revision id (or "base"): a value for scripts, like ``git rev-parse``."""
    from db import migrate

    revision = asyncio.run(migrate.run_on_url(_config(args).database.url, None))
    print(revision or "base")
    return EXIT_OK


def show_report(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.reporting import build_report
    from db.base import utcnow
    from iku.report import render_text, report_json

    now = utcnow()
    t = _texts(config, args)
    period = _period(config, args, now, t)
    report = _on_database(config, lambda database: build_report(database, config, period, now))
    if args.format == "json":
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_text(report, t))
    return EXIT_OK


def export_complaints(args: argparse.Namespace) -> int:
    """The complaints received in the period (default: the year to date), one row each."""
    config = _config(args)
    from bot.export import FORMATS, export_register
    from db.base import utcnow
    from iku.format import format_number
    from iku.report import format_period

    texts = _texts(config, args)
    out = Path(args.out)
    if out.suffix.lower() not in FORMATS:
        raise UsageError(texts("cli.out_register_suffix", file=out))
    _check_folder(out, texts)
    now = utcnow()
    period = _period(config, args, now, texts)
    count = _on_database(
        config,
        lambda database: export_register(
            database, config, period, out, texts, now, separator=args.separator
        ),
    )
    print(
        texts(
            "cli.register_written",
            file=out,
            count=format_number(count),
            period=format_period(period, texts),
        )
    )
    return EXIT_OK


def export_workbook(args: argparse.Namespace) -> int:
    """Every IKU with its numerator and denominator, the SKM sheets, the register and the plans."""
    config = _config(args)
    from tqdm import tqdm

    from bot.performance_export import STEPS, export_performance
    from db.base import utcnow
    from iku.report import format_period

    t = _texts(config, args)
    if args.out.suffix.lower() != ".xlsx":
        raise UsageError(t("cli.out_workbook_suffix", file=args.out))
    _check_folder(args.out, t)
    now = utcnow()
    period = _period(config, args, now, t)
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


def _period(config: Config, args: argparse.Namespace, now: datetime, t: Texts) -> Period:
    """The period of ``--from``/``--to`` (default: the year to date), or of ``--period`` where
    the command has it; a UsageError if a date is no date, reversed or unknown."""
    from bot.reporting import period_from_args
    from iku.periods import local_today
    from iku.report import format_date

    start, end = _day(args.start, "--from", t), _day(args.end, "--to", t)
    words = getattr(args, "period", None)
    if words is not None:
        return _named_period(config, start or end, words, now, t)
    try:
        return period_from_args(config, start, end, now)
    except ValueError:
        end = end or local_today(config.kecamatan.tz, now)
        start = start or end
        raise UsageError(
            t("cli.period_reversed", start=format_date(start, t), end=format_date(end, t))
        ) from None


def _named_period(
    config: Config, dated: date | None, words: str, now: datetime, t: Texts
) -> Period:
    from iku.periods import local_today, read_period

    if dated is not None:
        raise UsageError(t("cli.period_twice"))
    try:
        return read_period(words, local_today(config.kecamatan.tz, now))
    except ValueError:
        raise UsageError(t("cli.period_unknown", value=words)) from None


def _day(text: str | None, option: str, t: Texts) -> date | None:
    """``YYYY-MM-DD`` only (``date.fromisoformat`` also takes 20250110 and 2025W021)."""
    from bot.tabular import parse_iso_date

    if text is None:
        return None
    day = parse_iso_date(text)
    if day is None:
        raise UsageError(t("cli.not_a_date", option=option, value=text))
    return day


def _check_folder(out: Path, t: Texts) -> None:
    if not out.parent.is_dir():
        raise UsageError(t("cli.out_folder", file=out, folder=out.parent))


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
    from iku.format import format_number
    from iku.periods import local_today

    t = _texts(config, args)
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
        print(t("table.nothing_imported", count=format_number(len(result.errors))), file=sys.stderr)
        return EXIT_FAILURE
    counts = result.counts
    inserted, updated = format_number(counts.inserted), format_number(counts.updated)
    print(t("table.done", inserted=inserted, updated=updated))
    return EXIT_OK


def send_summary(args: argparse.Namespace) -> int:
    """Idempotent like the scheduled job: a week already delivered is not sent again."""
    config = _config(args, require_token=True)
    from telegram import Bot

    from bot.summary import deliver_summary, due_week
    from db.base import utcnow

    now = utcnow()
    t = _texts(config, args)
    week = _week(args.week, t) if args.week else due_week(config, now)
    if week is None:
        raise UsageError(t("cli.no_week_due"))
    if not config.telegram.camat_chat_id:
        raise ConfigError(f"{config_path(args)}: [telegram] camat_chat_id: not set")

    async def send(database: Database) -> str:
        bot = Bot(
            config.telegram.token,
            base_url=config.telegram.base_url,
            base_file_url=config.telegram.base_file_url,
        )
        async with bot:
            return await deliver_summary(bot, database, config, week, now, force=args.force)

    outcome = _on_database(config, send)
    print(_summary_outcome(outcome, week, t))
    return EXIT_FAILURE if outcome.startswith("failed") else EXIT_OK


def _summary_outcome(outcome: str, week: Period, t: Texts) -> str:
    """What happened to the week's summary, in words (see :func:`bot.summary.deliver_summary`)."""
    from iku.summary import format_days

    status, _, reason = outcome.partition(": ")
    key = {"sent": "cli.summary_sent", "already-sent": "cli.summary_already_sent"}
    return t(
        key.get(status, "cli.summary_failed"),
        days=format_days(week, t),
        week=week.key,
        reason=logs.redact(reason or outcome),
    )


def render_summary(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.summary import build_summary
    from db.base import utcnow
    from iku.format import format_number
    from iku.summary import format_days

    t = _texts(config, args)
    week = _week(args.week, t)

    async def build(database: Database) -> bytes:
        return (await build_summary(database, config, week, utcnow())).chart

    chart = _on_database(config, build)
    _write(args.out, chart, t)
    size = format_number(len(chart))
    print(t("cli.chart_written", file=args.out, days=format_days(week, t), size=size))
    return EXIT_OK


def _write(out: Path, content: bytes, t: Texts) -> None:
    try:
        out.write_bytes(content)
    except OSError as error:
        raise UsageError(t("cli.unwritable", file=out, reason=error.strerror)) from None


def config_path(args: argparse.Namespace) -> Path:
    return resolve_path(args.config)


def _week(text: str, t: Texts) -> Period:
    from iku.periods import parse_week

    try:
        return parse_week(text)
    except ValueError:
        raise UsageError(t("cli.not_a_week", value=text)) from None


def survey_import(args: argparse.Namespace) -> int:
    config = _config(args)
    from bot.survey_files import Refused, import_paper_forms, problem_lines, summary_line
    from db.base import utcnow

    t = _texts(config, args)
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

    t = _texts(config, args)
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
    from iku.format import format_number

    t = _texts(config, args)
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(t("cli.out_workbook_suffix", file=args.out))
    if args.service is not None and config.survey.service(args.service) is None:
        raise UsageError(t("cli.service_option", code=args.service))
    service = None if args.service is None else args.service.upper()
    period = _period(config, args, utcnow(), t)
    from bot.survey_export import gather, write_workbook
    from iku.report import format_period

    data = _on_database(config, lambda database: gather(database, config, period, service))
    try:
        write_workbook(data, config, t, out)
    except OSError as error:
        raise UsageError(t("cli.unwritable", file=out, reason=error.strerror)) from None
    respondents = format_number(data.figures.respondents)
    period_text = format_period(period, t)
    print(t("export.written", file=out, period=period_text, respondents=respondents))
    return EXIT_OK


def make_posters(args: argparse.Namespace) -> int:
    config = _config(args)
    t = _texts(config, args)
    if bool(args.all) == bool(args.service):
        raise UsageError(t("cli.service_or_all"))
    if args.all:
        services = list(config.survey.services)
    else:
        found = config.survey.service(args.service)
        if found is None:
            codes = ", ".join(s.code for s in config.survey.services)
            raise UsageError(t("cli.unknown_service", code=args.service, codes=codes))
        services = [found]
    from bot.posters import poster_png
    from i18n import catalog

    on_poster = catalog().for_language("id")  # the posters hang in an Indonesian office
    links = _poster_links(args, config, services, on_poster, t)
    out = Path(args.out)
    suffix = "_whatsapp" if args.channel == "whatsapp" else ""
    if args.all or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        targets = [out / f"skm_{service.code}{suffix}.png" for service in services]
    else:
        targets = [out]
    for service, (link, shown), target in zip(services, links, targets, strict=True):
        png = poster_png(service, link, config.kecamatan.name, on_poster, shown=shown)
        _write(target, png, t)
        print(t("cli.poster_written", file=target, service=service.code, link=link))
    return EXIT_OK


def _poster_links(
    args: argparse.Namespace, config: Config, services: list[Any], on_poster: Texts, t: Texts
) -> list[tuple[str, str | None]]:
    """Each service's link, and what the poster prints under the code (None: the link)."""
    from bot.posters import deep_link, whatsapp_link

    if args.channel == "whatsapp":
        number = config.whatsapp.display_number
        if not number:
            raise UsageError(t("cli.no_whatsapp_number"))
        return [
            (
                whatsapp_link(
                    number, on_poster("whatsapp.survey_prefill", service=s.name, code=s.code)
                ),
                f"WhatsApp +{number}",
            )
            for s in services
        ]
    username = args.bot_username or config.survey.bot_username
    if not username:
        raise UsageError(t("cli.no_username"))
    try:
        return [(deep_link(username, service.code), None) for service in services]
    except ValueError:
        raise UsageError(t("cli.bad_username", name=username)) from None


def serve_web(args: argparse.Namespace) -> int:
    """The dashboard alone (a separate host, or beside a bot run elsewhere on the same
    database), until SIGTERM or SIGINT."""
    config = _config(args)
    configure_logging()
    from bot.web.server import serve_alone

    asyncio.run(serve_alone(config, config_path(args)))
    return EXIT_OK


def web_link(args: argparse.Namespace) -> int:
    """A sign-in link for an official, as ``/web`` sends it (valid 10 minutes, once)."""
    config = _config(args)
    t = _texts(config, args)
    from bot.web.links import issue_link, may_sign_in
    from db.base import utcnow

    try:
        user_id = int(args.user)
    except ValueError:
        raise UsageError(t("cli.web_user_not_official", user=args.user)) from None
    if not may_sign_in(config, user_id):
        raise UsageError(t("cli.web_user_not_official", user=args.user))
    print(_on_database(config, lambda database: issue_link(database, config, user_id, utcnow())))
    return EXIT_OK


def check_config(args: argparse.Namespace) -> int:
    path = resolve_path(args.config)
    config = load_config(path, require_token=args.for_run)
    if args.webhook:
        check_webhooks(path, config)
    check_dashboard(path, config, webhook=bool(args.webhook))
    print(_texts(config, args)("cli.config_ok", file=path))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
