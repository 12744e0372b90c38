"""Loading and looking up catalog texts.

Each language is one TOML file beside this module (``id.toml``, ``en.toml``); tables nest keys, so
``[menu] report = "..."`` is the key ``menu.report``. Placeholders use ``str.format`` syntax
(``{code}``); numbers are formatted by the caller (iku.format) before they get here.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
_DIR = Path(__file__).resolve().parent


class Catalog:
    """All languages' texts, flattened to dotted keys."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        self.texts = texts

    @classmethod
    def load(cls, directory: Path = _DIR) -> Catalog:
        return cls({lang: _flatten(_read(directory / f"{lang}.toml")) for lang in LANGUAGES})

    def for_language(self, language: str | None) -> Texts:
        lang = language if language is not None and language in self.texts else DEFAULT_LANGUAGE
        return Texts(lang, self.texts[lang], self.texts[DEFAULT_LANGUAGE])

    def keys(self, language: str) -> set[str]:
        return set(self.texts[language])

    def placeholders(self, language: str, key: str) -> set[str]:
        return placeholders(self.texts[language][key])


class Texts:
    """One language's view: ``t("menu.report")`` or ``t("report.saved", code="TRB-2025-0042")``."""

    __slots__ = ("_fallback", "_texts", "language")

    def __init__(
        self, language: str, texts: Mapping[str, str], fallback: Mapping[str, str]
    ) -> None:
        self.language = language
        self._texts = texts
        self._fallback = fallback

    def __call__(self, key: str, /, **values: Any) -> str:
        template = self._texts.get(key) or self._fallback[key]
        return template.format(**values) if values else template

    def has(self, key: str) -> bool:
        return key in self._texts


@cache
def catalog() -> Catalog:
    """The shipped catalog, loaded once per process."""
    return Catalog.load()


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat
