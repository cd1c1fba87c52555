"""CLI: activity-report and export-reports on the sample store."""

from __future__ import annotations

import json
import subprocess

from mapping.cli import main
from mapping.publish.privacy import feed_publishable
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user


def db_of(store) -> str:
    return store.url.removeprefix("sqlite:///")


def activity(store, officer: str, day: object, out: object, *extra: str) -> int:
    """Run `python -m mapping activity-report` in-process against ``store``; its exit status."""
    return main(
        ["activity-report", "--officer", officer, "--date", str(day), "--out", str(out), *extra, "--db", db_of(store)]
    )


def test_activity_report_pdf_and_xlsx_then_submit(sample_store, tmp_path, capsys):
    reports = sample_store.reports(SAMPLE_CODE)
    unreported = reports[~reports["reported"].astype(bool)].iloc[0]
    officer, day = unreported["finder"], unreported["created_at"].date()
    of_day = reports[(reports["finder"] == officer) & (reports["created_at"].dt.date == day)]
    for suffix in ("pdf", "xlsx"):
        out = tmp_path / f"a.{suffix}"
        assert activity(sample_store, officer, f"{day}", str(out)) == 0
        assert out.stat().st_size > 1000
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "a.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "우리동네주무관 활동보고서" in text and officer in text
    capsys.readouterr()
    assert activity(sample_store, officer, day, tmp_path / "b.pdf", "--submit") == 0
    assert f"보고 {len(of_day)}건을 보고완료로" in capsys.readouterr().out
    after = sample_store.reports(SAMPLE_CODE).set_index("id").loc[of_day["id"]]
    assert after["reported"].astype(bool).all()


def test_activity_report_bad_input_exits_2(sample_store, tmp_path, capsys):
    assert activity(sample_store, "한서윤", "2026-01-01", str(tmp_path / "a.pdf")) == 2
    assert "활동 보고가 없습니다" in capsys.readouterr().err
    assert activity(sample_store, "한서윤", "2026-13-01", str(tmp_path / "a.pdf")) == 2
    assert activity(sample_store, "한서윤", "2026-10-05", str(tmp_path / "a.doc")) == 2
    assert not (tmp_path / "a.pdf").exists()


def test_export_reports_every_format(sample_store, tmp_path):
    for fmt, name in (("csv", "r.csv"), ("xlsx", "r.xlsx"), ("geojson", "r.geojson"), ("open311", "r.json")):
        assert (
            main(["export-reports", "--format", fmt, "--out", str(tmp_path / name), "--db", db_of(sample_store)]) == 0
        )
    requests = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    reports = sample_store.reports(SAMPLE_CODE)
    public = feed_publishable(reports)  # no welfare, care-found or unclassified report; residents only where public
    assert not (reports[public]["field"].eq("welfare") | reports[public]["activity"].eq("care_found")).any()
    assert 0 < len(requests) == int(public.sum()) < 90
    assert {"service_request_id", "status", "lat", "long"} <= set(requests[0])
    features = json.loads((tmp_path / "r.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == 90


def test_activity_report_survives_a_lost_photo_file(sample_store, tmp_path, monkeypatch):
    from mapping.access import CLI_USER
    from mapping.photos import read_photo
    from tests.test_photos import jpeg_with_gps

    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    photos = [read_photo(jpeg_with_gps(126.9, 37.567, size=s), name=f"{s}.jpg") for s in ((640, 480), (800, 600))]
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=(126.9, 37.567), memo="사진 둘", photos=photos, user=staff_user("강도윤")
    )
    sample_store.report_photos(rid)["path"].iloc[0].unlink()
    day = sample_store.report(rid, user=CLI_USER)["created_at"].date()
    out = tmp_path / "a.pdf"
    assert activity(sample_store, "강도윤", f"{day}", str(out)) == 0
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True).stdout
    assert len([line for line in images.splitlines()[2:] if line.strip()]) == 1
