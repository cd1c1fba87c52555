"""Build the sample kit of 마포구 성산2동 in data/sample_kit (run once by a developer).

Real: the dong boundary (SGIS via vuski/admdongkor) and its clinics, hospitals
and pharmacies (행정안전부 LOCALDATA, EPSG:5174 coordinates kept as given).
Sample: tongs (mapping.sample method), staff, households, reports, blind
spots and non-medical resources — all invented and labelled so.

Usage: python tools/make_sample_kit.py ../shared/data data/sample_kit
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer

from mapping.domain import DUTIES, FIELDS, ROLES
from mapping.reports import DUTY_FOR_FIELD, propose_assignee
from mapping.sample import sample_tongs

DONG_CODE = "1144073000"
N_TONGS = 36
NOT_CONSENTING = frozenset({"윤지호", "차은호"})  # sample: their name and phone stay off public outputs
SEED = 20261125

# (team, name, role, duties, tongs-count) — invented people, in the shape of the
# programme's aggregation sheet (팀명, 성명, 담당통, 대직자).
STAFF = [
    ("동장", "한서윤", "동장", "주민자치,마을", 2),
    ("행정민원팀", "오민재", "팀장", "민원,주민등록", 2),
    ("행정민원팀", "강도윤", "주무관", "청소", 2),
    ("행정민원팀", "윤지호", "주무관", "민방위,안전", 2),
    ("행정민원팀", "장하은", "주무관", "주민등록,민원", 2),
    ("행정민원팀", "임서준", "주무관", "청소,주거", 2),
    ("행정민원팀", "조예린", "주무관", "안전", 2),
    ("행정민원팀", "신유나", "주무관", "민원", 0),
    ("주민자치팀", "권태호", "팀장", "주민자치,마을", 2),
    ("주민자치팀", "황보라", "주무관", "문화,마을", 2),
    ("주민자치팀", "송민기", "주무관", "주민자치", 2),
    ("주민자치팀", "배수아", "주무관", "문화", 2),
    ("주민자치팀", "문건우", "주무관", "마을,청소", 2),
    ("복지팀", "유정민", "팀장", "복지", 2),
    ("복지팀", "남궁현", "주무관", "복지,건강", 2),
    ("복지팀", "노아린", "주무관", "복지", 2),
    ("복지팀", "하준혁", "주무관", "건강", 2),
    ("복지팀", "표소율", "주무관", "복지,주거", 2),
    ("복지팀", "차은호", "주무관", "복지", 2),
    ("복지팀", "엄채원", "주무관", "복지", 0),
]

MEMOS = {
    "환경": [
        "골목 무단투기 쓰레기 더미",
        "가로등 불 꺼짐",
        "하수구 냄새 민원",
        "불법 현수막 게시",
        "담배꽁초 투기 많음",
    ],
    "안전": ["맨홀 뚜껑 파손", "보도블록 들뜸", "통학로 불법주차", "건널목 신호등 고장"],
    "복지": [
        "홀몸 어르신 안부 확인 필요",
        "끼니 거르는 어르신 발견",
        "기초생활 상담 희망 주민",
        "나눔가게 신규 참여 의사",
        "폭염 취약가구 방문",
    ],
    "민원": ["주차 문제로 이웃 간 갈등"],
    "홍보": ["우리동네주무관 명함 배부", "복지 사각지대 신고 안내문 부착"],
    "일반": ["동네 산책로 벤치 요청", "주민 모임 공간 문의"],
}
ACTIVITY = {
    "복지": ["돌봄이웃발견", "복지자원조사", "주민소통창구"],
    "환경": ["생활민원청취", "동네일기"],
    "안전": ["생활민원청취"],
    "민원": ["생활민원청취"],
    "홍보": ["주민소통창구"],
    "일반": ["주민소통창구", "동네일기"],
}
FIELD_WEIGHTS = {"복지": 43, "환경": 45, "안전": 4, "민원": 2, "홍보": 2, "일반": 9}
BLIND_TYPES = ["도로노면", "가로수", "건널목", "간판", "통학로", "건물노후", "무단투기", "버스정류장", "수방·제설"]


def _pair_adjacent(tongs: gpd.GeoDataFrame) -> list[list[int]]:
    """Pair tongs that share an edge, so every sample zone is contiguous.

    Greedy: the tong with the fewest free neighbours goes first, with its free
    neighbour that has the fewest free neighbours (ties: lower number).
    """
    metric = tongs.to_crs("EPSG:5186").set_index("tong").geometry
    nbrs = {
        a: {b for b in metric.index if b != a and metric[a].intersection(metric[b]).length > 1.0} for a in metric.index
    }
    free, pairs = set(metric.index), []
    while free:
        a = min(free, key=lambda t: (len(nbrs[t] & free), t))
        options = sorted(nbrs[a] & (free - {a}), key=lambda t: (len(nbrs[t] & free), t))
        if not options:
            raise RuntimeError(f"tong {a} has no free neighbour: change N_TONGS")
        pairs.append(sorted([a, options[0]]))
        free -= {a, options[0]}
    return sorted(pairs)


def _point_in(geom: shapely.Geometry, rng: random.Random) -> tuple[float, float]:
    minx, miny, maxx, maxy = geom.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(shapely.Point(x, y)):
            return round(x, 6), round(y, 6)


def main(shared: Path, out: Path) -> None:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    dongs = gpd.read_file(shared / "seoul_admdong_ver20210401.geojson")
    dong = dongs[dongs["adm_cd2"].astype(str) == DONG_CODE][["adm_cd2", "adm_nm", "geometry"]].reset_index(drop=True)
    dong.to_file(out / "dong.geojson", driver="GeoJSON")
    tongs = sample_tongs(dong, n=N_TONGS)
    tongs.to_file(out / "tongs.geojson", driver="GeoJSON")
    (out / "kit.json").write_text(
        json.dumps({"sample": True, "crs": {"resources": "EPSG:5174"}}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )

    staff, officers = [], []  # two officers did not agree to be named on public maps
    pairs = iter(_pair_adjacent(tongs))
    for i, (team, name, role, duties, count) in enumerate(STAFF):
        owned = next(pairs) if count else []
        sub = STAFF[i + 1][1] if i + 1 < len(STAFF) and STAFF[i + 1][0] == team else STAFF[i - 1][1]
        staff.append(
            {
                "팀명": team,
                "성명": name,
                "역할": role,
                "담당업무": duties,
                "연락처": f"02-0000-{3100 + i:04d}",
                "담당통": ",".join(map(str, owned)),
                "대직자": sub,
                "공개동의": "N" if name in NOT_CONSENTING else "Y",
            }
        )
        if owned:
            officers.append((name, owned))
    pd.DataFrame(staff).to_csv(out / "staff.csv", index=False, encoding="utf-8-sig")

    medical = pd.read_csv(shared / "seoul_medical_localdata.csv")
    medical = medical[medical["adm_cd2"].astype("Int64").astype(str) == DONG_CODE]
    resources = [
        {
            "유형": r.category,
            "명칭": "",
            "주소": r.address,
            "전화": "",
            "운영시간": "",
            "x": r.x_epsg5174,
            "y": r.y_epsg5174,
            "좌표계": "EPSG:5174",
            "공개": "Y",
        }
        for r in medical.itertuples()
    ]
    tong_geom = tongs.set_index("tong").geometry
    centre = dong.geometry.iloc[0].representative_point()
    invented = [
        ("주민센터", "성산2동 주민센터(샘플 위치)", "Y", None),
        ("경로당", "샘플 경로당 1", "Y", 5),
        ("경로당", "샘플 경로당 2", "Y", 22),
        ("어린이집", "샘플 어린이집", "Y", 14),
        ("학교", "샘플 초등학교", "Y", 27),
        ("나눔가게", "샘플 나눔가게 1", "Y", 9),
        ("나눔가게", "샘플 나눔가게 2", "Y", 31),
        ("나눔이웃", "샘플 나눔이웃(비공개)", "N", 18),
        ("복지관", "샘플 종합사회복지관", "Y", 34),
    ]
    for kind, name, public, tong in invented:
        x, y = (centre.x, centre.y) if tong is None else _point_in(tong_geom[tong], rng)

        ex, ey = Transformer.from_crs("EPSG:4326", "EPSG:5174", always_xy=True).transform(x, y)
        resources.append(
            {
                "유형": kind,
                "명칭": name,
                "주소": "서울특별시 마포구 성산동 (샘플)",
                "전화": "02-0000-0000",
                "운영시간": "평일 09:00-18:00",
                "x": round(ex, 3),
                "y": round(ey, 3),
                "좌표계": "EPSG:5174",
                "공개": public,
            }
        )
    pd.DataFrame(resources).to_csv(out / "resources.csv", index=False, encoding="utf-8-sig")

    staff_frame = pd.DataFrame(
        {
            "name": [r["성명"] for r in staff],
            "team": [r["팀명"] for r in staff],
            "role": [ROLES.parse(r["역할"]) for r in staff],
            "duties": [[DUTIES.parse(d) for d in r["담당업무"].split(",")] for r in staff],
        }
    )
    reports, start = [], dt.datetime(2026, 9, 1, 10, 0)
    fields = [f for f, w in FIELD_WEIGHTS.items() for _ in range(w)]
    for i in range(90):
        name, owned = officers[i % len(officers)]
        field = rng.choice(fields)
        x, y = _point_in(tong_geom[rng.choice(owned)], rng)
        when = start + dt.timedelta(
            days=rng.randrange(0, 85), hours=rng.randrange(0, 7), minutes=rng.choice([0, 15, 30, 45])
        )
        closed = when < dt.datetime(2026, 11, 1)
        status = "종료" if closed else rng.choice(["접수", "인계", "처리중"])
        proposal = propose_assignee(DUTY_FOR_FIELD[FIELDS.parse(field)], staff_frame, finder=name)
        assignee = "" if status == "접수" else (name if proposal.kind in ("own", "nobody") else proposal.person)
        reports.append(
            {
                "일시": when.strftime("%Y-%m-%d %H:%M"),
                "작성자": name,
                "경도": x,
                "위도": y,
                "주소": "서울특별시 마포구 성산동 (샘플)",
                "활동유형": rng.choice(ACTIVITY[field]),
                "분야": field,
                "내용": f"[샘플] {rng.choice(MEMOS[field])}",
                "조치사항": "담당자 인계 후 처리" if closed else "",
                "상태": status,
                "담당자": assignee,
                "보고완료": "Y" if when < dt.datetime(2026, 11, 20) else "N",
            }
        )
    pd.DataFrame(reports).to_excel(out / "reports.xlsx", index=False)

    households = []
    for i in range(24):
        kind = "전입세대" if i % 2 == 0 else "돌봄이웃"
        x, y = _point_in(tong_geom[rng.randrange(1, N_TONGS + 1)], rng)
        households.append(
            {
                "구분": kind,
                "성명": f"가상주민{i + 1:02d}",
                "연락처": f"010-0000-{i + 1:04d}",
                "주소": f"서울특별시 마포구 성산동 샘플주소 {i + 1}",
                "경도": x,
                "위도": y,
                "전입일": f"2026-{9 + i % 3:02d}-{1 + i:02d}" if kind == "전입세대" else "",
                "특성": rng.choice(["65세이상,독거", "다문화", "장애인", "65세이상", "한부모"])
                if kind == "돌봄이웃"
                else "",
                "방문주기_일": rng.choice([7, 14, 30]) if kind == "돌봄이웃" else "",
                "최근방문일": f"2026-11-{1 + i:02d}" if kind == "돌봄이웃" else "",
            }
        )
    pd.DataFrame(households).to_csv(out / "households.csv", index=False, encoding="cp949")

    spots = []
    for i, kind in enumerate(BLIND_TYPES + BLIND_TYPES[:3]):
        x, y = _point_in(tong_geom[rng.randrange(1, N_TONGS + 1)], rng)
        spots.append(
            {
                "유형": kind,
                "내용": f"[샘플] {kind} 점검 필요",
                "경도": x,
                "위도": y,
                "발견일": f"2026-10-{1 + 2 * i:02d}",
            }
        )
    pd.DataFrame(spots).to_csv(out / "blind_spots.csv", index=False, encoding="utf-8-sig")
    shutil.copy(
        shared / "seoul_admdong_ver20210401.geojson", Path("data/boundaries") / "seoul_admdong_ver20210401.geojson"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
