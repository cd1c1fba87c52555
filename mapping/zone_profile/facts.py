"""구역 현황 — the one printable page per zone a new officer needs on day one (internal: personal data).

A zone's profile gathers its officer, team and substitute, its tongs (labelled 샘플 in a sample dong)
and area, its key places (welfare resources such as 경로당, and the apartment offices, senior-centre
and residents' representatives of the contact book), its contact book with the last contact and the
90-day flag, the number of care-needed and move-in households (counts only: no household name,
address or place ever reaches the sheet), its vulnerable spots (cleaning and safety), its open
reports by field, and the usual walk round the zone.

The usual walk is the zone's standing circuit, not a week's plan: from the community centre round
every tong, key place and vulnerable spot of the zone and back, ordered by :func:`mapping.routes.plan_route`
(households are left out: they change week by week and are personal).

The sheet holds personal data (the contacts), so it is marked "내부용 · 개인정보 포함" in its header
and footer; it is read through the store with the acting user (the contact read is logged) and only
for zones in that user's reach; :func:`write_zone_profiles` logs the print (PDF, ``출력``) or the
download (XLSX, ``다운로드``).  The PDF (:mod:`mapping.zone_profile.pdf`) embeds NanumGothic and fits
one A4 page per zone (long lists end with "외 N건"); the XLSX, written here, keeps every row, and its
cells pass :func:`mapping.printing.safe_text`, so no text becomes a formula.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, SupportsInt

import geopandas as gpd
import pandas as pd

from mapping import clock
from mapping.access import User
from mapping.crs import WEB_CRS, to_metric
from mapping.domain import BLIND_SPOT_TYPES, CONTACT_KINDS, FIELDS, OPEN_STATUSES, RESOURCE_TYPES
from mapping.errors import NotFoundError
from mapping.routes import Route, RouteError, Stop, network_from_lines, plan_route, start_of_walk
from mapping.sample import SAMPLE_LABEL
from mapping.text import present, text_of

if TYPE_CHECKING:
    from mapping.store import Store

MARK = "내부용 · 개인정보 포함"
HANDLING = "복사·게시·외부 반출 금지, 인계가 끝나면 파기"
KEY_PLACE_TYPES = (
    "community_centre",
    "senior_centre",
    "welfare_centre",
    "library",
    "school",
    "daycare",
    "sharing_shop",
    "hospital",
)
MEDICAL_TYPES = ("clinic", "pharmacy")  # too many to list: counted on one line
KEY_CONTACT_KINDS = ("apartment_office", "senior_centre_rep", "residents_rep")  # places as much as people
CLEANING_SPOTS = frozenset({"illegal_dumping"})  # every other blind-spot type is a safety check
CONTACT_HEAD = ("구분", "성명", "소속", "연락처", "통", "최근 연락", "90일")
PLACE_HEAD = ("구분", "이름", "통", "전화·비고")
SPOT_HEAD = ("구분", "유형", "내용", "통", "발견일")
_STOP_MIN = 5.0  # minutes at each stop of the usual walk


@dataclass(frozen=True)
class ZoneProfile:
    """What the zone profile sheet says about one zone (tables hold display text, Korean headers).

    ``places``, ``contacts`` and ``spots`` are complete; the PDF (:mod:`mapping.zone_profile.pdf`)
    trims them to its page, the XLSX keeps all.  ``shapes`` (EPSG:5186: every zone of the dong,
    ``zone_id``) and ``tong_shapes`` (the zone's tongs, ``tong``) draw the small map; ``walk`` is
    ``None`` when none could be made (``walk_note`` says why).
    """

    dong_code: str
    dong_name: str
    sample: bool
    zone_id: str
    officer: str
    team: str
    phone: str
    substitute: str
    tongs: tuple[int, ...]
    area_m2: float
    places: pd.DataFrame
    contacts: pd.DataFrame
    care_needed: int
    move_ins: int
    spots: pd.DataFrame
    open_reports: dict[str, int]
    walk: Route | None
    walk_note: str
    shapes: gpd.GeoDataFrame
    tong_shapes: gpd.GeoDataFrame
    made_on: dt.date
    made_by: str

    @property
    def tong_text(self) -> str:
        """``"3·4통"``, or ``"3·4통 (샘플)"`` in a sample dong."""
        return "·".join(map(str, self.tongs)) + "통" + (f" ({SAMPLE_LABEL})" if self.sample else "")

    @property
    def stale_contacts(self) -> int:
        """How many contacts have not been contacted for over 90 days."""
        return int((self.contacts["90일"] != "").sum())

    @property
    def summary(self) -> list[tuple[str, str]]:
        """(label, text) lines of the zone's facts, shared by the PDF and the XLSX."""
        reports = " · ".join(f"{k} {v}" for k, v in self.open_reports.items() if v) or "없음"
        return [
            ("담당 주무관", f"{self.officer} ({self.team}) ☎ {self.phone or '-'}"),
            ("대직자", self.substitute or "-"),
            ("담당 통", self.tong_text),
            ("면적", f"{self.area_m2 / 1e6:.3f} km²"),
            ("돌봄이웃", f"{self.care_needed}세대 (명단은 '내 구역' 화면)"),
            ("전입세대", f"{self.move_ins}세대"),
            ("처리 중 보고", f"{sum(self.open_reports.values())}건 ({reports})"),
            ("연락처", f"{len(self.contacts)}명 (90일 넘게 연락 없음 {self.stale_contacts}명)"),
        ]

    @property
    def dong_line(self) -> str:
        """The dong's name, with " (샘플 자료)" in a sample dong."""
        return f"{self.dong_name}{' (샘플 자료)' if self.sample else ''}"

    @property
    def walk_summary(self) -> str:
        """One line on the usual walk (start, stops, distance, minutes), or why there is none."""
        if self.walk is None:
            return f"경로를 만들 수 없습니다: {self.walk_note}"
        r = self.walk
        return (
            f"출발·도착 {r.start.label} · {len(r.stops)}곳 · {r.total_m / 1000:.1f} km · 걷기 약 {r.walk_min:.0f}분 "
            f"(+ 곳마다 {_STOP_MIN:g}분 = {r.total_min:.0f}분, 직선거리 × {r.detour:g}) · 통·주요 시설·취약지점을 한 바퀴"
        )


def profile_list(profiles: ZoneProfile | Sequence[ZoneProfile]) -> list[ZoneProfile]:
    """``profiles`` as a list: one profile becomes a list of one (the writers take either)."""
    return [profiles] if isinstance(profiles, ZoneProfile) else list(profiles)


# --- building -----------------------------------------------------------------------------------------------------


def zone_profiles(
    store: Store, code: str, *, user: User, zone_ids: Sequence[str] | None = None, today: dt.date | None = None
) -> list[ZoneProfile]:
    """The profiles of ``zone_ids`` (default: every zone of the dong), reading the store once.

    Parameters
    ----------
    store : mapping.store.Store
        The store.
    code : str
        The dong's 행정동코드.
    user : User
        Who asks: the contacts are read as this user (the read is logged).
    zone_ids : sequence of str, optional
        The zones, in the order wanted; default every zone of the dong.
    today : datetime.date, optional
        The day the 90-day flag counts from (default today).

    Raises
    ------
    mapping.errors.NotFoundError
        If a zone is not in the dong (naming every one, and the zones there are).
    PermissionError
        If ``user`` may not see the personal data of a zone asked for.

    Returns
    -------
    list of ZoneProfile
        One per zone, in the order asked.
    """
    zones = store.zones(code)
    wanted = _check_zones(store, code, zones, list(zone_ids) if zone_ids is not None else None, user)
    today = today or clock.today()
    dong = store.dongs().set_index("dong_code").loc[code]
    facts = {
        "contacts": store.contacts(code, user=user, today=today),
        "households": store.household_zones(code),  # kind and zone only: counts
        "resources": store.resources(code),
        "spots": store.blind_spots(code),
        "reports": store.reports(code),
        "tongs": to_metric(store.tongs(code), name="통"),
        "shapes": to_metric(zones[["zone_id", "geometry"]], name="구역"),
    }
    paths = store.paths(code)
    walk = {"start": start_of_walk(store, code), "network": network_from_lines(paths) if len(paths) else None}
    head = {"dong_code": code, "dong_name": str(dong["name"]), "sample": bool(dong["sample"])}
    head |= {"made_on": today, "made_by": user.name}
    by_id = zones.set_index("zone_id")
    return [_assemble(head, by_id.loc[z], z, facts, walk) for z in wanted]


def zone_profile(store: Store, code: str, zone_id: str, *, user: User, today: dt.date | None = None) -> ZoneProfile:
    """The profile of one zone ``zone_id``; the parameters and errors are those of :func:`zone_profiles`.

    Returns
    -------
    ZoneProfile
        The zone's profile.
    """
    return zone_profiles(store, code, user=user, zone_ids=[zone_id], today=today)[0]


def _check_zones(store: Store, code: str, zones: pd.DataFrame, asked: list[str] | None, user: User) -> list[str]:
    known = [str(z) for z in zones["zone_id"]]
    wanted = known if asked is None else [str(z) for z in asked]
    missing = [z for z in wanted if z not in known]
    if missing or not wanted:
        got = ", ".join(missing) or "(없음)"
        raise NotFoundError(f"구역 {got}이(가) 동 {code}에 없습니다. 있는 구역 중에서 고르세요: {', '.join(known)}")
    reach = store.personal_zones(code, user=user)
    barred = [z for z in wanted if z not in reach]
    if barred:
        raise PermissionError(
            f"{user.name}은(는) 구역 {', '.join(barred)}의 현황(연락처 포함)을 볼 수 없습니다: "
            "그 구역 담당·대직자·팀장·동장만 출력합니다."
        )
    return wanted


def _assemble(head: dict, zone: pd.Series, zone_id: str, facts: dict, walk: dict) -> ZoneProfile:
    tongs = tuple(int(t) for t in zone["tongs"])
    resources = facts["resources"][facts["resources"]["zone_id"] == zone_id]
    contacts = facts["contacts"][facts["contacts"]["zone_id"] == zone_id]
    spots = facts["spots"][facts["spots"]["zone_id"] == zone_id]
    homes = facts["households"][facts["households"]["zone_id"] == zone_id]
    reports = facts["reports"][
        (facts["reports"]["zone_id"] == zone_id) & facts["reports"]["status"].isin(OPEN_STATUSES)
    ]
    route, note = _usual_walk(tongs, facts["tongs"], resources, contacts, spots, walk)
    return ZoneProfile(
        **head,
        zone_id=zone_id,
        officer=text_of(zone["officer"]),
        team=text_of(zone["team"]),
        phone=text_of(zone["phone"]),
        substitute=text_of(zone["substitute"]),
        tongs=tongs,
        area_m2=float(zone["area_m2"]),
        places=_places(resources, contacts),
        contacts=_contacts(contacts),
        care_needed=int((homes["kind"] == "care_needed").sum()),
        move_ins=int((homes["kind"] == "move_in").sum()),
        spots=_spots(spots),
        open_reports={label: int((reports["field"] == key).sum()) for key, label in FIELDS.items},
        walk=route,
        walk_note=note,
        shapes=facts["shapes"],
        tong_shapes=facts["tongs"][facts["tongs"]["tong"].isin(tongs)],
    )


def _places(resources: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    order = {t: i for i, t in enumerate(KEY_PLACE_TYPES)}
    key = resources[resources["type"].isin(KEY_PLACE_TYPES)]
    key = key.iloc[key["type"].map(order).argsort(kind="stable")]
    rows = [
        [
            RESOURCE_TYPES.label(r["type"]),
            text_of(r["name"]) or RESOURCE_TYPES.label(r["type"]),
            _tong(r["tong"]),
            r["phone"],
        ]
        for _, r in key.iterrows()
    ]
    for _, c in contacts[contacts["kind"].isin(KEY_CONTACT_KINDS)].iterrows():
        rows.append([CONTACT_KINDS.label(c["kind"]), text_of(c["organisation"]) or c["name"], _tong(c["tong"]), ""])
    medical = resources["type"].value_counts()
    counted = [f"{RESOURCE_TYPES.label(t)} {int(medical[t])}곳" for t in MEDICAL_TYPES if t in medical]
    if counted:
        rows.append(["의료", " · ".join(counted), "", ""])
    return pd.DataFrame(rows, columns=list(PLACE_HEAD)).map(_one_line)


def _contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    rows = [
        [
            CONTACT_KINDS.label(c["kind"]),
            c["name"],
            c["organisation"],
            c["phone"],
            _tong(c["tong"]),
            c["last_contacted"].isoformat() if present(c["last_contacted"]) else "없음",
            f"{int(c['days_since'])}일" if c["stale"] else "",
        ]
        for _, c in contacts.iterrows()
    ]
    return pd.DataFrame(rows, columns=list(CONTACT_HEAD)).map(_one_line)


def _spots(spots: pd.DataFrame) -> pd.DataFrame:
    rows = [
        [
            "청소" if s["type"] in CLEANING_SPOTS else "안전",
            BLIND_SPOT_TYPES.label(s["type"]),
            s["memo"],
            _tong(s["tong"]),
            pd.Timestamp(s["found_on"]).date().isoformat() if present(s["found_on"]) else "",
        ]
        for _, s in spots.iterrows()
    ]
    return pd.DataFrame(rows, columns=list(SPOT_HEAD)).map(_one_line)


def _usual_walk(
    tongs: tuple[int, ...],
    tong_shapes: gpd.GeoDataFrame,
    resources: pd.DataFrame,
    contacts: pd.DataFrame,
    spots: pd.DataFrame,
    walk: dict,
) -> tuple[Route | None, str]:
    """The zone's standing circuit: every tong, key place and vulnerable spot, from the centre and back."""
    stops = []
    centres = tong_shapes.set_index("tong").geometry.representative_point().to_crs(WEB_CRS)
    for tong in tongs:
        stops.append(Stop(f"tong:{tong}", f"{tong}통", "통 한 바퀴", 1, centres[tong].x, centres[tong].y, _STOP_MIN))
    for _, r in resources[
        resources["type"].isin(KEY_PLACE_TYPES) & (resources["type"] != "community_centre")
    ].iterrows():
        label = _one_line(text_of(r["name"]) or RESOURCE_TYPES.label(r["type"]))
        stops.append(Stop(f"resource:{r['id']}", label, "주요 시설", 2, r["lon"], r["lat"], _STOP_MIN))
    offices = contacts[contacts["kind"].isin(KEY_CONTACT_KINDS) & contacts["lon"].notna()]
    for _, c in offices.drop_duplicates(["lon", "lat"]).iterrows():
        label = _one_line(text_of(c["organisation"]) or CONTACT_KINDS.label(c["kind"]))
        stops.append(Stop(f"contact:{c['id']}", label, "주요 시설", 2, c["lon"], c["lat"], _STOP_MIN))
    for _, s in spots.iterrows():
        label = f"취약지점 #{s['id']} {BLIND_SPOT_TYPES.label(s['type'])}"
        stops.append(Stop(f"blind_spot:{s['id']}", label, "취약지점 점검", 2, s["lon"], s["lat"], _STOP_MIN))
    try:
        return plan_route(stops, start=walk["start"], network=walk["network"]), ""
    except RouteError as exc:
        return None, str(exc)


# --- hand-over ----------------------------------------------------------------------------------------------------


def handover_message(done: dict) -> str:
    """Say what a hand-over moved, e.g. ``구역 Z03: 강도윤 → 엄채원 (처리 중 보고 2건, 세대 1곳 인계)``.

    The command line and the zone editor page say the same thing after :meth:`mapping.store.Store.reassign`.

    Parameters
    ----------
    done : dict
        What :meth:`mapping.store.Store.reassign` returned: ``zone_id``, ``former``, ``successor``,
        ``reports`` and ``households``.

    Returns
    -------
    str
        Plain text (names as they are): escape it where it goes, e.g. Streamlit Markdown.
    """
    return (
        f"구역 {done['zone_id']}: {done['former']} → {done['successor']} "
        f"(처리 중 보고 {done['reports']}건, 세대 {done['households']}곳 인계)"
    )


# --- text ---------------------------------------------------------------------------------------------------------

_DROP = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format (bidi overrides…), surrogates, unassigned


def _one_line(value: object) -> str:
    """``value`` as text on one line, without control or bidi characters (they would break the page)."""
    text = "".join(ch for ch in " ".join(text_of(value).split()) if unicodedata.category(ch) not in _DROP)
    return " ".join(text.split())


def _tong(value: SupportsInt | None) -> str:
    """A tong number cell as text; ``""`` when missing (None, NaN, pd.NA)."""
    return str(int(value)) if value is not None and present(value) else ""
