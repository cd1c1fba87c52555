"""The commands that make what goes to residents: tour-map, poster, welcome (public-map and hsds-* have their own)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from mapping.cli import main
from mapping.store import Store

URL = "https://example.org/udongju/"


def _pages(pdf: Path) -> str:
    return subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout


def test_tour_map_by_officer_name_in_a3_landscape(sample_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "tour.pdf"
    args = ["tour-map", "--db", sample_store.url, "--zone", "노아린", "--size", "A3", "--orientation", "landscape"]
    assert main([*args, "--public-url", URL, "--out", str(out)]) == 0
    assert "1190.55 x 841.89 pts" in _pages(out)  # A3 landscape


def test_tour_map_takes_the_saved_public_url(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import SAMPLE_CODE
    from tests.helpers import staff_user

    monkeypatch.delenv("MAPPING_PUBLIC_URL", raising=False)
    args = ["tour-map", "--db", sample_store.url, "--zone", "Z09", "--out", str(tmp_path / "t.pdf")]
    assert main(args) == 2  # no address for the QR yet
    sample_store.set_public_url(SAMPLE_CODE, URL, user=staff_user("오민재"))
    assert main(args) == 0 and (tmp_path / "t.pdf").exists()


def test_bad_zone_and_suffix_are_bad_input(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["tour-map", "--db", sample_store.url, "--public-url", URL]
    assert main([*base, "--zone", "없는사람", "--out", str(tmp_path / "t.pdf")]) == 2
    assert "Z01" in capsys.readouterr().err  # the zones there are, named
    assert main([*base, "--zone", "Z09", "--out", str(tmp_path / "t.png")]) == 2


def test_poster_is_a3_portrait(sample_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "poster.pdf"
    assert main(["poster", "--db", sample_store.url, "--public-url", URL, "--out", str(out)]) == 0
    assert "841.89 x 1190.55 pts" in _pages(out)


def test_welcome_csv_in_cp949_is_logged(sample_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "welcome.csv"
    before = len(sample_store.access_log())
    assert main(["welcome", "--db", sample_store.url, "--out", str(out), "--encoding", "cp949"]) == 0
    messages = pd.read_csv(out, encoding="cp949")
    assert len(messages) > 0 and messages["메시지"].str.contains("전입을 환영합니다").all()
    assert len(sample_store.access_log()) > before  # the households were read: logged
    assert main(["welcome", "--db", sample_store.url, "--out", str(tmp_path / "letters.pdf")]) == 0
    pages = next(line for line in _pages(tmp_path / "letters.pdf").splitlines() if line.startswith("Pages:"))
    assert int(pages.split()[-1]) == len(messages)  # one letter per household


def test_welcome_export_is_logged_as_a_download(sample_store: Store, tmp_path: Path) -> None:
    assert main(["welcome", "--db", sample_store.url, "--out", str(tmp_path / "w.csv")]) == 0
    log = sample_store.access_log()
    assert (log["action"] == "다운로드").any() and log.iloc[-1]["subject"].startswith("households:")


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_business_cards_of_one_officer_fill_an_a4_page(sample_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "명함.pdf"
    args = ["business-cards", "--db", sample_store.url, "--officer", "강도윤", "--public-url", URL]
    assert main([*args, "--out", str(out)]) == 0
    assert "595.28 x 841.89 pts (A4)" in _pages(out) and "Pages:           1" in _pages(out)
    assert _text(out).count("강도윤") == 10 and "02-0000-3102" in _text(out)


def test_business_cards_of_the_whole_dong_one_each_without_a_url(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MAPPING_PUBLIC_URL", raising=False)
    out = tmp_path / "cards.pdf"
    assert main(["business-cards", "--db", sample_store.url, "--out", str(out)]) == 0
    assert "Pages:           2" in _pages(out)  # 20 officers, one card each
    assert "QR 코드 없이" in capsys.readouterr().out
    args = ["business-cards", "--db", sample_store.url, "--officer", "Z03", "--officer", "윤지호", "--copies", "5"]
    assert main([*args, "--out", str(out)]) == 0
    assert "Pages:           1" in _pages(out) and _text(out).count("윤지호") == 5


def test_business_cards_bad_officer_or_copies_are_bad_input(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["business-cards", "--db", sample_store.url, "--out", str(tmp_path / "c.pdf")]
    assert main([*base, "--officer", "없는사람"]) == 2
    assert "강도윤" in capsys.readouterr().err  # the staff there are, named
    assert main([*base, "--copies", "0"]) == 2
    assert "--copies" in capsys.readouterr().err
    assert main(["business-cards", "--db", sample_store.url, "--out", str(tmp_path / "c.png")]) == 2


def test_zone_profile_of_one_zone_by_officer_name_is_one_logged_page(sample_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "현황.pdf"
    assert main(["zone-profile", "--db", sample_store.url, "--zone", "노아린", "--out", str(out)]) == 0
    (page,) = _text(out).split("\f")[:-1]
    assert "Z28 구역 현황" in page and "가상통장03" in page
    last = sample_store.access_log().iloc[-1]
    assert (last["action"], last["subject"]) == ("출력", "contacts:1144073000:Z28")


def test_zone_profile_xlsx_of_the_whole_dong_has_a_sheet_per_zone(sample_store: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "현황.xlsx"
    assert main(["zone-profile", "--db", sample_store.url, "--dong", "1144073000", "--out", str(out)]) == 0
    assert load_workbook(out).sheetnames == list(sample_store.zones("1144073000")["zone_id"])
    assert sample_store.access_log().iloc[-1]["action"] == "다운로드"


def test_zone_profile_refuses_an_unknown_zone_and_a_bad_suffix(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["zone-profile", "--db", sample_store.url]
    assert main([*base, "--zone", "Z99", "--out", str(tmp_path / "z.pdf")]) == 2
    assert "Z01" in capsys.readouterr().err
    assert main([*base, "--zone", "Z03", "--out", str(tmp_path / "z.docx")]) == 2
    assert ".pdf 또는 .xlsx" in capsys.readouterr().err


def test_zone_profile_hands_over_first_and_names_the_successor(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "인계.pdf"
    base = ["zone-profile", "--db", sample_store.url, "--handover-to", "엄채원"]
    assert main([*base, "--out", str(out)]) == 2  # which zone?
    assert "--zone" in capsys.readouterr().err and not out.exists()
    assert main([*base, "--zone", "Z05", "--out", str(out)]) == 0
    assert "윤지호 → 엄채원" in capsys.readouterr().out
    zones = sample_store.zones("1144073000").set_index("zone_id")
    assert zones.loc["Z05", "officer"] == "엄채원"
    officer = next(line for line in _text(out).splitlines() if line.strip().startswith("담당 주무관"))
    assert "엄채원" in officer  # the sheet is the successor's


def _officer_of(store: Store, zone_id: str) -> str:
    return str(store.zones("1144073000").set_index("zone_id").loc[zone_id, "officer"])


def test_zone_profile_checks_the_sheet_can_be_written_before_handing_over(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import mapping.fonts
    from mapping.fonts import FontError

    base = ["zone-profile", "--db", sample_store.url, "--zone", "Z05", "--handover-to", "엄채원"]
    assert main([*base, "--out", str(tmp_path / "인계.txt")]) == 2  # a suffix of neither kind
    assert ".pdf 또는 .xlsx" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main([*base, "--out", str(blocker / "인계.pdf")]) == 2  # its folder cannot be made
    assert "쓸 수 없습니다" in capsys.readouterr().err
    (tmp_path / "인계.pdf").mkdir()
    assert main([*base, "--out", str(tmp_path / "인계.pdf")]) == 2  # a folder stands where the file would go
    assert "같은 이름의 폴더" in capsys.readouterr().err

    def no_font(*, bold: bool = False) -> Path:
        raise FontError("한글 글꼴 NanumGothic.ttf이(가) 없습니다")

    monkeypatch.setattr(mapping.fonts, "korean_font_path", no_font)
    assert main([*base, "--out", str(tmp_path / "인계2.pdf")]) == 2
    assert "글꼴" in capsys.readouterr().err
    assert _officer_of(sample_store, "Z05") == "윤지호"  # nothing was handed over
    assert not (sample_store.access_log()["subject"] == "zones:1144073000:Z05").any()
    assert main([*base, "--out", str(tmp_path / "인계.xlsx")]) == 0  # a workbook needs no font
    assert _officer_of(sample_store, "Z05") == "엄채원"


def test_zone_profile_that_fails_after_the_hand_over_says_how_to_make_the_sheet_alone(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shlex

    import mapping.zone_profile.files

    real = mapping.zone_profile.files.write_zone_profiles

    def broken(*args: object, **kwargs: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mapping.zone_profile.files, "write_zone_profiles", broken)
    out = tmp_path / "인계.pdf"
    argv = ["zone-profile", "--db", sample_store.url, "--zone", "Z05", "--handover-to", "엄채원", "--out", str(out)]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "윤지호 → 엄채원" in captured.out and _officer_of(sample_store, "Z05") == "엄채원"  # done, and stays
    assert "구역 인계는 끝났지만" in captured.err and "No space left on device" in captured.err
    assert not out.exists()
    command = captured.err.strip().splitlines()[-1].split(": ", 1)[1]
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "mapping"] and "--handover-to" not in words
    assert main(argv) == 2  # a second hand-over is refused: 엄채원 has the zone now
    monkeypatch.setattr(mapping.zone_profile.files, "write_zone_profiles", real)  # the cause fixed
    assert main(words[3:]) == 0
    officer = next(line for line in _text(out).splitlines() if line.strip().startswith("담당 주무관"))
    assert "엄채원" in officer
