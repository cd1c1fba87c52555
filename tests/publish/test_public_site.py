"""The public map site: made from the public view only, safe text, refused when something personal slips in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mapping.access import CLI_USER
from mapping.cli import main
from mapping.errors import PrivacyError
from mapping.publish.privacy import personal_values_of, public_view
from mapping.publish.public_site import export_public_site, site_data
from mapping.store import Store
from tests.conftest import SAMPLE_CODE


def _data(folder: Path) -> dict:
    text = (folder / "data.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.UDONGJU = ").rstrip().rstrip(";"))


def test_site_holds_public_resources_cards_with_consent_and_suppressed_counts(
    sample_store: Store, tmp_path: Path
) -> None:
    view = public_view(sample_store, SAMPLE_CODE, since=dt.date(2026, 1, 1))
    export_public_site(view, tmp_path, personal_values=personal_values_of(sample_store, SAMPLE_CODE, user=CLI_USER))
    data = _data(tmp_path)
    everything = sample_store.resources(SAMPLE_CODE)
    assert len(data["resources"]) == int(everything["public"].sum()) < len(everything)
    names = {r["name"] for r in data["resources"]}
    assert not names & set(everything.loc[~everything["public"], "name"])
    cards = {f["properties"]["zone_id"]: f["properties"] for f in data["zones"]["features"]}
    staff = sample_store.staff(SAMPLE_CODE).set_index("name")
    for zone in sample_store.zones(SAMPLE_CODE).itertuples():
        agreed = bool(staff.loc[zone.officer, "public_card"])
        assert cards[zone.zone_id]["officer"] == (zone.officer if agreed else None)
        assert cards[zone.zone_id]["phone"] == (zone.phone if agreed else None)
    rows = data["counts"]["rows"]
    assert all(v is None or v == 0 or v >= 5 for row in rows for v in row[1:])
    assert "가린 값" in data["counts"]["note"]
    for name in ("index.html", "app.js", "site.css", "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css"):
        assert (tmp_path / name).exists()
    assert "cdn" not in (tmp_path / "index.html").read_text(encoding="utf-8").lower()


def test_text_in_the_data_cannot_close_the_script(sample_store: Store, tmp_path: Path) -> None:
    view = public_view(sample_store, SAMPLE_CODE)
    view.resources.loc[view.resources.index[0], "name"] = "</script><script>alert(1)</script>"
    export_public_site(view, tmp_path)
    script = (tmp_path / "data.js").read_text(encoding="utf-8")
    assert "</script>" not in script and "<\\/script>" in script
    assert _data(tmp_path)["resources"][0]["name"] == "</script><script>alert(1)</script>"  # shown as text
    assert "innerHTML" not in (tmp_path / "app.js").read_text(encoding="utf-8")


def test_a_personal_value_in_the_data_refuses_the_export(sample_store: Store, tmp_path: Path) -> None:
    view = public_view(sample_store, SAMPLE_CODE)
    leaked = str(view.resources["name"].dropna().iloc[0])
    with pytest.raises(PrivacyError, match="공개 지도"):
        export_public_site(view, tmp_path / "site", personal_values=[leaked])
    assert not (tmp_path / "site").exists()


def test_tiles_can_be_left_out(sample_store: Store) -> None:
    view = public_view(sample_store, SAMPLE_CODE)
    assert site_data(view, tiles=False)["tiles"] is None
    assert "openstreetmap" in site_data(view)["tiles"]["url"]


def test_public_map_command(sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "public"
    assert main(["public-map", "--db", sample_store.url, "--out", str(out)]) == 0
    assert (out / "index.html").exists() and "k=5" in capsys.readouterr().out
    assert main(["public-map", "--db", sample_store.url, "--out", str(out), "--k", "2"]) == 2
    assert "--k" in capsys.readouterr().err
