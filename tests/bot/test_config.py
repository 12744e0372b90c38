"""Configuration: the example is the default, and every mistake is one clear line, exit code 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import EXAMPLE_PATH, Config, ConfigError, load_config, resolve_path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_is_exactly_the_ajung_defaults() -> None:
    config = load_config(EXAMPLE_PATH)
    assert config == Config()
    assert config.kecamatan.name == "Ajung"
    assert config.kecamatan.desa == (
        "Ajung",
        "Klompangan",
        "Mangaran",
        "Pancakarya",
        "Rowoindah",
        "Sukamakmur",
        "Wirowongso",
    )
    assert config.kecamatan.timezone == "Asia/Jakarta"
    assert config.schedule.weekly_summary == "0 7 * * mon"
    assert config.conversation.idle_timeout_minutes == 30
    assert (config.conversation.draft_days, config.conversation.reminder_hours) == (3, 4)
    assert (config.kecamatan.address, config.kecamatan.phone, config.kecamatan.office_hours) == (
        "",
        "",
        "",
    )
    complaints = config.complaints
    assert complaints.tracking_prefix == "TRB"
    assert complaints.categories[0] == "Kebisingan/keributan"
    assert complaints.categories[-1] == "Lainnya"
    assert len(complaints.categories) == 10
    assert (complaints.verify_days, complaints.plan_days, complaints.limit_days) == (3, 5, 60)
    assert (complaints.max_open_per_resident, complaints.max_photos) == (3, 3)
    assert (complaints.description_min, complaints.description_max) == (10, 2000)
    assert complaints.overdue_report_time == "07:30"
    assert complaints.photo_dir == "data/photos"
    assert complaints.holidays == ()


def test_holidays_become_the_clock_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "[complaints]\nholidays = ['2025-03-31', '2025-04-01']\nplan_days = 4\n")
    rules = load_config(path).complaints.clock_rules
    assert rules.holidays == {date(2025, 3, 31), date(2025, 4, 1)}
    assert (rules.verify_days, rules.plan_days, rules.limit_days) == (3, 4, 60)


def test_config_objects_are_frozen() -> None:
    config = Config()
    with pytest.raises(Exception, match="frozen"):
        config.kecamatan.name = "Sumbersari"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "[kecamatan]\nnama = 'Ajung'\n", "[kecamatan] nama: unknown key", id="unknown-key"
        ),
        pytest.param(
            "[kecamatn]\nname = 'Ajung'\n", "[kecamatn]: unknown section", id="unknown-section"
        ),
        pytest.param(
            "[telegram]\ncamat_chat_id = 'satu'\n",
            "[telegram] camat_chat_id: Input should be a valid integer",
            id="wrong-type",
        ),
        pytest.param(
            "[roles]\ntrantib = [12, 'x']\n",
            "[roles] trantib.1: Input should be a valid integer",
            id="wrong-type-in-list",
        ),
        pytest.param(
            "[kecamatan]\ntimezone = 'Asia/Jember'\n",
            "[kecamatan] timezone: Value error, unknown time zone",
            id="bad-time-zone",
        ),
        pytest.param(
            "[schedule]\nweekly_summary = 'every monday'\n",
            "[schedule] weekly_summary: Value error, not a crontab line",
            id="bad-crontab",
        ),
        pytest.param("[kecamatan\n", "not valid TOML", id="broken-toml"),
        pytest.param(
            "[complaints]\nholidays = ['31-03-2025']\n",
            "[complaints] holidays: Value error, not a date like 2025-03-31: '31-03-2025'",
            id="holiday-not-iso",
        ),
        pytest.param(
            "[complaints]\nholidays = ['2025-02-30']\n",
            "[complaints] holidays: Value error, not a date like 2025-03-31",
            id="holiday-impossible-date",
        ),
        pytest.param(
            "[complaints]\noverdue_report_time = '7.30'\n",
            "[complaints] overdue_report_time: Value error, not a time like 07:30",
            id="report-time",
        ),
        pytest.param(
            "[complaints]\ntracking_prefix = 'trb'\n",
            "[complaints] tracking_prefix: String should match pattern",
            id="lower-case-prefix",
        ),
        pytest.param(
            "[complaints]\ncategories = []\n",
            "[complaints] categories: Tuple should have at least 1 item",
            id="no-categories",
        ),
        pytest.param(
            "[complaints]\ncategories = ['Parkir liar', 'Parkir liar']\n",
            "[complaints] categories: Value error, categories must be different",
            id="same-category-twice",
        ),
    ],
)
def test_mistakes_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"file not found; copy config.example.toml"):
        load_config(tmp_path / "nowhere.toml")


def test_token_is_required_for_run_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = write(tmp_path, "")
    assert load_config(path).telegram.token == ""
    with pytest.raises(
        ConfigError,
        match=r"\[telegram\] token: missing; set it in the file or in \$TELEGRAM_BOT_TOKEN",
    ):
        load_config(path, require_token=True)


def test_token_from_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:from-env")
    path = write(tmp_path, "[telegram]\ntoken = '123:from-file'\n")
    assert load_config(path, require_token=True).telegram.token == "123:from-env"


def test_path_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AJUNG_BOT_CONFIG", raising=False)
    assert resolve_path(None) == Path("config.toml")
    assert resolve_path(None, fallback_to_example=True) == EXAMPLE_PATH
    monkeypatch.setenv("AJUNG_BOT_CONFIG", "/etc/ajung/config.toml")
    assert resolve_path(None) == Path("/etc/ajung/config.toml")
    assert resolve_path("mine.toml") == Path("mine.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(None, "file not found", id="missing-file"),
        pytest.param("[kecamatan]\nnama = 1\n", "[kecamatan] nama: unknown key", id="unknown-key"),
        pytest.param(
            "[telegram]\ntrantib_chat_id = 1.5\n", "[telegram] trantib_chat_id", id="wrong-type"
        ),
        pytest.param("", "[telegram] token: missing", id="missing-token"),
    ],
)
def test_run_refuses_bad_config_with_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str | None,
    expected: str,
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = tmp_path / "config.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert main(["--config", str(path), "run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"ajung-bot: {path}: ")
    assert expected in err
    assert "Traceback" not in err


WHATSAPP_ON = """[telegram]
token = "123:abc"
[whatsapp]
enabled = true
phone_number_id = 106540352242922
access_token = "EAAG-file"
app_secret = "file-secret"
verify_token = "file-verify"
"""
WHATSAPP_VARIABLES = ("WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN")


def test_whatsapp_keys_are_read_and_secrets_from_the_environment_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in WHATSAPP_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "env-secret")
    whatsapp = load_config(write(tmp_path, WHATSAPP_ON), require_token=True).whatsapp
    assert whatsapp.phone_number_id == "106540352242922"  # written as a number, kept as digits
    assert (whatsapp.access_token, whatsapp.app_secret) == ("EAAG-file", "env-secret")
    assert whatsapp.messages_url == ("https://graph.facebook.com/v23.0/106540352242922/messages")
    assert (whatsapp.listen, whatsapp.port, whatsapp.path) == ("127.0.0.1", 8443, "/whatsapp")
    assert whatsapp.templates.language("en") == "en"
    assert whatsapp.templates.language("id") == "id"


@pytest.mark.parametrize(
    ("removed", "message"),
    [
        pytest.param("phone_number_id", "[whatsapp] phone_number_id: missing", id="number-id"),
        pytest.param(
            "access_token",
            "[whatsapp] access_token: missing; set it in the file or in $WHATSAPP_ACCESS_TOKEN",
            id="token",
        ),
        pytest.param("app_secret", "[whatsapp] app_secret: missing", id="app-secret"),
        pytest.param("verify_token", "[whatsapp] verify_token: missing", id="verify-token"),
    ],
)
def test_check_config_for_run_needs_whatsapps_keys_when_enabled(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    removed: str,
    message: str,
) -> None:
    for variable in WHATSAPP_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    text = "\n".join(line for line in WHATSAPP_ON.splitlines() if not line.startswith(removed))
    path = write(tmp_path, text)
    assert main(["--config", str(path), "check-config"]) == 0
    capsys.readouterr()
    assert main(["--config", str(path), "check-config", "--for-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ajung-bot: {path}: {message}")
    assert err.count("\n") == 1
    disabled = write(tmp_path, text.replace("enabled = true", "enabled = false"))
    assert main(["--config", str(disabled), "check-config", "--for-run"]) == 0


def test_whatsapps_webhook_cannot_take_the_telegram_webhooks_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both default to 127.0.0.1:8443: fine with polling, a clash with ``--webhook``."""
    for variable in WHATSAPP_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    path = write(tmp_path, WHATSAPP_ON)
    assert main(["--config", str(path), "check-config", "--for-run"]) == 0
    capsys.readouterr()
    url = "https://bot.example.id/telegram"
    assert main(["--config", str(path), "check-config", "--for-run", "--webhook", url]) == 2
    assert "[whatsapp] port: 8443 on 127.0.0.1 is already [telegram] webhook_port" in (
        capsys.readouterr().err
    )
    assert main(["--config", str(path), "run", "--webhook", url]) == 2
    moved = write(tmp_path, WHATSAPP_ON + "port = 8444\n")
    assert main(["--config", str(moved), "check-config", "--for-run", "--webhook", url]) == 0


