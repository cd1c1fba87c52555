"""Store methods for filing and editing reports (mixed into :class:`mapping.store.Store`).

Every change is one transaction and leaves a history row (who, when, what).
Photos are written to disk before the transaction and removed again if it
fails, so a crash leaves neither a half-written report nor an orphan photo.
The walk log (stops visited) is recorded here too.  What happens to a report
after it is filed (hand-over, status, closure) and its history reads are in
:mod:`mapping.store.report_flow`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping import clock
from mapping.access import User
from mapping.crs import plausible_lonlat
from mapping.domain import ACTIVITIES, DUTIES, FIELDS
from mapping.errors import ConflictError, Problem, TransitionError, ValidationError
from mapping.photos import Photo, photo_paths, write_atomic
from mapping.reports import DUTY_FOR_FIELD, co_approver_for
from mapping.store.engine import _new_id
from mapping.store.report_rows import ReportRows
from mapping.store.schema import PERSONAL, POINT_TABLES, REPORT_PHOTOS, meta
from mapping.tong_index import attach_tong_zone

REPORTS = POINT_TABLES["reports"]
EDITABLE = {"title", "memo", "activity", "field", "duty", "address", "action", "resident_name", "resident_phone"}
VOCAB = {"activity": ACTIVITIES, "field": FIELDS, "duty": DUTIES}
CLIENT_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")  # a UUID fits; so does any sender's own scheme of that shape


def client_key_problem(key: str) -> Problem | None:
    """Why ``key`` cannot be a report's client key (None when it can): 8–64 letters, digits or ``._:-``."""
    if CLIENT_KEY_RE.match(key):
        return None
    return Problem("보고", None, "요청 키", f"{key[:80]!r}: 요청 키는 영문·숫자·._:- 8~64자여야 합니다 (예: UUID).")


def attach_tong_zone_of(tongs: pd.DataFrame, lonlats: list[tuple[float, float]]) -> list[int | None]:
    """The tong of each (lon, lat), ``None`` outside every tong."""
    if not lonlats:
        return []
    points = gpd.GeoSeries([shapely.Point(x, y) for x, y in lonlats], crs="EPSG:4326")
    return [
        None if t is None or pd.isna(t) else int(t)
        for t in attach_tong_zone(points, tongs, tongs.assign(zone_id=None, tongs=[[]] * len(tongs)))["tong"]
    ]


OVERDUE_DAYS = (7, 14)  # age at which an open report is 'late' and 'overdue'


def overdue_thresholds() -> tuple[int, int]:
    """Late and overdue ages in days: ``MAPPING_OVERDUE_DAYS="7,14"`` or :data:`OVERDUE_DAYS`.

    Raises
    ------
    ValueError
        If the variable is not two whole numbers, the first smaller.
    """
    text = os.environ.get("MAPPING_OVERDUE_DAYS")
    if not text:
        return OVERDUE_DAYS
    try:
        late, overdue = (int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"MAPPING_OVERDUE_DAYS={text!r}: '지연일,기한초과일' 형식이어야 합니다 (예: 7,14).") from None
    if not 0 < late < overdue:
        raise ValueError(f"MAPPING_OVERDUE_DAYS={text!r}: 0 < 지연일 < 기한초과일 이어야 합니다.")
    return late, overdue


FEED_SALT_KEY = "feed_salt"


