"""Complaint status flow, SP4N-LAPOR! due dates, overdue stages and IKU 4."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from iku.complaints import (
    EXCLUDED_REASONS,
    OFFICE_CHANNELS,
    OPEN_STATUSES,
    PLAIN_NOTE_WINDOW,
    REOPENED_STATUS,
    RESOLVED_STATUSES,
    TRANSITIONS,
    Channel,
    ClockRules,
    DueDates,
    Privacy,
    RejectReason,
    Status,
    can_move,
    can_reopen,
    complaint_resolution,
    due_dates,
    is_overdue,
    length_problem,
    moves_from,
    note_problem,
    note_request_age,
    overdue_stage,
    parse_tracking_code,
    tracking_code,
    working_days_to_close,
)

S = Status
ALLOWED = {
    (S.BARU, S.DIVERIFIKASI),
    (S.BARU, S.DIPROSES),
    (S.BARU, S.DITERUSKAN),
    (S.BARU, S.DITOLAK),
    (S.DIVERIFIKASI, S.DIPROSES),
    (S.DIVERIFIKASI, S.DITERUSKAN),
    (S.DIVERIFIKASI, S.DITOLAK),
    (S.DIPROSES, S.SELESAI),
    (S.DIPROSES, S.DITERUSKAN),
    (S.DIPROSES, S.DITOLAK),
}


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [pytest.param(a, b, (a, b) in ALLOWED, id=f"{a}->{b}") for a in Status for b in Status],
)
def test_every_transition(current: Status, target: Status, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_status_sets() -> None:
    assert {str(s) for s in Status} == {
        "baru", "diverifikasi", "diproses", "selesai", "diteruskan", "ditolak",
    }  # fmt: skip
    terminal = {s for s, targets in TRANSITIONS.items() if not targets}
    assert terminal == {S.SELESAI, S.DITERUSKAN, S.DITOLAK}
    assert set(OPEN_STATUSES) == set(Status) - terminal
    assert {S.SELESAI, S.DITERUSKAN} == RESOLVED_STATUSES
    assert set(TRANSITIONS) == set(Status)


def test_reject_reasons() -> None:
    assert [str(r) for r in RejectReason] == ["duplikat", "palsu", "di_luar_kewenangan"]
    assert {RejectReason.DUPLIKAT, RejectReason.PALSU} == EXCLUDED_REASONS


def iku4_from(complaints: list[tuple[Status, RejectReason | None]]) -> tuple[int, int, int]:
    """Count as the database does: all received, rejected as duplicate/false, resolved."""
    excluded = sum(s is S.DITOLAK and r in EXCLUDED_REASONS for s, r in complaints)
    resolved = sum(s in RESOLVED_STATUSES for s, _ in complaints)
    return len(complaints), excluded, resolved


DUP = (S.DITOLAK, RejectReason.DUPLIKAT)
FALSE = (S.DITOLAK, RejectReason.PALSU)
OUT_OF_SCOPE = (S.DITOLAK, RejectReason.DI_LUAR_KEWENANGAN)
DONE = (S.SELESAI, None)
FORWARDED = (S.DITERUSKAN, None)
OPEN = (S.DIPROSES, None)
NEW = (S.BARU, None)


@pytest.mark.parametrize(
    ("complaints", "numerator", "denominator", "percent"),
    [
        pytest.param([DUP, FALSE, DONE, DONE, DONE, DONE, FORWARDED, FORWARDED, OPEN, NEW],
                     6, 8, 75.0, id="10-received-2-dup-or-false-6-resolved"),
        pytest.param([OUT_OF_SCOPE, DONE, DONE, DONE, DONE], 4, 5, 80.0,
                     id="out-of-scope-stays-in-denominator"),
        pytest.param([OUT_OF_SCOPE], 0, 1, 0.0, id="only-out-of-scope-is-0"),
        pytest.param([FORWARDED, OPEN], 1, 2, 50.0, id="diteruskan-counts-as-resolved"),
        pytest.param([DUP, DUP, FALSE], 0, 0, None, id="all-excluded-no-data"),
        pytest.param([], 0, 0, None, id="nothing-received-no-data"),
    ],
)  # fmt: skip
def test_complaint_resolution(
    complaints: list[tuple[Status, RejectReason | None]],
    numerator: int,
    denominator: int,
    percent: float | None,
) -> None:
    result = complaint_resolution(*iku4_from(complaints))
    assert (result.numerator, result.denominator) == (numerator, denominator)
    assert result.percent == percent


@pytest.mark.parametrize(
    ("received", "excluded", "resolved", "message"),
    [
        pytest.param(5, 6, 0, "excluded .* exceeds", id="more-excluded-than-received"),
        pytest.param(10, 2, 9, "resolved .* exceeds", id="more-resolved-than-counted"),
        pytest.param(-1, 0, 0, "negative", id="negative-received"),
        pytest.param(3, -1, 0, "negative", id="negative-excluded"),
        pytest.param(3, 0, -1, "negative", id="negative-resolved"),
    ],
)
def test_complaint_resolution_rejects_inconsistent_counts(
    received: int, excluded: int, resolved: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        complaint_resolution(received, excluded, resolved)


LEBARAN_2025 = frozenset(date(2025, 3, 28) + timedelta(days=n) for n in (0, 3, 4, 5, 6, 7, 10))


@pytest.mark.parametrize(
    ("received_on", "rules", "expected"),
    [
        pytest.param(date(2025, 3, 7), ClockRules(),
                     DueDates(date(2025, 3, 12), date(2025, 3, 19), date(2025, 5, 30)),
                     id="friday-defaults"),
        pytest.param(date(2025, 3, 8), ClockRules(),
                     DueDates(date(2025, 3, 13), date(2025, 3, 20), date(2025, 6, 2)),
                     id="saturday-counts-from-monday"),
        pytest.param(date(2025, 3, 27), ClockRules(holidays=LEBARAN_2025),
                     DueDates(date(2025, 4, 10), date(2025, 4, 17), date(2025, 6, 30)),
                     id="thursday-before-lebaran"),
        pytest.param(date(2025, 3, 3), ClockRules(verify_days=1, plan_days=2, limit_days=10),
                     DueDates(date(2025, 3, 4), date(2025, 3, 6), date(2025, 3, 17)),
                     id="configured-clocks"),
    ],
)  # fmt: skip
def test_due_dates(received_on: date, rules: ClockRules, expected: DueDates) -> None:
    assert due_dates(received_on, rules) == expected


def test_clock_rules_defaults_and_validation() -> None:
    rules = ClockRules()
    assert (rules.verify_days, rules.plan_days, rules.limit_days) == (3, 5, 60)
    assert rules.holidays == frozenset()
    with pytest.raises(ValueError, match="plan_days"):
        ClockRules(plan_days=-1)


DUE = DueDates(verify_by=date(2025, 3, 12), plan_by=date(2025, 3, 19), resolve_by=date(2025, 5, 30))


@pytest.mark.parametrize(
    ("status", "today", "stage"),
    [
        pytest.param(S.BARU, date(2025, 3, 12), None, id="baru-on-verify-day"),
        pytest.param(S.BARU, date(2025, 3, 13), "verify", id="baru-after-verify"),
        pytest.param(S.BARU, date(2025, 3, 20), "plan", id="baru-after-plan"),
        pytest.param(S.BARU, date(2025, 5, 31), "resolve", id="baru-after-limit"),
        pytest.param(S.DIVERIFIKASI, date(2025, 3, 13), None, id="verified-in-time"),
        pytest.param(S.DIVERIFIKASI, date(2025, 3, 19), None, id="verified-on-plan-day"),
        pytest.param(S.DIVERIFIKASI, date(2025, 3, 20), "plan", id="verified-after-plan"),
        pytest.param(S.DIVERIFIKASI, date(2025, 5, 31), "resolve", id="verified-after-limit"),
        pytest.param(S.DIPROSES, date(2025, 3, 20), None, id="processing-after-plan"),
        pytest.param(S.DIPROSES, date(2025, 5, 30), None, id="processing-on-limit-day"),
        pytest.param(S.DIPROSES, date(2025, 5, 31), "resolve", id="processing-after-limit"),
        pytest.param(S.SELESAI, date(2025, 6, 30), None, id="selesai-never"),
        pytest.param(S.DITERUSKAN, date(2025, 6, 30), None, id="diteruskan-never"),
        pytest.param(S.DITOLAK, date(2025, 6, 30), None, id="ditolak-never"),
    ],
)
def test_overdue_stage(status: Status, today: date, stage: str | None) -> None:
    assert overdue_stage(status, DUE, today) == stage
    assert is_overdue(status, DUE, today) is (stage is not None)


@pytest.mark.parametrize(
    ("current", "moves"),
    [
        pytest.param(S.BARU, (S.DIVERIFIKASI, S.DIPROSES, S.DITERUSKAN, S.DITOLAK), id="baru"),
        pytest.param(S.DIVERIFIKASI, (S.DIPROSES, S.DITERUSKAN, S.DITOLAK), id="diverifikasi"),
        pytest.param(S.DIPROSES, (S.SELESAI, S.DITERUSKAN, S.DITOLAK), id="diproses"),
        pytest.param(S.SELESAI, (), id="selesai"),
        pytest.param(S.DITERUSKAN, (), id="diteruskan"),
        pytest.param(S.DITOLAK, (), id="ditolak"),
    ],
)
def test_moves_from_puts_the_step_forward_first(current: Status, moves: tuple[Status]) -> None:
    assert moves_from(current) == moves
    assert all(can_move(current, target) for target in moves)


@pytest.mark.parametrize(
    ("prefix", "year", "number", "code"),
    [
        pytest.param("TRB", 2025, 42, "TRB-2025-0042", id="padded-to-four"),
        pytest.param("TRB", 2025, 1, "TRB-2025-0001", id="first-of-the-year"),
        pytest.param("TRB", 2026, 12345, "TRB-2026-12345", id="past-9999-grows"),
        pytest.param("LPR", 2025, 7, "LPR-2025-0007", id="other-prefix"),
    ],
)
def test_tracking_code(prefix: str, year: int, number: int, code: str) -> None:
    assert tracking_code(prefix, year, number) == code
    assert parse_tracking_code(code) == code


def test_tracking_code_starts_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        tracking_code("TRB", 2025, 0)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        pytest.param("TRB-2025-0042", "TRB-2025-0042", id="exact"),
        pytest.param(" trb-2025-42 ", "TRB-2025-0042", id="lower-case-no-zeros"),
        pytest.param("TRB - 2025 - 0042", "TRB-2025-0042", id="spaces"),
        pytest.param("TRB-2025-0000", None, id="number-zero"),
        pytest.param("TRB-25-0042", None, id="short-year"),
        pytest.param("2025-0042", None, id="no-prefix"),
        pytest.param("halo", None, id="words"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_tracking_code(typed: str, code: str | None) -> None:
    assert parse_tracking_code(typed) == code


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("x" * 9, "short", id="below-minimum"),
        pytest.param("x" * 10, None, id="minimum"),
        pytest.param("   " + "x" * 9 + "   ", "short", id="spaces-do-not-count"),
        pytest.param("x" * 2000, None, id="maximum"),
        pytest.param("x" * 2001, "long", id="above-maximum"),
        # Telegram counts UTF-16 code units: an emoji outside the BMP is two.
        pytest.param("🚓" * 1000, None, id="emoji-at-maximum"),
        pytest.param("🚓" * 1001, "long", id="emoji-above-maximum"),
        pytest.param("🚓" * 1916, "long", id="the-1916-emoji-card-that-never-posted"),
        pytest.param("🚓" * 5, None, id="emoji-at-minimum"),
    ],
)
def test_length_problem(text: str, problem: str | None) -> None:
    assert length_problem(text, 10, 2000) == problem


@pytest.mark.parametrize(
    ("received", "closed", "days"),
    [
        pytest.param(date(2025, 3, 7), None, None, id="still-open"),
        pytest.param(date(2025, 3, 7), date(2025, 3, 7), 0, id="same-day"),
        pytest.param(date(2025, 3, 7), date(2025, 3, 12), 3, id="friday-to-wednesday"),
        pytest.param(date(2025, 3, 27), date(2025, 4, 10), 3, id="over-lebaran"),
    ],
)
def test_working_days_to_close(received: date, closed: date | None, days: int | None) -> None:
    assert working_days_to_close(received, closed, LEBARAN_2025) == days


def test_privacy_and_channels() -> None:
    assert [str(p) for p in Privacy] == ["biasa", "anonim", "rahasia"]
    assert Channel.CHAT not in OFFICE_CHANNELS
    assert len(OFFICE_CHANNELS) == 6


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        ("Sudah dicek ke lokasi.", None),
        ("cukup", None),
        ("ok, sudah dicek ke lokasi", None),
        ("siap laksanakan", None),
        ("ok", "short"),
        ("Oke oke", "short"),
        ("Siap!!", "short"),
        ("okeee 👍", "short"),
        ("cek", "short"),
        ("12345 !!", "short"),
        ("👍👍👍👍👍👍", "short"),
        ("x" * 1000, None),
        ("x" * 1001, "long"),
        ("😀" * 500, "short"),  # no letters at all, and exactly 1,000 units
        ("a😀" * 334, "long"),  # 1,002 UTF-16 units although 668 characters
    ],
)
def test_a_note_must_say_something_and_fit(note: str, problem: str | None) -> None:
    assert note_problem(note) == problem


MINUTE = timedelta(minutes=1)
PRESSED = datetime(2025, 2, 17, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "timeout", "age"),
    [
        (0 * MINUTE, 30 * MINUTE, "recent"),
        (5 * MINUTE, 30 * MINUTE, "recent"),
        (5 * MINUTE + timedelta(seconds=1), 30 * MINUTE, "waiting"),
        (29 * MINUTE, 30 * MINUTE, "waiting"),
        (30 * MINUTE, 30 * MINUTE, "expired"),
        (3 * 24 * 60 * MINUTE, 30 * MINUTE, "expired"),
        (2 * MINUTE, 3 * MINUTE, "recent"),
        (3 * MINUTE, 3 * MINUTE, "expired"),
        (1 * MINUTE, 1 * MINUTE, "expired"),
    ],
)
def test_note_request_age(after: timedelta, timeout: timedelta, age: str) -> None:
    assert note_request_age(PRESSED, PRESSED + after, timeout) == age
    assert PLAIN_NOTE_WINDOW == 5 * MINUTE


@pytest.mark.parametrize("current", list(Status))
def test_only_a_closed_complaint_reopens_and_only_to_diproses(current: Status) -> None:
    for target in Status:
        expected = current in RESOLVED_STATUSES | {S.DITOLAK} and target is S.DIPROSES
        assert can_reopen(current, target) is expected
    assert REOPENED_STATUS is S.DIPROSES
