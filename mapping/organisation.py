"""시 → 구 → 동, read from the codes: a 행정동 code's first five digits are its gu, its first two the city.

The names come from the shipped 행정동 boundaries (``data/boundaries``: ``adm_cd2``, ``adm_nm``, ``sgg``,
``sggnm``), so the organisation is known even for dongs whose kit is not loaded yet.
"""

from __future__ import annotations

import functools
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapping.errors import Problem, ValidationError

BOUNDARIES = Path(__file__).resolve().parents[1] / "data" / "boundaries" / "seoul_admdong_ver20210401.geojson"
"""Seoul's 425 행정동 (2021-04-01), with their gu: see ``data/boundaries/README.md``."""

CITY_CODE = "11"
"""서울특별시: the first two digits of every Seoul 행정동 code."""
CITY_NAME = "서울특별시"


def gu_of(code: str) -> str:
    """The gu (시군구) code of a 행정동 code: its first five digits."""
    return str(code)[:5]


@functools.cache
def seoul_dongs() -> gpd.GeoDataFrame:
    """Every Seoul 행정동 of the shipped boundaries: ``dong_code, name, gu_code, gu_name, geometry`` (EPSG:4326).

    ``name`` is the dong's own name (e.g. 방학3동); the frame is cached, copy it before changing it.
    """
    frame = gpd.read_file(BOUNDARIES)
    out = gpd.GeoDataFrame(
        {
            "dong_code": frame["adm_cd2"].astype(str).str[:10],
            "name": frame["adm_nm"].astype(str).str.split().str[-1],
            "gu_code": frame["sgg"].astype(str),
            "gu_name": frame["sggnm"].astype(str),
        },
        geometry=frame.geometry.values,
        crs=frame.crs,
    )
    return out.sort_values("dong_code", kind="stable").reset_index(drop=True)


def gu_names() -> dict[str, str]:
    """Seoul's 25 gu codes → names (``11320`` → ``도봉구``), in code order."""
    dongs = seoul_dongs()
    return dict(zip(dongs["gu_code"], dongs["gu_name"], strict=True))


def gu_label(gu_code: str) -> str:
    """``"도봉구 (11320)"``, or the bare code for a gu the boundaries do not know."""
    name = gu_names().get(str(gu_code))
    return f"{name} ({gu_code})" if name else str(gu_code)


def check_gu_code(gu_code: object, *, what: str = "구 코드") -> str:
    """``gu_code`` as a known Seoul gu code (five digits).

    Raises
    ------
    ValidationError
        For anything else, naming the value and giving an example.
    """
    text = str(gu_code or "").strip()
    if text not in gu_names():
        example = next(iter(gu_names()), "11320")
        message = f"{text!r}는 서울의 구 코드가 아닙니다. 다섯 자리 구 코드를 적으세요 (예: {example} {gu_names().get(example, '')})."
        raise ValidationError([Problem(what, None, "구", message)], what=what)
    return text


def dongs_of_region(gu_code: str | None, loaded: pd.DataFrame) -> pd.DataFrame:
    """The dongs of gu ``gu_code`` (None: the whole city): every one the boundaries know, and every loaded one.

    Parameters
    ----------
    gu_code : str or None
        A gu code, or None for the city.
    loaded : DataFrame
        The store's dongs (``dong_code, name, sample``).

    Returns
    -------
    DataFrame
        ``dong_code, name, gu_code, gu_name, loaded, sample`` in code order.
    """
    known = pd.DataFrame(seoul_dongs().drop(columns="geometry"))
    extra = loaded[~loaded["dong_code"].isin(known["dong_code"])]
    known = pd.concat(
        [
            known,
            pd.DataFrame(
                {
                    "dong_code": extra["dong_code"],
                    "name": extra["name"].astype(str).str.split().str[-1],
                    "gu_code": extra["dong_code"].map(gu_of),
                    "gu_name": extra["dong_code"].map(lambda c: gu_names().get(gu_of(c), gu_of(c))),
                }
            ),
        ],
        ignore_index=True,
    )
    if gu_code is not None:
        known = known[known["gu_code"] == gu_code]
    flags = loaded.set_index("dong_code")
    known = known.assign(
        loaded=known["dong_code"].isin(flags.index),
        sample=known["dong_code"].map(flags["sample"]).fillna(False).astype(bool),
    )
    return known.sort_values("dong_code", kind="stable").reset_index(drop=True)


@functools.cache
def seoul_gus() -> gpd.GeoDataFrame:
    """Seoul's 25 gus as shapes (the dongs dissolved): ``gu_code, gu_name, geometry`` (EPSG:4326); cached."""
    gus = seoul_dongs().dissolve(by="gu_code", as_index=False, aggfunc="first")
    return gus[["gu_code", "gu_name", "geometry"]].sort_values("gu_code").reset_index(drop=True)
