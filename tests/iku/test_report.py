"""The report's JSON keys (a stable interface) and the text officials read."""

from __future__ import annotations

from datetime import date

from i18n import catalog
from iku.periods import date_range
from iku.ratio import Ratio
from iku.report import ComplaintFigures, IkuReport, SkmFigures, render_text, report_json
from iku.skm import UNSUR_KEYS, sample_check, skm_index

PERIOD = date_range(date(2025, 1, 1), date(2025, 2, 16))
T = catalog().for_language("id")


def test_empty_period_is_null_never_zero_percent() -> None:
    data = report_json(IkuReport(kecamatan="Ajung", period=PERIOD))
    assert data["period"] == {"from": "2025-01-01", "to": "2025-02-16"}
    assert data["complaints"]["percent"] is None
    assert data["program_indicators"] == {"total": 0, "achieved": 0, "percent": None}
    assert data["empowerment"] == {"planned": 0, "facilitated": 0, "percent": None}
    assert data["skm"]["ikm"] is None and data["skm"]["respondents"] == 0
    assert list(data["skm"]["unsur"]) == list(UNSUR_KEYS)
    text = render_text(IkuReport(kecamatan="Ajung", period=PERIOD), T)
    assert text.count("belum ada data") == 4
    assert "0,00%" not in text


def test_figures_keep_full_precision_in_json_and_indonesian_format_in_text() -> None:
    # 3 respondents, every unsur summing to 10 except waktu (7): IKM = (8*10 + 7) / 27.
    totals = {key: 10 for key in UNSUR_KEYS} | {"waktu": 7}
    result = skm_index(totals, 3)
    report = IkuReport(
        kecamatan="Ajung",
        period=PERIOD,
        skm=SkmFigures(result, sample_check(3, 1200)),
        complaints=ComplaintFigures(received=12, excluded=2, resolved=8, open=3, overdue=1),
        programs=Ratio(12, 15),
        empowerment=Ratio(6, 10),
    )
    data = report_json(report)
    assert data["skm"]["ikm"] == 87 / 27
    assert data["skm"]["ikm_converted"] == 87 / 27 * 25
    assert data["skm"]["sample"] == {"population": 1200, "required": 291, "reached": False}
    assert data["complaints"] == {
        "received": 10,
        "resolved": 8,
        "percent": 80.0,
        "open": 3,
        "overdue": 1,
        "excluded": 2,
    }
    assert data["program_indicators"]["percent"] == 80.0
    assert report_json(report)["empowerment"]["percent"] == 60.0

    assert render_text(report, T).splitlines() == [
        "Laporan IKU Kecamatan Ajung",
        "Periode: 1 Januari 2025 s.d. 16 Februari 2025",
        "1. Indikator program tercapai: 12 dari 15 indikator, 80,00%",
        "2. Indeks Kepuasan Masyarakat (IKM): 80,56 (mutu B, Baik) dari 3 responden",
        "   Unsur terendah: Waktu Penyelesaian (58,33)",
        "   Sampel minimal 291 dari 1.200 pengguna layanan: belum tercapai",
        "3. Kegiatan pemberdayaan terfasilitasi: 6 dari 10 kegiatan, 60,00%",
        "4. Laporan trantib terselesaikan: 8 dari 10 laporan, 80,00%",
        "   Masih terbuka: 3 laporan, 1 melewati batas waktu",
        "   Tidak dihitung: 2 laporan ditolak karena duplikat atau tidak benar",
    ]
