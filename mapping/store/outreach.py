"""Store methods shared by the outreach mixins, and the notice-post log (mixed into :class:`mapping.store.Store`).

- the **reach helpers** (contacts and households' referrals are personal data, seen zone by zone) and the
  check that a person records under their own name, with the small text helpers, used by
  :mod:`mapping.store.contacts`, :mod:`mapping.store.missions` and :mod:`mapping.store.referrals`;
- the **notice-post log** (게시 현황).

Missions and dong issues are in :mod:`mapping.store.missions`, referrals in :mod:`mapping.store.referrals`.
Pure rules live in :mod:`mapping.contacts` and :mod:`mapping.outreach`.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping.access import User, check_staff
from mapping.crs import WEB_CRS, plausible_lonlat
from mapping.domain import NOTICE_PLACES
from mapping.errors import NotFoundError, Problem, ValidationError
from mapping.store.base import StoreBase
from mapping.store.engine import _new_id
from mapping.store.schema import NOTICE_POSTS
from mapping.text import text_of
from mapping.tong_index import attach_tong_zone

_TEXT_MAX = 2_000


def _text(value: object) -> str | None:
    return " ".join(text_of(value).split()) or None


def _too_long(what: str, field: str, value: str | None) -> list[Problem]:
    if value and len(value) > _TEXT_MAX:
        return [Problem(what, None, field, f"{len(value)}자로 너무 깁니다(최대 {_TEXT_MAX}자). 줄이세요.")]
    return []


def _raise(problems: list[Problem], what: str) -> None:
    if problems:
        raise ValidationError(problems, what=what)


class OutreachMixin(StoreBase):
    """Reach helpers, the own-name check and notice posts."""

    # ---- reach (contacts and households' referrals are personal data) ----------------------------------------
    # ---- 게시 현황 -------------------------------------------------------------------------------------------------
    def add_notice_post(
        self,
        code: str,
        *,
        kind: str,
        place_name: str,
        posted_on: dt.date,
        user: User,
        lonlat: tuple[float, float] | None = None,
        tong: int | None = None,
        note: str | None = None,
    ) -> int:
        """Record where ``user`` (a staff member of the dong) posted their notice; the zone comes from the point (or the tong).

        Raises
        ------
        AccessError
            Unless ``user`` works in this dong.
        ValidationError
            For an unknown kind, an empty place name, neither a place nor a known tong, a point outside
            Seoul or a date in the future.
        """
        posted_by = self._actor_in(code, user, doing="게시 기록")
        remark = _text(note)
        problems: list[Problem] = []
        values: dict[str, object] = {"place_name": _text(place_name), "note": remark}
        try:
            values["kind"] = NOTICE_PLACES.parse(kind)
        except ValueError as err:
            problems.append(Problem("게시", None, "장소 유형", str(err)))
        if not values["place_name"]:
            problems.append(Problem("게시", None, "장소명", "장소 이름을 적으세요 (예: 성산샘플아파트 101동 게시판)."))
        if posted_on > self.clock().date():
            problems.append(Problem("게시", None, "게시일", f"{posted_on}은(는) 아직 오지 않은 날입니다."))
        problems += self._notice_place(code, lonlat, tong, values) + _too_long("게시", "비고", remark)
        _raise(problems, "게시 현황")
        row = values | {"dong_code": code, "posted_on": posted_on, "posted_by": posted_by, "created_at": self.clock()}
        with self.writer.begin() as conn:
            post_id = _new_id(conn.execute(NOTICE_POSTS.insert().values(**row)))
            self._log(conn, user, "입력", f"notice_posts:{post_id}", f"zone={values['zone_id']}")
        return post_id

    def _notice_place(
        self, code: str, lonlat: tuple[float, float] | None, tong: int | None, values: dict
    ) -> list[Problem]:
        """Fill ``lon, lat, tong, zone_id`` from the point (or the tong); the problems if neither is usable."""
        values |= {"lon": None, "lat": None, "tong": None, "zone_id": None}
        if lonlat is not None:
            lon, lat = (float(v) for v in lonlat)
            if not (math.isfinite(lon) and math.isfinite(lat) and plausible_lonlat(lon, lat)):
                return [
                    Problem("게시", None, "위치", f"위치 ({lon}, {lat})가 서울이 아닙니다. 지도에서 다시 고르세요.")
                ]
            point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WEB_CRS)
            where = attach_tong_zone(point, self.tongs(code), self.zones(code)).iloc[0]
            tong_at = None if where["tong"] is None else int(where["tong"])
            values |= {"lon": lon, "lat": lat, "tong": tong_at, "zone_id": where["zone_id"]}
            return []
        tongs = {int(t) for t in self.tongs(code)["tong"]}
        if tong is None or int(tong) not in tongs:
            return [
                Problem(
                    "게시", None, "위치", f"지도에서 위치를 고르거나 이 동의 통 번호를 적으세요 (받은 값: {tong!r})."
                )
            ]
        values |= {"tong": int(tong), "zone_id": self._zone_of_tong(code).get(int(tong))}
        return []

    def end_notice_post(self, post_id: int, *, removed_on: dt.date, user: User) -> None:
        """Record the day a notice was taken down.

        Raises
        ------
        AccessError
            Unless ``user`` works in the post's dong.
        ValidationError
            If ``removed_on`` is before it was posted or in the future.
        """
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(NOTICE_POSTS).where(NOTICE_POSTS.c.id == int(post_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"게시 기록 {post_id}이(가) 없습니다.")
        check_staff(user, row["dong_code"], doing="게시 철거 기록")
        if not row["posted_on"] <= removed_on <= self.clock().date():
            message = f"철거일 {removed_on}은(는) 게시일({row['posted_on']})과 오늘 사이여야 합니다."
            raise ValidationError([Problem("게시", None, "철거일", message)], what="게시 현황")
        with self.writer.begin() as conn:
            conn.execute(NOTICE_POSTS.update().where(NOTICE_POSTS.c.id == int(post_id)).values(removed_on=removed_on))
            self._log(conn, user, "변경", f"notice_posts:{post_id}", f"removed {removed_on}")

    def notice_posts(self, code: str, *, zone_id: str | None = None, on: dt.date | None = None) -> pd.DataFrame:
        """The dong's notice posts (of one zone), newest first; ``on`` keeps those up on that day."""
        query = sa.select(NOTICE_POSTS).where(NOTICE_POSTS.c.dong_code == code)
        if zone_id is not None:
            query = query.where(NOTICE_POSTS.c.zone_id == zone_id)
        if on is not None:
            up = sa.or_(NOTICE_POSTS.c.removed_on.is_(None), NOTICE_POSTS.c.removed_on > on)
            query = query.where(NOTICE_POSTS.c.posted_on <= on, up)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(NOTICE_POSTS.c.posted_on.desc(), NOTICE_POSTS.c.id.desc())).mappings()
            return pd.DataFrame(rows.all(), columns=[c.name for c in NOTICE_POSTS.columns])
