"""The command line: help everywhere, exit codes, migrations, local mode on piped input."""

from __future__ import annotations

import ast
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


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/x.db"\n')
    capsys.readouterr()
    assert main(["--config", str(config), "report", "--from", "2025-02-30"]) == 2
    assert capsys.readouterr().err == (
        'ajung-bot: --from: "2025-02-30" bukan tanggal seperti 2025-02-16\n'
    )


def test_db_commands_walk_the_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/x.db"\n', encoding="utf-8"
    )
    assert main(["--config", str(config), "db", "current"]) == 0
    assert capsys.readouterr().out == "base\n"
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("Basis data pada revisi 0")
    assert main(["--config", str(config), "db", "downgrade", "base"]) == 0
    assert capsys.readouterr().out == "Basis data pada revisi base\n"


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
    assert capsys.readouterr().out == f"{config}: konfigurasi bisa dipakai\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{config}", "db", "current"],
        ["db", "--config", "{config}", "current"],
        ["db", "current", "--config", "{config}"],
    ],
    ids=["before the command", "after the command", "after the action"],
)
def test_config_may_follow_the_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ajung-bot db current --config x.toml` reads x.toml, as a newcomer would type it."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/x.db"\n', encoding="utf-8"
    )
    assert main([part.format(config=config) for part in argv]) == 0
    assert capsys.readouterr().out == "base\n"
    assert (tmp_path / "x.db").exists()  # the named config was read, not ./config.toml


def test_local_mode_on_piped_input_without_a_config(tmp_path: Path) -> None:
    """What `make demo` runs: the example config, data/ajung.db, and a clean end at end of input;
    it opens with the greeting, and the log goes to a file beside the database, not the screen."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="5\n2\n/id\n/foto\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    log = tmp_path / "data" / "ajung-bot.log"
    assert out.startswith(f"Catatan log (log) ditulis ke {Path('data/ajung-bot.log')}, bukan ")
    assert (
        "you > /start\n\nbot > Selamat datang di layanan chat Kecamatan Ajung, Kabupaten Jember."
        in out
    )
    assert result.stderr == ""
    assert " INFO " not in out and " WARNING " not in out
    assert "INFO telegram.ext.Application: Application started" in log.read_text()
    # The stand-in Telegram's chats and the photo sent are kept beside the database, privately.
    kept = tmp_path / "data" / "ajung-telegram"
    assert mode(kept) == 0o700
    for path in [log, kept / "chats.json", *(kept / "files").iterdir()]:
        assert mode(path) == 0o600, path
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


def test_report_takes_a_period_in_words_or_as_a_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/x.db"\n', encoding="utf-8"
    )

    def period(*args: str) -> dict[str, str]:
        capsys.readouterr()
        assert main(["--config", str(config), "report", "--format", "json", *args]) == 0
        return dict(json.loads(capsys.readouterr().out)["period"])

    assert period("--period", "2025-Q1") == {"from": "2025-01-01", "to": "2025-03-31"}
    assert period("--period", "2024") == {"from": "2024-01-01", "to": "2024-12-31"}
    first_of_month = datetime.now(ZoneInfo("Asia/Jakarta")).date().replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    assert period("--period", "bulan lalu") == {
        "from": last_month_end.replace(day=1).isoformat(),
        "to": last_month_end.isoformat(),
    }
    assert main(["--config", str(config), "report", "--period", "kemarin dulu"]) == 2
    assert capsys.readouterr().err == (
        'ajung-bot: --period: periode "kemarin dulu" tidak dikenal; contoh: "bulan lalu", '
        '"minggu ini", 2025-Q1\n'
    )
    both = ["report", "--period", "2025", "--from", "2025-01-01"]
    assert main(["--config", str(config), *both]) == 2
    assert capsys.readouterr().err == (
        "ajung-bot: Pakai --period atau --from/--to, jangan keduanya.\n"
    )


def test_plan_import_counts_in_indonesian_and_the_configured_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/x.db"\n')
    plan = tmp_path / "program.csv"
    rows = ["tahun;kode;nama;program;target;satuan;realisasi"]
    rows += [f"2025;P{n};Indikator {n};Program;10;kali;5" for n in range(1, 1201)]
    plan.write_text("\n".join(rows), encoding="utf-8")
    assert main(["--config", str(config), "program", "import", str(plan)]) == 0
    assert capsys.readouterr().out == "Selesai: 1.200 baris baru, 0 baris diperbarui.\n"
    config.write_text(config.read_text() + '[bot]\ndefault_language = "en"\n')
    assert main(["--config", str(config), "program", "import", str(plan)]) == 0
    assert capsys.readouterr().out == "Done: 0 new rows, 1.200 rows updated.\n"


# The one line the CLI writes itself: its name before an error from the catalog or an exception.
OWN_LINES = {"f'ajung-bot: {lines[0]}'"}


def test_every_printed_line_and_usage_error_comes_from_the_catalog() -> None:
    """No sentence written into bot/cli.py: what it prints or raises as a UsageError is a
    catalog text (ConfigError stays English by design, for the engineer who deploys)."""
    tree = ast.parse((ROOT / "bot" / "cli.py").read_text(encoding="utf-8"))
    literal = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        if node.func.id not in ("print", "UsageError"):
            continue
        for argument in node.args:
            words = isinstance(argument, ast.JoinedStr) or (
                isinstance(argument, ast.Constant) and isinstance(argument.value, str)
            )
            if words and ast.unparse(argument) not in OWN_LINES:
                literal.append(f"line {node.lineno}: {ast.unparse(argument)}")
    assert literal == []
