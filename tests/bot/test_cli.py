"""The command line: help everywhere, exit codes, migrations, local mode on piped input."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def all_commands() -> list[list[str]]:
    commands: list[list[str]] = []

    def walk(parser: object, prefix: list[str]) -> None:
        for action in getattr(parser, "_actions", []):
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):
                for name, sub in choices.items():
                    commands.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return commands


@pytest.mark.parametrize("command", all_commands(), ids=" ".join)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: ajung-bot" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit) as exited:
        main(["report", "--from", "2025-02-30"])
    assert exited.value.code == 2
    assert "'2025-02-30' is not a date like 2025-02-16" in capsys.readouterr().err


def test_db_commands_walk_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/x.db"\n', encoding="utf-8"
    )
    assert main(["--config", str(config), "db", "current"]) == 0
    assert capsys.readouterr().out == "base\n"
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("database at revision 0")
    assert main(["--config", str(config), "db", "downgrade", "base"]) == 0
    assert capsys.readouterr().out == "database at revision base\n"


def test_failure_is_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[database]\nurl = "sqlite+aiosqlite:////proc/no/such/dir/x.db"\n', encoding="utf-8"
    )
    assert main(["--config", str(config), "db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ajung-bot: ") and err.count("\n") == 1


def test_check_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[kecamatan]\nname = 'Sumbersari'\n", encoding="utf-8")
    assert main(["--config", str(config), "check-config"]) == 0
    assert capsys.readouterr().out == f"{config}: OK\n"


def test_local_mode_on_piped_input_without_a_config(tmp_path: Path) -> None:
    """What `make demo` runs: the example config, data/ajung.db, and a clean end at end of input."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="/start\n5\n2\n/id\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot > Selamat datang di layanan chat Kecamatan Ajung, Kabupaten Jember." in out
    assert (
        "[1] Laporkan gangguan  [2] Cek laporan saya  [3] Isi survei kepuasan  [4] ℹ️ Bantuan  "
        "[5] 🌐 Bahasa / Language"
    ) in out
    assert "bot > Language changed to English." in out
    assert "bot > Your Telegram ID: 100001" in out
    assert out.rstrip().endswith("bye")
    assert (tmp_path / "data" / "ajung.db").exists()


def test_a_failed_write_is_one_line_without_the_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    database = tmp_path / "x.db"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n', encoding="utf-8")
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    with sqlite3.connect(database) as connection:  # the disk fails under this table's writes
        connection.execute(
            "CREATE TRIGGER broken BEFORE INSERT ON survey_populations "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    capsys.readouterr()
    argv = ["survey", "population", "--month", "2025-01", "--service", "KTP", "--count", "4321"]
    assert main(["--config", str(config), *argv]) == 1
    err = capsys.readouterr().err
    assert err == "ajung-bot: IntegrityError: (sqlite3.IntegrityError) disk I/O error\n"


def test_files_with_personal_data_are_private(tmp_path: Path) -> None:
    """The database (and its folder) and exports are the owner's only, whatever the umask."""
    config = tmp_path / "config.toml"
    database = tmp_path / "data" / "ajung.db"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{database}"\n', encoding="utf-8")
    written = [tmp_path / "register.xlsx", tmp_path / "register.csv", tmp_path / "iku.xlsx"]
    commands = [
        ["db", "upgrade"],
        ["complaints", "export", "--out", str(written[0])],
        ["complaints", "export", "--out", str(written[1])],
        ["export", "--out", str(written[2])],
    ]
    for command in commands:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(config), *command],
            capture_output=True, text=True, cwd=ROOT, timeout=120, umask=0o022,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    assert mode(database.parent) == 0o700
    for path in [database, *database.parent.glob("ajung.db-*"), *written]:
        assert mode(path) == 0o600, path


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