# Mistakes only visible when keys are read together, or against what the libraries and
# Telegram accept: (file text, what the one line says after "file: ").
SECRET_RULE = "[telegram] webhook_secret: Value error, Telegram accepts 1 to 256 of A-Z, a-z, 0-9"
WHOLE_FILE_MISTAKES = [
    pytest.param(
        "[complaints]\ndescription_min = 500\ndescription_max = 200\n",
        "[complaints] description_max: Value error, 200 is below description_min (500)",
        id="description-min-above-max",
    ),
    pytest.param(
        "[complaints]\nverify_days = 10\nplan_days = 10\nlimit_days = 15\n",
        "[complaints] limit_days: Value error, 15 is below verify_days + plan_days (20)",
        id="limit-before-plan",
    ),
    pytest.param(
        "[conversation]\ndraft_days = 2\nreminder_hours = 48\n",
        "[conversation] reminder_hours: Value error, 48 hours is not before the end of a draft "
        "(draft_days 2)",
        id="reminder-after-the-end",
    ),
    pytest.param(
        "[kecamatan]\ndesa = []\n", "[kecamatan] desa: Value error, at least one desa", id="no-desa"
    ),
    pytest.param(
        "[kecamatan]\ndesa = ['Ajung', ' ']\n",
        "[kecamatan] desa: Value error, every desa needs 1 to 100 characters",
        id="blank-desa",
    ),
    pytest.param(
        "[kecamatan]\ndesa = ['Ajung', 'Ajung']\n",
        "[kecamatan] desa: Value error, desa must be different from each other",
        id="same-desa-twice",
    ),
    pytest.param(
        "[database]\nurl = 'mysql+aiomysql://ajung:rahasia@127.0.0.1/ajung'\n",
        "[database] url: Value error, 'mysql+aiomysql' is not supported; use "
        "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:PORT/NAME",
        id="unsupported-database",
    ),
    pytest.param(
        "[database]\nurl = 'postgresql://ajung:rahasia@127.0.0.1/ajung'\n",
        "[database] url: Value error, 'postgresql' is not supported",
        id="database-without-async-driver",
    ),
    pytest.param(
        "[database]\nurl = 'data/ajung.db'\n",
        "[database] url: Value error, not a database URL; use sqlite+aiosqlite:///PATH",
        id="database-path-not-url",
    ),
    pytest.param(
        "[database]\nurl = 'sqlite+aiosqlite://'\n",
        "[database] url: Value error, names no database file",
        id="sqlite-without-file",
    ),
    pytest.param(
        "[telegram]\nwebhook_secret = 'rahasia kita!'\n",
        SECRET_RULE,
        id="webhook-secret-characters",
    ),
    pytest.param(
        f"[telegram]\nwebhook_secret = '{'r' * 257}'\n",
        SECRET_RULE,
        id="webhook-secret-length",
    ),
    pytest.param(
        "[telegram]\nbase_url = 'api.telegram.org/bot'\n",
        "[telegram] base_url: Value error, not an http:// or https:// URL",
        id="base-url-without-scheme",
    ),
    pytest.param(
        "[telegram]\nbase_file_url = 'ftp://files.example/bot'\n",
        "[telegram] base_file_url: Value error, not an http:// or https:// URL",
        id="file-url-not-http",
    ),
    pytest.param(
        "[telegram]\ntoken = 'bot7012345678:AAH-rahasia'\n",
        "[telegram] token: Value error, not a bot token like 123456789:AAH... from @BotFather",
        id="token-shape",
    ),
    pytest.param(
        "[roles]\ntrantib = [9001, -1001234567890]\n",
        "[roles] trantib: Value error, -1001234567890 is a group's id",
        id="group-id-as-official",
    ),
    pytest.param(
        "[whatsapp]\nphone_number_id = '1065-4035'\n",
        "[whatsapp] phone_number_id: Value error, the phone number's id is digits only",
        id="whatsapp-number-id",
    ),
    pytest.param(
        "[whatsapp]\ndisplay_number = '+62 812 3456 7890'\n",
        "[whatsapp] display_number: Value error, 8 to 15 digits in international form, "
        "without + or spaces, e.g. 6281234567890",
        id="whatsapp-display-number",
    ),
    pytest.param(
        "[whatsapp]\naccess_token = 'EAAG rahasia'\n",
        "[whatsapp] access_token: Value error, has spaces or characters outside ASCII; "
        "copy it again from Meta",
        id="whatsapp-token-with-space",
    ),
    pytest.param(
        '[whatsapp]\napp_secret = "rahasia\\n"\n',  # a line break copied with it
        "[whatsapp] app_secret: Value error, has spaces or characters outside ASCII",
        id="whatsapp-secret-with-line-break",
    ),
    pytest.param(
        "[whatsapp]\ngraph_url = 'graph.facebook.com'\n",
        "[whatsapp] graph_url: Value error, not an http:// or https:// URL",
        id="whatsapp-graph-url",
    ),
    pytest.param(
        "[whatsapp]\napi_version = '23'\n",
        "[whatsapp] api_version: Value error, not a Graph API version like v23.0",
        id="whatsapp-api-version",
    ),
    pytest.param(
        "[whatsapp]\npath = 'whatsapp'\n",
        "[whatsapp] path: Value error, a URL path like /whatsapp",
        id="whatsapp-path",
    ),
    pytest.param(
        "[whatsapp]\nport = 70000\n",
        "[whatsapp] port: Input should be less than or equal to 65535",
        id="whatsapp-port",
    ),
    pytest.param(
        "[whatsapp.templates]\nstatus_update = 'Kabar Laporan'\n",
        "[whatsapp] templates.status_update: Value error, a template name is 1 to 512 of "
        "a-z, 0-9 and _, as in WhatsApp Manager",
        id="whatsapp-template-name",
    ),
    pytest.param(
        "[whatsapp.templates]\nlanguage_en = 'english'\n",
        "[whatsapp] templates.language_en: Value error, not a WhatsApp language code",
        id="whatsapp-template-language",
    ),
]


