"""Small data kits of other real dongs, written on the fly for tests that need more than one dong.

The boundary is the real 행정동 (``data/boundaries``); tongs come from the documented sample method
(:func:`mapping.sample.sample_tongs`); every person is invented (가상…, phones 010-0000-NNNN).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapping.sample import sample_tongs

ROOT = Path(__file__).resolve().parent.parent
BOUNDARIES = ROOT / "data" / "boundaries" / "seoul_admdong_ver20210401.geojson"

BANGHAK3 = "1132071000"  # 서울특별시 도봉구 방학3동 (gu 11320): another gu than the sample's 마포구 (11440)
# (team, name, role, duties, tongs, substitute): 강도윤 and 오민재 share their names with the sample dong's staff
BANGHAK3_STAFF = [
    ("동장", "방동장", "동장", "주민자치", "1", "강도윤"),
    ("행정민원팀", "오민재", "팀장", "민원", "2", "강도윤"),
    ("행정민원팀", "강도윤", "주무관", "청소", "3,4", "오민재"),
    ("복지팀", "방복지", "주무관", "복지", "5,6", "강도윤"),
]
BANGHAK3_HOUSEHOLDS = [
    ("돌봄이웃", "가상도봉주민01", "010-0000-7101", 3),
    ("전입세대", "가상도봉주민02", "010-0000-7102", 5),
]


def write_small_kit(
    dest: Path,
    code: str,
    *,
    staff: list[tuple[str, str, str, str, str, str]],
    households: list[tuple[str, str, str, int]] = (),
    n_tongs: int = 6,
    sample: bool = False,
) -> Path:
    """Write a kit of dong ``code`` into ``dest``: boundary, ``n_tongs`` sample tongs, staff, households.

    Households are placed at their tong's representative point; the kit says ``sample`` when asked.
    """
    dest.mkdir(parents=True, exist_ok=True)
    dongs = gpd.read_file(BOUNDARIES)
    dong = dongs[dongs["adm_cd2"].astype(str) == code][["adm_cd2", "adm_nm", "geometry"]].reset_index(drop=True)
    dong.to_file(dest / "dong.geojson", driver="GeoJSON")
    tongs = sample_tongs(dong, n=n_tongs)
    tongs.to_file(dest / "tongs.geojson", driver="GeoJSON")
    (dest / "kit.json").write_text(json.dumps({"sample": sample}), encoding="utf-8")
    rows = [
        {
            "팀명": t,
            "성명": n,
            "역할": r,
            "담당업무": d,
            "연락처": f"02-0000-{7000 + i}",
            "담당통": s,
            "대직자": b,
            "공개동의": "Y",
        }
        for i, (t, n, r, d, s, b) in enumerate(staff)
    ]
    pd.DataFrame(rows).to_csv(dest / "staff.csv", index=False, encoding="utf-8-sig")
    where = tongs.set_index("tong").geometry.representative_point()
    homes = [
        {"구분": k, "성명": n, "연락처": p, "주소": f"가상 주소 {i + 1}", "경도": where[t].x, "위도": where[t].y}
        for i, (k, n, p, t) in enumerate(households)
    ]
    if homes:
        pd.DataFrame(homes).to_csv(dest / "households.csv", index=False, encoding="utf-8-sig")
    return dest


def write_banghak3(dest: Path) -> Path:
    """The kit of 도봉구 방학3동 used by the isolation tests (not sample: a real dong with invented people)."""
    return write_small_kit(dest, BANGHAK3, staff=BANGHAK3_STAFF, households=BANGHAK3_HOUSEHOLDS)
