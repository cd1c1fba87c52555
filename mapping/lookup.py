"""Who is my officer? From a point or an address to the tong, zone and officer."""

from __future__ import annotations

import shapely

from mapping.addresses import match_address, normalize_address
from mapping.crs import plausible_lonlat
from mapping.errors import NotFoundError
from mapping.store import Store


def _dong_at(store: Store, lon: float, lat: float) -> str:
    point = shapely.Point(lon, lat)
    for code in store.dongs()["dong_code"]:
        if store.dong(code).geometry.iloc[0].covers(point):
            return code
    raise NotFoundError(f"({lon:.6f}, {lat:.6f})은(는) 저장소에 있는 어느 동에도 속하지 않습니다.")


def officer_for(
    store: Store, *, lonlat: tuple[float, float] | None = None, address: str | None = None
) -> dict[str, object]:
    """Find the tong, zone and zone officer of a place.

    Parameters
    ----------
    store : Store
        Where the dongs, tongs, zones and addresses are.
    lonlat : (float, float), optional
        The place in EPSG:4326.
    address : str, optional
        Or an address, matched offline (see :mod:`mapping.addresses`).

    Returns
    -------
    dict
        ``tong``, ``zone_id``, ``officer``, ``team``, ``phone`` (office phone),
        ``substitute``, ``dong``; plus ``matched_address`` for an address.
        Officer fields are ``None`` for a tong nobody owns.

    Raises
    ------
    NotFoundError
        If the place is outside every loaded dong or the address is not found.
    """
    if (lonlat is None) == (address is None):
        raise ValueError("lonlat과 address 중 하나만 주세요.")
    result: dict[str, object] = {}
    if address is not None:
        norm = normalize_address(address)
        found = match_address(address, store.address_candidates(norm))
        lonlat = (found["lon"], found["lat"])
        result["matched_address"] = found["address"]
    assert lonlat is not None  # one of the two was given (checked above)
    lon, lat = float(lonlat[0]), float(lonlat[1])
    if not plausible_lonlat(lon, lat):
        raise NotFoundError(f"({lon}, {lat})은(는) 서울이 아닙니다. 경도,위도 순서로 주세요 (예: 126.9010,37.5670).")
    code = _dong_at(store, lon, lat)
    tongs = store.tongs(code)
    inside = tongs[tongs.geometry.covers(shapely.Point(lon, lat))]
    if inside.empty:
        raise NotFoundError(f"({lon:.6f}, {lat:.6f})은(는) 동 안이지만 어느 통에도 속하지 않습니다.")
    tong = int(inside["tong"].iloc[0])
    zones = store.zones(code)
    zone = zones[[tong in ts for ts in zones["tongs"]]]
    z = zone.iloc[0] if len(zone) else None
    return result | {
        "dong": store.dongs().set_index("dong_code").loc[code, "name"],
        "tong": tong,
        "zone_id": None if z is None else z["zone_id"],
        "officer": None if z is None else z["officer"],
        "team": None if z is None else z["team"],
        "phone": None if z is None else z["phone"],
        "substitute": None if z is None else z["substitute"],
    }
