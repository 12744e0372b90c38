"""Configuration: one TOML file validated at start into frozen, typed objects.

Where the file comes from: ``--config PATH``, else ``$AJUNG_BOT_CONFIG``, else ``./config.toml``.
Secrets may come from the environment instead of the file (``TELEGRAM_BOT_TOKEN``). Every
mistake becomes a :class:`ConfigError` whose message is one line naming the file and the key, so
the CLI can print it and exit with code 2 instead of showing a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from iku.complaints import ClockRules
from iku.trend import Targets

ENV_CONFIG = "AJUNG_BOT_CONFIG"
ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
# WhatsApp's secrets may come from the environment too: (key of [whatsapp], variable).
WHATSAPP_ENV = (
    ("access_token", "WHATSAPP_ACCESS_TOKEN"),
    ("app_secret", "WHATSAPP_APP_SECRET"),
    ("verify_token", "WHATSAPP_VERIFY_TOKEN"),
)
DEFAULT_PATH = Path("config.toml")
# The example doubles as the configuration of local mode when nobody wrote a config.toml yet.
EXAMPLE_PATH = Path(__file__).resolve().parent.parent / "config.example.toml"


class ConfigError(Exception):
    """A configuration problem, worded as one line for the person who deploys the bot."""


class _Section(BaseModel):
    # Frozen: configuration is read once and shared by every handler and job.
    # extra="forbid": a misspelt key is an error, not a silently ignored line.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


ChatId = Annotated[int, Field(description="Telegram chat id; 0 means not set")]
# The drivers the bot is built and tested for: both are asynchronous.
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
# Telegram's rule for a webhook's secret_token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# A bot token from @BotFather: the bot's numeric id, a colon, the secret part.
BOT_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
# WhatsApp: a business number as people dial it, a Graph API version, the webhook's path,
# an approved template's name and language, a secret that travels in an HTTP header.
DIGITS = re.compile(r"[0-9]+")
DISPLAY_NUMBER = re.compile(r"[0-9]{8,15}")
API_VERSION = re.compile(r"v[0-9]+\.[0-9]+")
WEBHOOK_PATH = re.compile(r"/[A-Za-z0-9_\-./]*")
TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
TEMPLATE_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


def _shaped(pattern: re.Pattern[str], value: str, reason: str, *, optional: bool = False) -> str:
    """``value`` if it matches ``pattern`` whole (or, ``optional``, is empty: not set); else
    ValueError with ``reason``."""
    if not (optional and not value) and not pattern.fullmatch(value):
        raise ValueError(reason)
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http:// or https:// URL")
    return value


def _distinct_labels(value: tuple[str, ...], one: str, many: str) -> tuple[str, ...]:
    """Choices people tap (desa, categories): each 1 to 100 characters, no two alike."""
    if any(not label.strip() or len(label) > 100 for label in value):
        raise ValueError(f"every {one} needs 1 to 100 characters")
    if len(set(value)) != len(value):
        raise ValueError(f"{many} must be different from each other")
    return value


class KecamatanConfig(_Section):
    name: str = "Ajung"
    kabupaten: str = "Jember"
    timezone: str = "Asia/Jakarta"
    desa: tuple[str, ...] = (
        "Ajung",
        "Klompangan",
        "Mangaran",
        "Pancakarya",
        "Rowoindah",
        "Sukamakmur",
        "Wirowongso",
    )
    # The office's contact, shown in /bantuan and to residents whose report is for another
    # kecamatan; empty: not shown.
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=100)
    office_hours: str = Field(default="", max_length=200)

    @field_validator("desa")
    @classmethod
    def _desa(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one desa is needed: residents choose theirs when reporting")
        return _distinct_labels(value, "desa", "desa")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TelegramConfig(_Section):
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    camat_chat_id: ChatId = 0
    trantib_chat_id: ChatId = 0
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: str = ""

    # The values below are secrets: a message about them never repeats them.
    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        if value and not BOT_TOKEN.fullmatch(value):
            raise ValueError("not a bot token like 123456789:AAH... from @BotFather")
        return value

    @field_validator("base_url", "base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str) -> str:
        if value and not WEBHOOK_SECRET.fullmatch(value):
            raise ValueError(
                "Telegram accepts 1 to 256 of A-Z, a-z, 0-9, _ and - (empty: a random one)"
            )
        return value


class RolesConfig(_Section):
    camat: tuple[int, ...] = ()
    sekcam: tuple[int, ...] = ()
    trantib: tuple[int, ...] = ()
    pmks: tuple[int, ...] = ()

    @field_validator("camat", "sekcam", "trantib", "pmks")
    @classmethod
    def _people(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        # /id in a group answers with the group's id too, which is negative.
        for user_id in value:
            if user_id <= 0:
                raise ValueError(
                    f"{user_id} is a group's id; a role lists people's ids (from /id in a "
                    "private chat with the bot)"
                )
        return value

    def has(self, user_id: int, *roles: str) -> bool:
        """Whether ``user_id`` holds any of ``roles`` (names of this section's fields)."""
        return any(user_id in getattr(self, role) for role in roles)


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///data/ajung.db"

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        # The URL may hold a password: a message about it names the driver at most.
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        usage = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:PORT/NAME"
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(f"not a database URL; use {usage}") from None
        if url.drivername not in DATABASE_DRIVERS:
            raise ValueError(f"{url.drivername!r} is not supported; use {usage}")
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            raise ValueError("names no database file; use sqlite+aiosqlite:///PATH")
        return value


class ScheduleConfig(_Section):
    weekly_summary: str = "0 7 * * mon"

    @field_validator("weekly_summary")
    @classmethod
    def _crontab(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a crontab line ({exc})") from None
        return value


class TargetsConfig(_Section):
    """The year's targets (percent) the weekly chart colours IKU 1, 3 and 4 by (green: reached;
    yellow: less than 10 points below; red: further). Copy them from the Perjanjian Kinerja."""

    program_percent: float = Field(default=Targets.program, ge=0, le=100)
    empowerment_percent: float = Field(default=Targets.empowerment, ge=0, le=100)
    complaints_percent: float = Field(default=Targets.complaints, ge=0, le=100)

    @property
    def targets(self) -> Targets:
        return Targets(self.program_percent, self.empowerment_percent, self.complaints_percent)


class ConversationConfig(_Section):
    """How long dialogues wait for an answer.

    A dialogue holding typed work (a report, a survey, an official's entry) keeps it
    ``draft_days``, with one reminder after ``reminder_hours`` of silence (0: none). A dialogue
    whose remaining step is optional (the comment after a rating) ends quietly after
    ``idle_timeout_minutes``, so that a later message is not taken for the comment.
    """

    idle_timeout_minutes: int = Field(default=30, ge=1)
    draft_days: int = Field(default=3, ge=1, le=30)
    reminder_hours: int = Field(default=4, ge=0)
    sweep_interval_seconds: int = Field(default=60, ge=5)
    persistence_interval_seconds: float = Field(default=60.0, gt=0)

    @field_validator("reminder_hours")
    @classmethod
    def _reminder_before_the_end(cls, value: int, info: ValidationInfo) -> int:
        days = info.data.get("draft_days")
        if value and days is not None and value >= days * 24:
            raise ValueError(f"{value} hours is not before the end of a draft (draft_days {days})")
        return value


class SurveyService(_Section):
    """One service residents rate: a short code (deep links, callback data, import files) and the
    Indonesian name people read."""

    code: str = Field(pattern=r"^[A-Z0-9]{1,16}$")
    name: str = Field(min_length=1, max_length=60)


class SurveyConfig(_Section):
    """The satisfaction survey (SKM, IKU 2)."""

    services: tuple[SurveyService, ...] = (
        SurveyService(code="KTP", name="Pengantar KTP-el dan KK"),
        SurveyService(code="SKET", name="Surat keterangan"),
        SurveyService(code="LEGAL", name="Legalisasi dokumen"),
        SurveyService(code="REKOM", name="Surat rekomendasi"),
        SurveyService(code="IUMK", name="Izin Usaha Mikro Kecil (IUMK)"),
        SurveyService(code="RAMAI", name="Izin keramaian"),
        SurveyService(code="NIKAH", name="Dispensasi nikah"),
        SurveyService(code="LAIN", name="Layanan lainnya"),
    )
    daily_limit_per_service: int = Field(default=1, ge=0)
    bot_username: str = Field(default="", pattern=r"^(@?[A-Za-z][A-Za-z0-9_]{4,31})?$")
    max_import_bytes: int = Field(default=5_000_000, ge=1)

    @field_validator("services")
    @classmethod
    def _distinct_codes(cls, value: tuple[SurveyService, ...]) -> tuple[SurveyService, ...]:
        if not value:
            raise ValueError("at least one service is needed")
        codes = [service.code for service in value]
        if len(set(codes)) != len(codes):
            raise ValueError(f"service codes must be distinct: {codes}")
        return value

    def service(self, code: str) -> SurveyService | None:
        """The service with ``code`` (any case), or None when the code is not configured."""
        wanted = code.strip().upper()
        return next((s for s in self.services if s.code == wanted), None)


class BotConfig(_Section):
    default_language: str = Field(default="id", pattern="^(id|en)$")


class ComplaintsConfig(_Section):
    """Public-order complaints (laporan trantib, IKU 4): codes, choices, limits and clocks."""

    tracking_prefix: str = Field(default="TRB", pattern="^[A-Z]{2,10}$")
    categories: tuple[str, ...] = Field(
        default=(
            "Kebisingan/keributan",
            "Perkelahian/tawuran",
            "Minuman keras",
            "Perjudian",
            "Pedagang kaki lima (PKL) liar",
            "Parkir liar",
            "Gelandangan, pengemis dan anak jalanan",
            "Bangunan/reklame liar",
            "Asusila",
            "Lainnya",
        ),
        min_length=1,
    )
    max_open_per_resident: int = Field(default=3, ge=1)
    verify_days: int = Field(default=3, ge=0)
    plan_days: int = Field(default=5, ge=0)
    limit_days: int = Field(default=60, ge=1)
    holidays: tuple[str, ...] = ()
    overdue_report_time: str = "07:30"
    photo_dir: str = Field(default="data/photos", min_length=1)
    max_photos: int = Field(default=3, ge=0, le=10)
    description_min: int = Field(default=10, ge=1)
    description_max: int = Field(default=2000, ge=1, le=3500)
    note_timeout_minutes: int = Field(default=30, ge=1, le=1440)

    @field_validator("categories")
    @classmethod
    def _labels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _distinct_labels(value, "category", "categories")

    @field_validator("limit_days")
    @classmethod
    def _limit_after_plan(cls, value: int, info: ValidationInfo) -> int:
        # The plan is due verify_days + plan_days after receipt: it must not come after the end.
        verify, plan = info.data.get("verify_days"), info.data.get("plan_days")
        if verify is not None and plan is not None and value < verify + plan:
            raise ValueError(f"{value} is below verify_days + plan_days ({verify + plan})")
        return value

    @field_validator("description_max")
    @classmethod
    def _max_above_min(cls, value: int, info: ValidationInfo) -> int:
        minimum = info.data.get("description_min")
        if minimum is not None and value < minimum:
            raise ValueError(f"{value} is below description_min ({minimum})")
        return value

    @field_validator("holidays")
    @classmethod
    def _dates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(f"not a date like 2025-03-31: {text!r}")
            try:
                date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"not a date like 2025-03-31: {text!r}") from None
        return value

    @field_validator("overdue_report_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError(f"not a time like 07:30: {value!r}")
        return value

    @property
    def clock_rules(self) -> ClockRules:
        """The SP4N-LAPOR! working-day clocks with the configured holidays."""
        return ClockRules(
            verify_days=self.verify_days,
            plan_days=self.plan_days,
            limit_days=self.limit_days,
            holidays=frozenset(date.fromisoformat(day) for day in self.holidays),
        )

    def overdue_report_at(self, tz: ZoneInfo) -> time:
        """``overdue_report_time`` as an aware local time of day."""
        hour, minute = (int(part) for part in self.overdue_report_time.split(":"))
        return time(hour, minute, tzinfo=tz)


class WhatsAppTemplates(_Section):
    """Message templates approved by Meta, sent when a resident's 24-hour window is closed."""

    status_update: str = "ajung_kabar_laporan"
    # WhatsApp's language code of each bot language the templates were approved in.
    language_id: str = "id"
    language_en: str = "en"

    @field_validator("status_update")
    @classmethod
    def _template_name(cls, value: str) -> str:
        reason = "a template name is 1 to 512 of a-z, 0-9 and _, as in WhatsApp Manager"
        return _shaped(TEMPLATE_NAME, value, reason)

    @field_validator("language_id", "language_en")
    @classmethod
    def _language_code(cls, value: str) -> str:
        reason = "not a WhatsApp language code like id, en or en_US"
        return _shaped(TEMPLATE_LANGUAGE, value, reason)

    def language(self, bot_language: str) -> str:
        """The template language for a resident who reads ``bot_language`` (id or en)."""
        return self.language_en if bot_language == "en" else self.language_id


class WhatsAppConfig(_Section):
    """Residents on WhatsApp (Cloud API); officials stay in Telegram."""

    enabled: bool = False
    phone_number_id: str = ""
    display_number: str = ""
    access_token: str = ""
    app_secret: str = ""
    verify_token: str = ""
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v23.0"
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    path: str = "/whatsapp"
    templates: WhatsAppTemplates = WhatsAppTemplates()

    @field_validator("phone_number_id", mode="before")
    @classmethod
    def _digits_as_text(cls, value: object) -> object:
        # The id is a long number; TOML lets people write it with or without quotes.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("phone_number_id")
    @classmethod
    def _number_id(cls, value: str) -> str:
        reason = "the phone number's id is digits only (WhatsApp Manager, API Setup)"
        return _shaped(DIGITS, value, reason, optional=True)

    @field_validator("display_number")
    @classmethod
    def _display_number(cls, value: str) -> str:
        reason = "8 to 15 digits in international form, without + or spaces, e.g. 6281234567890"
        return _shaped(DISPLAY_NUMBER, value, reason, optional=True)

    # The values below are secrets: a message about them never repeats them.
    @field_validator("access_token", "app_secret", "verify_token")
    @classmethod
    def _secret(cls, value: str) -> str:
        # Sent in HTTP headers or compared with what Meta sends: a stray line break or space
        # from copying would make every call fail later, in a less clear way.
        reason = "has spaces or characters outside ASCII; copy it again from Meta"
        return _shaped(HEADER_SAFE, value, reason, optional=True)

    @field_validator("graph_url")
    @classmethod
    def _graph_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        return _shaped(API_VERSION, value, "not a Graph API version like v23.0")

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        reason = "a URL path like /whatsapp: / then letters, digits, - _ . /"
        return _shaped(WEBHOOK_PATH, value, reason)

    @property
    def messages_url(self) -> str:
        """Where messages are sent: ``{graph_url}/{api_version}/{phone_number_id}/messages``."""
        return f"{self.graph_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"


class WebConfig(_Section):
    """The officials' dashboard in a browser (``ajung-bot web``, or with ``run`` when enabled)."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # The address officials open, as the reverse proxy publishes it; sign-in links start with it.
    base_url: str = "http://127.0.0.1:8080"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        return _http_url(value).rstrip("/")

    @field_validator("tile_url")
    @classmethod
    def _tile_url(cls, value: str) -> str:
        if value and not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("a tile URL needs {z}, {x} and {y} (empty: no map)")
        return _http_url(value) if value else value

    @property
    def secure(self) -> bool:
        """Whether the dashboard is reached over HTTPS (its cookies are then Secure)."""
        return self.base_url.startswith("https://")


class Config(_Section):
    kecamatan: KecamatanConfig = KecamatanConfig()
    telegram: TelegramConfig = TelegramConfig()
    roles: RolesConfig = RolesConfig()
    database: DatabaseConfig = DatabaseConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    targets: TargetsConfig = TargetsConfig()
    conversation: ConversationConfig = ConversationConfig()
    bot: BotConfig = BotConfig()
    survey: SurveyConfig = SurveyConfig()
    complaints: ComplaintsConfig = ComplaintsConfig()
    whatsapp: WhatsAppConfig = WhatsAppConfig()
    web: WebConfig = WebConfig()


def resolve_path(cli_path: str | None, *, fallback_to_example: bool = False) -> Path:
    """The config file to read: CLI flag, then environment, then ./config.toml.

    With ``fallback_to_example`` (local mode) and none of those present, the shipped example is
    used so that a newcomer can try the bot before writing any configuration.
    """
    if cli_path:
        return Path(cli_path)
    if env_path := os.environ.get(ENV_CONFIG):
        return Path(env_path)
    if fallback_to_example and not DEFAULT_PATH.exists():
        return EXAMPLE_PATH
    return DEFAULT_PATH


def load_config(path: Path, *, require_token: bool = False) -> Config:
    """Read and validate ``path``; raise :class:`ConfigError` with a one-line reason."""
    raw = _read_toml(path)
    _from_environment(raw, "telegram", (("token", ENV_TOKEN),))
    _from_environment(raw, "whatsapp", WHATSAPP_ENV)
    try:
        config = Config.model_validate(_tuples(raw))
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    if require_token and not config.telegram.token:
        raise ConfigError(
            f"{path}: [telegram] token: missing; set it in the file or in ${ENV_TOKEN}"
        )
    if require_token:
        _check_whatsapp(path, config.whatsapp)
    return config


def _from_environment(raw: dict[str, Any], section: str, keys: tuple[tuple[str, str], ...]) -> None:
    """Secrets set in the environment win over the file."""
    for key, variable in keys:
        if value := os.environ.get(variable):
            raw.setdefault(section, {})
            if isinstance(raw[section], dict):
                raw[section][key] = value


def _check_whatsapp(path: Path, whatsapp: WhatsAppConfig) -> None:
    """What ``run`` needs when WhatsApp is on: the number's id and the three secrets."""
    if not whatsapp.enabled:
        return
    if not whatsapp.phone_number_id:
        raise ConfigError(
            f"{path}: [whatsapp] phone_number_id: missing (WhatsApp Manager, API Setup)"
        )
    for key, variable in WHATSAPP_ENV:
        if not getattr(whatsapp, key):
            raise ConfigError(
                f"{path}: [whatsapp] {key}: missing; set it in the file or in ${variable}"
            )


def check_webhooks(path: Path, config: Config) -> None:
    """With ``run --webhook``, Telegram's webhook server and WhatsApp's cannot share a port."""
    telegram, whatsapp = config.telegram, config.whatsapp
    if whatsapp.enabled and (telegram.webhook_listen, telegram.webhook_port) == (
        whatsapp.listen,
        whatsapp.port,
    ):
        raise ConfigError(
            f"{path}: [whatsapp] port: {whatsapp.port} on {whatsapp.listen} is already "
            "[telegram] webhook_port; give one of them another port"
        )


def check_dashboard(path: Path, config: Config, *, webhook: bool) -> None:
    """With ``[web] enabled``, ``run`` serves the dashboard beside the webhooks: not on a port
    one of them already takes."""
    web = config.web
    if not web.enabled:
        return
    taken = []
    if webhook:
        taken.append(("[telegram] webhook_port", config.telegram.webhook_listen,
                      config.telegram.webhook_port))  # fmt: skip
    if config.whatsapp.enabled:
        taken.append(("[whatsapp] port", config.whatsapp.listen, config.whatsapp.port))
    for name, listen, port in taken:
        if (web.listen, web.port) == (listen, port) and port != 0:
            raise ConfigError(
                f"{path}: [web] port: {port} on {listen} is already {name}; "
                "give one of them another port"
            )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found; copy config.example.toml to config.toml, "
            f"or point --config or ${ENV_CONFIG} at your file"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        # "-sig": a byte-order mark, as some Windows editors write, is not an error.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}: not UTF-8 text (line {line}); save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _tuples(value: Any) -> Any:
    """TOML arrays as tuples, so strict validation accepts them for the frozen tuple fields."""
    if isinstance(value, dict):
        return {key: _tuples(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def _describe(path: Path, exc: ValidationError) -> str:
    """The first validation error as ``file: [section] key: reason``."""
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    if len(location) >= 2:
        where = f"[{location[0]}] {'.'.join(location[1:])}"
    else:
        where = f"[{location[0]}]" if location else "(top level)"
    reason = {
        "extra_forbidden": "unknown key",
        "missing": "missing",
    }.get(error["type"], error["msg"])
    if error["type"] == "extra_forbidden" and len(location) == 1:
        reason = "unknown section"
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{path}: {where}: {reason}{more}"
