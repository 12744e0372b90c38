"""Configuration: the example is the default, and every mistake is one clear line, exit code 2."""

from __future__ import annotations

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