def write_bytes(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("text", "message"), WHOLE_FILE_MISTAKES)
def test_whole_file_mistakes_name_the_file_and_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: {message}")
    assert "\n" not in str(caught.value)
    assert "rahasia" not in str(caught.value)  # a password or secret is never repeated


@pytest.mark.parametrize("command", [["check-config"], ["run"]])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        *[pytest.param(p.values[0].encode(), p.values[1], id=p.id) for p in WHOLE_FILE_MISTAKES],
        pytest.param(
            "[kecamatan]\nname = 'Sumberséri'\n".encode("latin-1"),
            "not UTF-8 text (line 2); save it as UTF-8",
            id="not-utf-8",
        ),
    ],
)
def test_check_config_and_run_stop_with_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    content: bytes,
    message: str,
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = write_bytes(tmp_path, content)
    assert main(["--config", str(path), *command]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"ajung-bot: {path}: {message}")
    assert captured.err.count("\n") == 1


def test_a_valid_webhook_secret_and_self_hosted_api_are_accepted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[telegram]\nwebhook_secret = 'Abc_123-xyz'\nbase_url = 'http://127.0.0.1:8081/bot'\n"
        "base_file_url = 'http://127.0.0.1:8081/file/bot'\ntoken = '7012345678:AAH-kx0Zq1w2'\n"
        "[database]\nurl = 'postgresql+asyncpg://ajung:rahasia@127.0.0.1:5432/ajung'\n"
        "[complaints]\ndescription_min = 20\ndescription_max = 20\n",
    )
    config = load_config(path)
    assert config.telegram.webhook_secret == "Abc_123-xyz"
    assert config.complaints.description_min == config.complaints.description_max == 20
