"""Conventions turned into checks (STYLE.md item 10)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot import jobs
from bot.config import EXAMPLE_PATH, Config
from i18n import LANGUAGES, catalog

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_IKU = ("telegram", "sqlalchemy", "db", "alembic", "bot", "handlers")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "iku").glob("*.py")), ids=lambda p: p.name)
def test_iku_is_pure(path: Path) -> None:
    assert not imported_modules(path) & set(FORBIDDEN_IN_IKU)


def model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= model_keys(annotation, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def toml_keys(table: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, value in table.items():
        if isinstance(value, dict):
            keys |= toml_keys(value, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_example_config_documents_every_field_and_nothing_else() -> None:
    example = toml_keys(tomllib.loads(EXAMPLE_PATH.read_text(encoding="utf-8")))
    fields = model_keys(Config)
    assert sorted(fields - example) == [], "fields missing from config.example.toml"
    assert sorted(example - fields) == [], "keys in config.example.toml that are no field"


def test_every_example_key_has_a_comment_nearby() -> None:
    lines = EXAMPLE_PATH.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            above = lines[max(0, number - 8) : number]
            assert any(entry.startswith("#") for entry in above), f"undocumented: {line}"


def test_catalog_keys_are_complete_in_every_language() -> None:
    texts = catalog()
    reference = texts.keys("id")
    for language in LANGUAGES:
        assert texts.keys(language) == reference, language


def test_catalog_placeholders_match_across_languages() -> None:
    texts = catalog()
    for key in texts.keys("id"):
        expected = texts.placeholders("id", key)
        for language in LANGUAGES:
            assert texts.placeholders(language, key) == expected, (language, key)


def test_job_names_are_unique() -> None:
    names = [job.name for job in jobs.schedule(Config())]
    assert len(names) == len(set(names))


LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}


def exempt_strings(tree: ast.AST) -> set[int]:
    """Docstrings and log messages: written for engineers, in English, on purpose."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            exempt.add(id(body[0].value))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS
        ):
            exempt.update(id(arg) for arg in node.args)
    return exempt


@pytest.mark.parametrize("path", sorted((ROOT / "handlers").glob("*.py")), ids=lambda p: p.name)
def test_no_sentences_outside_the_catalog(path: Path) -> None:
    """Handlers take every sentence a person reads from the catalog."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt = exempt_strings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in exempt
        ):
            assert node.value.count(" ") < 3, f"line {node.lineno}: {node.value!r} belongs in i18n/"
