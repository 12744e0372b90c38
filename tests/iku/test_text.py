"""Cleaning, measuring and cutting text as Telegram counts it."""

from __future__ import annotations

import pytest

from iku.text import clean_text, letter_count, pack, truncate, utf16_length


@pytest.mark.parametrize(
    ("text", "units"),
    [
        pytest.param("abc", 3, id="ascii"),
        pytest.param("é", 1, id="latin-1"),
        pytest.param("😀", 2, id="emoji-outside-bmp"),
        pytest.param("😀" * 1916, 3832, id="the-1916-emoji-description"),
        pytest.param("👨‍👩‍👧", 8, id="zwj-family"),
        pytest.param("", 0, id="empty"),
    ],
)
def test_utf16_length_counts_as_telegram(text: str, units: int) -> None:
    assert utf16_length(text) == units


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        pytest.param("\x1b[31mmerah\x1b[0m", "merah", id="ansi-colour-removed-whole"),
        pytest.param("a\x00b", "ab", id="nul"),
        pytest.param("baris 1\r\nbaris 2\rbaris 3", "baris 1\nbaris 2\nbaris 3", id="line-breaks"),
        pytest.param("\t=1+1", "=1+1", id="leading-tab-trimmed"),
        pytest.param("a\tb", "a b", id="inner-tab-space"),
        pytest.param("x\x7fy\x80z", "xyz", id="del-and-c1"),
        pytest.param("\x1b]0;title\x07judul", "judul", id="osc"),
        pytest.param("lone \ud800 surrogate", "lone  surrogate", id="lone-surrogate"),
        pytest.param("  Jl. Mawar 😀  ", "Jl. Mawar 😀", id="emoji-kept-trimmed"),
        pytest.param("a\u2028b", "a\nb", id="unicode-line-separator"),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_clean_text_single_line_folds_breaks_and_spaces() -> None:
    assert clean_text("depan\n pasar\t\tlama", multiline=False) == "depan pasar lama"


@pytest.mark.parametrize(
    ("text", "letters"),
    [("ok", 2), ("👍👍👍", 0), ("1234!!", 0), ("Sudah dicek", 10), ("ditangani ✅", 9)],
)
def test_letter_count(text: str, letters: int) -> None:
    assert letter_count(text) == letters


def test_truncate_never_splits_an_emoji() -> None:
    cut = truncate("😀" * 10, 7)
    assert cut == "😀😀😀…"
    assert utf16_length(cut) <= 7
    cut.encode("utf-8")  # no half surrogate


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("pendek", 10) == "pendek"


def test_pack_splits_lines_into_messages_within_the_limit() -> None:
    lines = [f"baris {i} " + "😀" * 10 for i in range(100)]
    messages = pack(lines, 200)
    assert len(messages) > 1
    assert all(utf16_length(message) <= 200 for message in messages)
    assert "\n".join(messages).split("\n") == lines  # nothing lost, order kept


def test_pack_cuts_a_line_longer_than_the_limit() -> None:
    [only] = pack(["x" * 500], 100)
    assert utf16_length(only) == 100
    assert only.endswith("…")


def test_pack_of_nothing_is_one_empty_message() -> None:
    assert pack([], 100) == [""]