class ReportsMixin(ReportRows):
    """Filing and editing reports, their photos, and the walk log."""

    url: str

    # ---- photos ------------------------------------------------------------
    @property
    def photo_dir(self) -> Path:
        """Where photos live: ``MAPPING_PHOTOS``, else ``photos/`` beside the SQLite file."""
        if os.environ.get("MAPPING_PHOTOS"):
            return Path(os.environ["MAPPING_PHOTOS"])
        if self.url.startswith("sqlite:///"):  # one folder per store file: data/mapping.sqlite → data/mapping-photos
            db = Path(self.url.removeprefix("sqlite:///"))
            return db.with_name(f"{db.stem}-photos")
        database = sa.engine.make_url(self.url).database or "store"
        return Path(__file__).resolve().parents[2] / "data" / "photos" / database

    def _write_photos(self, photos: Iterable[Photo]) -> list[Path]:
        written = []
        try:
            for photo in photos:
                for path, data in zip(photo_paths(self.photo_dir, photo), (photo.jpeg, photo.thumb), strict=True):
                    if write_atomic(path, data):
                        written.append(path)
        except BaseException:
            self._remove_unreferenced(written)
            raise
        return written

    def cleanup_photos(self, *, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
        """Delete photo files no report refers to (left by a save killed before its commit).

        Files younger than ``older_than`` are kept: a save may be about to commit them.
        """
        if not self.photo_dir.exists():
            return 0
        cutoff = clock.now().timestamp() - older_than.total_seconds()  # file times are wall time
        stale = [p for p in self.photo_dir.rglob("*.jpg") if p.stat().st_mtime < cutoff]
        self._remove_unreferenced(stale)
        return sum(not p.exists() for p in stale)

    def _remove_unreferenced(self, paths: list[Path]) -> None:
        with self.engine.connect() as conn:
            used = {r for (r,) in conn.execute(sa.select(REPORT_PHOTOS.c.file))}
            used |= {r for (r,) in conn.execute(sa.select(REPORT_PHOTOS.c.thumb))}
        for path in paths:
            if str(path.relative_to(self.photo_dir)) not in used:
                path.unlink(missing_ok=True)

    def _insert_photos(self, conn: sa.Connection, report_id: int, photos: Iterable[Photo]) -> None:
        for photo in photos:
            full, thumb = (str(p.relative_to(self.photo_dir)) for p in photo_paths(self.photo_dir, photo))
            conn.execute(
                REPORT_PHOTOS.insert().values(
                    report_id=report_id,
                    file=full,
                    thumb=thumb,
                    width=photo.width,
                    height=photo.height,
                    original_name=photo.name,
                    added_at=self.clock(),
                )
            )

    def report_photos(self, report_id: int | None = None, *, code: str | None = None) -> pd.DataFrame:
        """Photos of one report (or of every report of a dong), with absolute ``path`` and ``thumb_path``."""
        query = sa.select(REPORT_PHOTOS).order_by(REPORT_PHOTOS.c.id)
        if report_id is not None:
            query = query.where(REPORT_PHOTOS.c.report_id == report_id)
        if code is not None:
            query = query.join(REPORTS, REPORTS.c.id == REPORT_PHOTOS.c.report_id).where(REPORTS.c.dong_code == code)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in REPORT_PHOTOS.columns])
        return frame.assign(
            path=[self.photo_dir / f for f in frame["file"]], thumb_path=[self.photo_dir / t for t in frame["thumb"]]
        )

    # ---- filing ------------------------------------------------------------
    def file_report_once(
        self,
        code: str,
        *,
        lonlat: tuple[float, float],
        memo: str,
        user: User,
        photos: Iterable[Photo] = (),
        created_at: dt.datetime | None = None,
        has_resident: bool = True,
        mission_id: int | None = None,
        client_key: str | None = None,
        **details: object,
    ) -> tuple[int, bool]:
        """File ``user``'s new report (status 접수) in dong ``code``: its id and whether it was filed now.

        False: a report was already filed under ``client_key`` (nothing written).  Only a place and a memo are needed.

        The finder is ``user``'s staff member (the command line names one with ``owner_user(staff_name=…)``).

        ``details`` may give title, address, activity, field, duty,
        resident_name and resident_phone (keys or Korean labels).
        ``has_resident=False`` marks a report no resident needs to hear about
        (a broken manhole): it can be closed without a notification record.
        ``mission_id`` tags it with one of the dong's missions or issues (이달의 미션, 동 현안사항) at once.
        A duty left out (or empty) follows the field (:data:`mapping.reports.DUTY_FOR_FIELD`).
        ``client_key`` is the sender's idempotency key (a field device's, made once per report): a report of
        dong ``code`` already filed under it is not filed again — its id is returned and nothing is written,
        however often (and however concurrently) the same report is sent.
        The report, its photos and its history row are written in one transaction or not at all: a run of the
        intake page stopped by a second tap cannot half-write it, and the second tap, under the same key, gets it.

        Returns
        -------
        int
            The report's id (the earlier one's, for a key already used).

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of dong ``code``.
        ValidationError
            For an empty memo, a bad detail, another dong's mission or a malformed client key; nothing is stored.
        ConflictError
            If ``client_key`` was used by another staff member's report of the dong.
        """
        finder = self._actor_in(code, user, doing="보고 접수")
        if client_key is not None:
            if problem := client_key_problem(client_key):
                raise ValidationError([problem], what="보고")
            if (known := self._filed_under(code, client_key, finder=finder)) is not None:
                return known, False
        if details.get("duty") in (None, ""):  # not said: _clean_details takes the field's usual duty
            details.pop("duty", None)
        lon, lat = (float(v) for v in lonlat)
        if not (math.isfinite(lon) and math.isfinite(lat) and plausible_lonlat(lon, lat)):
            problem = Problem("보고", None, "위치", f"위치 ({lon}, {lat})가 서울이 아닙니다. 지도에서 다시 고르세요.")
            raise ValidationError([problem], what="보고")
        staff, tongs, zones = self._shared(code, "staff", "tongs", "zones")
        values = self._clean_details(details, finder=finder, memo=memo, code=code, staff=staff, mission_id=mission_id)
        values["has_resident"] = bool(has_resident)
        values["co_approver"] = co_approver_for(finder, staff)
        photos = list(photos)
        point = gpd.GeoSeries([shapely.Point(*lonlat)], crs="EPSG:4326")
        where = attach_tong_zone(point, tongs, zones).iloc[0]
        values |= {
            "dong_code": code,
            "origin": "app",
            "finder": finder,
            "lon": float(lonlat[0]),
            "lat": float(lonlat[1]),
        }
        values |= {"tong": None if where["tong"] is None else int(where["tong"]), "zone_id": where["zone_id"]}
        values |= {
            "status": "received",
            "reported": False,
            "created_at": created_at or self.clock(),
            "updated_at": self.clock(),
        }
        values |= {"version": 1, "client_key": client_key}
        try:
            return self._insert_report(values, photos, user=user, finder=finder, mission_id=mission_id), True
        except sa.exc.IntegrityError:
            known = None if client_key is None else self._filed_under(code, client_key, finder=finder)
            if known is None:
                raise
            return known, False  # the same report, sent at the same time, was stored by the other request

    def file_report(
        self,
        code: str,
        *,
        lonlat: tuple[float, float],
        memo: str,
        user: User,
        photos: Iterable[Photo] = (),
        created_at: dt.datetime | None = None,
        has_resident: bool = True,
        mission_id: int | None = None,
        client_key: str | None = None,
        **details: object,
    ) -> int:
        """:meth:`file_report_once` (same parameters), its report id only."""
        return self.file_report_once(
            code,
            lonlat=lonlat,
            memo=memo,
            user=user,
            photos=photos,
            created_at=created_at,
            has_resident=has_resident,
            mission_id=mission_id,
            client_key=client_key,
            **details,
        )[0]

    def feed_salt(self) -> bytes:
        """The store's secret for public report ids (Open311): random, made on first use, kept in ``meta``.

        It never leaves the store; a public id is a keyed hash of the dong and report id
        (:func:`mapping.api.open311.public_id`), so ids seen in the feed reveal neither the count of reports
        nor where withheld ones fall.
        """
        t = meta.tables["meta"]
        query = sa.select(t.c.value).where(t.c.key == FEED_SALT_KEY)
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        if found is None:
            try:
                with self.writer.begin() as conn:
                    conn.execute(t.insert().values(key=FEED_SALT_KEY, value=secrets.token_hex(32)))
            except sa.exc.IntegrityError:  # another process made it first: theirs is kept
                pass
            with self.engine.connect() as conn:
                found = conn.execute(query).scalar()
        return str(found).encode()

    def filed_under(self, code: str, client_key: str, *, user: User) -> int | None:
        """The id of ``user``'s report of dong ``code`` filed under ``client_key`` (None: not filed yet).

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of dong ``code``.
        ValidationError
            For a malformed key.
        ConflictError
            If another staff member's report was filed under that key.
        """
        finder = self._actor_in(code, user, doing="보고 접수")
        if problem := client_key_problem(client_key):
            raise ValidationError([problem], what="보고")
        return self._filed_under(code, client_key, finder=finder)

    def _filed_under(self, code: str, client_key: str, *, finder: str) -> int | None:
        """The id of dong ``code``'s report filed under ``client_key`` (None: none yet).

        Raises
        ------
        ConflictError
            If that report is another staff member's (a key is one sender's, for one report).
        """
        query = sa.select(REPORTS.c.id, REPORTS.c.finder).where(
            REPORTS.c.dong_code == code, REPORTS.c.client_key == client_key
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        if row.finder != finder:
            raise ConflictError(
                f"요청 키 {client_key!r}은(는) 이미 다른 직원의 보고에 쓰였습니다: 보고마다 새 키를 만들어 보내세요."
            )
        return int(row.id)

    def _insert_report(
        self, values: dict[str, object], photos: list[Photo], *, user: User, finder: str, mission_id: int | None
    ) -> int:
        """Write the report, its photos and its history in one transaction (photo files first, removed on failure)."""
        code = str(values["dong_code"])
        written = self._write_photos(photos)
        try:
            with self.writer.begin() as conn:
                if mission_id is not None:  # still there: a mission deleted meanwhile tags nothing
                    self._hold_mission(conn, int(mission_id), code)
                report_id = _new_id(conn.execute(REPORTS.insert(), values))  # one compiled statement
                self._insert_photos(conn, report_id, photos)
                shown = {k: ("(개인정보)" if k in PERSONAL else v) for k, v in values.items() if k in EDITABLE and v}
                self._history(conn, report_id, actor=finder, action="create", to_status="received", changes=shown)
                if values.get("resident_name") or values.get("resident_phone"):
                    self._log(conn, user, "입력", f"reports:{report_id}", "resident contact")
        except BaseException:
            self._remove_unreferenced(written)
            raise
        return report_id

    def _clean_details(
        self,
        details: dict,
        *,
        finder: str,
        memo: object,
        code: str,
        staff: pd.DataFrame | None = None,
        mission_id: int | None = None,
    ) -> dict[str, object]:
        problems: list[Problem] = []
        values: dict[str, object] = {}
        staff = self._shared(code, "staff")[0] if staff is None else staff
        if finder not in set(staff["name"]):
            problems.append(Problem("보고", None, "작성자", f"작성자 {finder!r}는 직원 명단에 없습니다."))
        if mission_id is not None:
            problems += self._mission_problems(mission_id, code)
            values["mission_id"] = int(mission_id)
        if memo is not None and not str(memo).strip():
            problems.append(
                Problem("보고", None, "내용", "내용(메모)을 적으세요: 장소와 메모만 있으면 저장할 수 있습니다.")
            )
        for key, value in details.items() | ({"memo": memo} if memo is not None else {}).items():
            if key not in EDITABLE:
                problems.append(Problem("보고", None, key, f"고칠 수 없는 항목입니다: {key}"))
            elif key in VOCAB and value not in (None, ""):
                try:
                    values[key] = VOCAB[key].parse(value)
                except ValueError as exc:
                    problems.append(Problem("보고", None, key, str(exc)))
            else:
                values[key] = str(value).strip() if value not in (None, "") else None
        if values.get("field") and not values.get("duty") and "duty" not in details:
            values["duty"] = DUTY_FOR_FIELD.get(str(values["field"]))
        if problems:
            raise ValidationError(problems, what="보고")
        return values

    def add_photos(self, report_id: int, photos: Iterable[Photo], *, user: User) -> None:
        """Add photos to an existing report (one transaction): its finder, assignee or a supervisor."""
        photos = list(photos)
        actor = self._check_editor(self._report_row(report_id), user)
        written = self._write_photos(photos)
        try:
            with self.writer.begin() as conn:
                self._insert_photos(conn, report_id, photos)
                self._history(conn, report_id, actor=actor, action="photo", note=f"사진 {len(photos)}장")
        except BaseException:
            self._remove_unreferenced(written)
            raise

    def update_report(
        self,
        report_id: int,
        changes: dict[str, object],
        *,
        user: User,
        expected_version: int | None = None,
    ) -> None:
        """Complete or correct a report's details; the history keeps what changed.

        Only its finder, its assignee or a supervisor may, and not once it is closed;
        the resident's contact only by a user allowed to see personal data.
        ``changes`` may also set ``has_resident`` (bool).

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the report's dong.
        TransitionError
            For someone else, or a closed or duplicate report.
        PermissionError
            For a contact change by a user who may not see personal data.
        ConflictError
            If the report changed since ``expected_version`` (what the editor saw) or since it was read.
        """
        report = self._seen(report_id, expected_version)
        actor = self._check_editor(report, user)
        if report["status"] in ("closed", "duplicate"):
            raise TransitionError(f"보고 {report_id}은(는) 이미 끝났습니다: 고칠 수 없습니다.")
        if any(k in PERSONAL for k in changes) and not self._may_see_contact(user, report):
            raise PermissionError(f"{user.name}은(는) 주민 연락처를 고칠 수 없습니다.")
        changes = dict(changes)
        resident = changes.pop("has_resident", None)
        values = self._clean_details(
            changes, finder=report["finder"], memo=changes.pop("memo", None), code=report["dong_code"]
        )
        if resident is not None:
            values["has_resident"] = bool(resident)
        diff = {k: [report.get(k), v] for k, v in values.items() if report.get(k) != v}
        shown = {k: ("(개인정보 변경)" if k in PERSONAL else v) for k, v in diff.items()}
        with self.writer.begin() as conn:
            self._write_report(conn, report, values | {"updated_at": self.clock()})
            self._history(conn, report_id, actor=actor, action="edit", changes=shown)
            if any(k in PERSONAL for k in diff):
                self._log(conn, user, "변경", f"reports:{report_id}", "resident contact")

    # ---- walks ---------------------------------------------------------------
    def record_visits(self, code: str, *, stops: list, on_date: dt.date, user: User) -> int:
        """Tick stops of ``user``'s walk as visited: households get their last-visit date, tongs count as walked.

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of dong ``code``.
        PermissionError
            For a household stop outside ``user``'s reach.
        """
        from mapping.store.schema import WALKS

        officer = self._actor_in(code, user, doing="방문 기록")
        households = POINT_TABLES["households"]
        visited = {int(s.key.split(":")[1]) for s in stops if s.key.startswith("household:")}
        if visited:  # only households of this dong within the user's reach
            reach = self._reach(code, user, "세대")
            query = sa.select(households.c.id, households.c.zone_id).where(
                households.c.id.in_(visited), households.c.dong_code == code
            )
            with self.engine.connect() as conn:
                allowed = {int(i) for i, zone in conn.execute(query) if zone in reach}
            if not visited <= allowed:
                raise PermissionError(
                    f"{user.name}은(는) 세대 {sorted(visited - allowed)}의 방문을 기록할 수 없습니다."
                )
        tongs = self.tongs(code)
        point_tong = attach_tong_zone_of(tongs, [(s.lon, s.lat) for s in stops])
        with self.writer.begin() as conn:
            for stop, tong in zip(stops, point_tong, strict=True):
                conn.execute(
                    WALKS.insert().values(
                        dong_code=code, officer=officer, on_date=on_date, stop_key=stop.key, tong=tong
                    )
                )
                if stop.key.startswith("household:"):
                    row_id = int(stop.key.split(":")[1])
                    conn.execute(households.update().where(households.c.id == row_id).values(last_visit=on_date))
                    self._log(conn, user, "변경", f"households:{row_id}", "last_visit")
        return len(stops)

    def walks(self, code: str) -> pd.DataFrame:
        """Every recorded stop of every walk: officer, date, stop key, tong."""
        from mapping.store.schema import WALKS

        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(WALKS).where(WALKS.c.dong_code == code).order_by(WALKS.c.id)).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in WALKS.columns])
