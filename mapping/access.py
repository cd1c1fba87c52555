"""Who is acting, and what they may see and do: enforced here and in the store, never only hidden in the UI.

Identity comes only from a login: an account is bound to one staff member of one dong (``dong_code`` and
``staff_name``), a 구 담당 account to one gu (``gu_code``, the first five digits of its dongs' codes).
Nothing here makes a user out of a bare name.

What each may do (the README's privacy section lists the same table):

- 주무관 (``officer``): personal data of the zones they own and those they substitute for (대직자);
  files and handles reports of their own dong;
- 팀장 (``team_leader``): every zone of their team; edits their team's reports; zones, month, missions;
- 행정팀장 (``admin_team_leader``) and 동장 (``dong_head``): the whole dong, and its settings;
- 구 담당 (``gu``): counts of their own gu's dongs only: no personal data, no report, no position;
- 관리자 (``admin`` flag): accounts and kits within their scope (their dong, their gu, or every dong when
  bound to neither); personal data only through a role of their own;
- the public (:data:`PUBLIC_USER`): the public view only;
- sample browsing (:func:`sample_user`): reads sample dongs whole (their people are invented), writes nothing;
- the tool checking its own public outputs (:data:`SYSTEM_USER`): reads, never writes;
- the command line (:func:`owner_user`): the store's owner, on the server, may do everything.

Every check raises :class:`mapping.errors.AccessError` (a ``PermissionError``) in Korean, naming who
asked, for what, and who may.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from mapping.domain import ACCOUNT_ROLES, ADMIN_TEAM_WORD, HEADS, REGION_ROLES, STAFF_ROLES
from mapping.errors import AccessError
from mapping.organisation import gu_of

PERSONAL_TABLES = frozenset({"households"})
OWNER, SAMPLE, PUBLIC, SYSTEM = "owner", "sample", "public", "system"
GU, CITY = "gu", "city"  # the region roles (REGION_ROLES): a gu's 구 담당, the city's 시 담당
_OTHER_LABELS = {
    OWNER: "명령줄",
    SAMPLE: "샘플 둘러보기",
    PUBLIC: "공개 지도만",
    SYSTEM: "공개 출력 검사",
    None: "권한 없음",
}


@dataclass(frozen=True)
class User:
    """The person acting: account, display name, role, and who they are on which staff list.

    ``staff_name`` and ``dong_code`` tie an account to one staff member of one dong; ``gu_code`` ties a
    구 담당 (or a gu's administrator) to one gu; ``admin`` lets the account manage accounts and kits
    within that scope (it adds no right to personal data).  ``client`` is the viewer's address, for the log.
    """

    account: str
    name: str
    role: str | None
    client: str | None = None
    staff_name: str | None = None
    dong_code: str | None = None
    admin: bool = False
    gu_code: str | None = None

    @property
    def actor(self) -> str:
        """The name that goes into a report's or a referral's history: the staff member, else the account's name."""
        return self.staff_name or self.name

    @property
    def role_label(self) -> str:
        """The role in Korean, for messages."""
        if self.role in ACCOUNT_ROLES.keys:
            return ACCOUNT_ROLES.label(self.role)
        return "관리자" if self.admin and self.role is None else _OTHER_LABELS.get(self.role, str(self.role))

    def at(self, client: str | None) -> User:
        """The same user seen from ``client`` (the viewer's address)."""
        return replace(self, client=client)


PUBLIC_USER = User("public", "방문자", PUBLIC)
SYSTEM_USER = User("system", "공개 출력 검사", SYSTEM)  # the tool checking its own public outputs


def output_check_user(requester: User) -> User:
    """The tool checking a public output that ``requester`` asked for: it reads the dong whole, never writes.

    Its reads are logged as ``system:<requester's account>``, so the log names who asked and shows it was the check.
    """
    return User(f"system:{requester.account}", f"공개 출력 검사 ({requester.name})", SYSTEM, requester.client)


def owner_user(*, staff_name: str | None = None, dong_code: str | None = None) -> User:
    """The command line: the store's owner (whoever runs it on the server), logged as ``cli:<login>``.

    ``staff_name`` (with ``dong_code``) says on whose behalf a command records something (e.g. the
    officer of an activity report); it gives no right the owner does not have already.
    """
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        login = "unknown"
    return User(f"cli:{login}", "명령줄", OWNER, staff_name=staff_name, dong_code=dong_code)


CLI_USER = owner_user()


def sample_user(dong_code: str, staff_name: str, *, client: str | None = None) -> User:
    """Sample browsing as ``staff_name`` of the sample dong ``dong_code``: reads everything of sample dongs, writes nothing."""
    return User("sample", f"샘플 둘러보기 ({staff_name})", SAMPLE, client, staff_name, dong_code)


def account_role_of(staff_role: str, team: str) -> str:
    """The account role a staff list's role (역할) and team (팀명) stand for (팀장 of the 행정 team: 행정팀장)."""
    if staff_role == "dong_head":
        return "dong_head"
    if staff_role == "team_leader":
        return "admin_team_leader" if ADMIN_TEAM_WORD in team else "team_leader"
    return "officer"


def sample_browsing_allowed(dongs: pd.DataFrame) -> bool:
    """Whether sample browsing may open at all: only while every dong in the store is a sample dong (and one is)."""
    return not dongs.empty and bool(dongs["sample"].all())


# ---- what a user may open ---------------------------------------------------------------------------------------


def may_open_dong(user: User | None, code: str, *, sample: bool) -> bool:
    """Whether ``user`` may open dong ``code`` in the app (its pages, its counts).

    Staff: their own dong only; 구 담당: the dongs of their gu; an administrator: the dongs of their scope;
    sample browsing: sample dongs only; the owner: every dong.
    """
    if user is None:
        return False
    if user.role in (PUBLIC, OWNER, SYSTEM):  # the public: the public view of any dong
        return True
    if user.role == SAMPLE:
        return sample
    if user.role in STAFF_ROLES:
        return user.dong_code == code
    if user.role == "gu":
        return bool(user.gu_code) and gu_of(code) == user.gu_code
    if user.role == CITY:
        return True
    return user.admin and in_admin_scope(user, code)


def openable_dongs(user: User | None, dongs: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``dongs`` (``dong_code``, ``sample`` …) that ``user`` may open, the user's own dong first."""
    if dongs.empty:
        return dongs
    keep = np.array(
        [may_open_dong(user, str(c), sample=bool(s)) for c, s in zip(dongs["dong_code"], dongs["sample"], strict=True)],
        dtype=bool,
    )
    mine = dongs["dong_code"] == (user.dong_code if user is not None else None)
    return dongs[keep].assign(_mine=~mine[keep]).sort_values("_mine", kind="stable").drop(columns="_mine")


def in_admin_scope(user: User, code: str | None) -> bool:
    """Whether ``code`` (a dong; None: the whole store) is within the administrator's scope."""
    if user.role == OWNER:
        return True
    if not user.admin:
        return False
    if user.dong_code:
        return code == user.dong_code
    if user.gu_code:
        return code is not None and gu_of(code) == user.gu_code
    return True


# ---- checks that raise -------------------------------------------------------------------------------------------


def _refusal(user: User, doing: str, who: str) -> AccessError:
    if user.role == SAMPLE:
        return AccessError(
            f"샘플 둘러보기는 읽기 전용입니다: {doing}은(는) 할 수 없습니다. 직접 해 보려면 직원 계정으로 로그인하세요."
        )
    if user.role in (PUBLIC, SYSTEM):
        return AccessError(f"로그인하지 않은 사람은 {doing}을(를) 할 수 없습니다: {who}만 합니다. 로그인하세요.")
    return AccessError(f"{user.name}({user.role_label})은(는) {doing}을(를) 할 수 없습니다: {who}만 합니다.")


def check_staff(user: User, code: str, *, doing: str, roles: Iterable[str] = STAFF_ROLES) -> None:
    """Refuse unless ``user`` is one of ``roles`` on the staff of dong ``code`` (or the owner).

    Raises
    ------
    AccessError
        For sample browsing, the public, a role not in ``roles``, or an account of another dong.
    """
    roles = frozenset(roles)
    if user.role == OWNER and (user.dong_code in (None, code)):
        return
    who = "·".join(ACCOUNT_ROLES.label(r) for r in ACCOUNT_ROLES.keys if r in roles) + " (그 동의 직원)"
    if user.role not in roles:
        raise _refusal(user, doing, who)
    if user.dong_code != code or not user.staff_name:
        raise AccessError(
            f"{user.name}은(는) 동 {code}의 직원이 아니라 {doing}을(를) 할 수 없습니다: "
            f"계정은 동 {user.dong_code or '없음'}의 직원 {user.staff_name or '(연결 안 됨)'}에 묶여 있습니다."
        )


def may_act(user: User, code: str, *, roles: Iterable[str] = STAFF_ROLES) -> bool:
    """Whether :func:`check_staff` lets ``user`` act in dong ``code`` as one of ``roles`` (to offer a form at all)."""
    try:
        check_staff(user, code, doing="", roles=roles)
    except AccessError:
        return False
    return True


def check_admin(user: User, code: str | None = None, *, doing: str) -> None:
    """Refuse unless ``user`` administers dong ``code`` (None: the whole store) or is the owner.

    Raises
    ------
    AccessError
        For anyone but an administrator whose scope covers ``code``.
    """
    if in_admin_scope(user, code):
        return
    if user.admin:
        scope = f"동 {user.dong_code}" if user.dong_code else f"구 {user.gu_code}"
        raise AccessError(
            f"{user.name}은(는) {scope}의 관리자라 {doing}을(를) 할 수 없습니다 (대상: {code or '저장소 전체'})."
        )
    raise _refusal(user, doing, "관리자")


def check_counts(user: User, code: str, *, sample: bool) -> None:
    """Refuse unless ``user`` may read dong ``code``'s counts and reports (its staff, its gu, the owner, sample).

    Raises
    ------
    AccessError
        For the public, or an account of another dong or gu.
    """
    if user.role not in (PUBLIC, None) and may_open_dong(user, code, sample=sample):
        return  # an administrator without a role manages accounts and kits, not the dong's work
    raise AccessError(
        f"{user.name}({user.role_label})은(는) 동 {code}의 현황을 볼 수 없습니다: 그 동의 직원·구 담당만 봅니다."
    )


def check_writer(user: User, *, doing: str) -> None:
    """Refuse any write by sample browsing, the public or the output check (who only read).

    Raises
    ------
    AccessError
        For those who only read.
    """
    if user.role in (SAMPLE, PUBLIC, SYSTEM):
        raise _refusal(user, doing, "직원")


# ---- personal data -----------------------------------------------------------------------------------------------


def sees_whole_dong(user: User, code: str, *, sample: bool) -> bool:
    """Whether ``user`` may read the personal data of every zone of dong ``code``."""
    if user.role in (OWNER, SYSTEM):
        return True
    if user.role == SAMPLE:
        return sample
    return user.role in HEADS and user.dong_code == code and bool(user.staff_name)


def can_read_personal(user: User) -> bool:
    """Whether ``user`` may read any personal data at all (in some zone of some dong)."""
    return user.role in (OWNER, SYSTEM, SAMPLE) or (user.role in STAFF_ROLES and bool(user.dong_code))


def personal_zones(
    user: User, code: str, zones: pd.DataFrame, staff: pd.DataFrame, *, sample: bool = False
) -> frozenset[str]:
    """The zone ids of dong ``code`` whose personal data ``user`` may see (empty: none).

    Parameters
    ----------
    user : User
        The acting user.
    code : str
        The dong.
    zones : DataFrame
        The dong's zones (``zone_id``, ``officer``, ``substitute``, ``team``).
    staff : DataFrame
        The dong's staff (``name``, ``team``).
    sample : bool
        Whether the dong is a sample dong (sample browsing reads those whole, and no other).
    """
    if sees_whole_dong(user, code, sample=sample):
        return frozenset(str(z) for z in zones["zone_id"])
    if user.role not in STAFF_ROLES or user.dong_code != code or not user.staff_name:
        return frozenset()
    me = user.staff_name
    if user.role == "officer":
        mine = (zones["officer"] == me) | (zones["substitute"] == me)
        return frozenset(str(z) for z in zones.loc[mine, "zone_id"])
    teams = set(staff.loc[staff["name"] == me, "team"])  # a team leader: every zone of their team
    return frozenset(str(z) for z in zones.loc[zones["team"].isin(teams), "zone_id"])


def handles(user: User, report: dict) -> bool:
    """Whether ``user`` is the finder or the assignee of ``report`` on that report's own dong."""
    return (
        user.role in STAFF_ROLES
        and bool(user.staff_name)
        and user.dong_code == report.get("dong_code")
        and user.staff_name in (report.get("finder"), report.get("assignee"))
    )


def may_see_contact(user: User, report: dict, zones: Iterable[str]) -> bool:
    """Whether ``user`` may see the resident's contact on ``report``: its zone is in reach, or they handle it.

    ``zones`` is the user's reach in the report's dong (:func:`personal_zones`); a name alone never opens
    a report of another dong.
    """
    return report.get("zone_id") in set(zones) or handles(user, report)


# ---- the gu and the city -----------------------------------------------------------------------------------------


def may_read_region(user: User | None, gu_code: str | None) -> bool:
    """Whether ``user`` may read the counts of gu ``gu_code`` (None: the whole city) — never personal data.

    The city (``city``) reads every gu; a 구 담당 (``gu``) their own gu; the owner everything.
    """
    if user is None:
        return False
    if user.role in (OWNER, CITY):
        return True
    return user.role == "gu" and bool(user.gu_code) and gu_code is not None and gu_code == user.gu_code


def check_region(user: User, gu_code: str | None, *, doing: str) -> None:
    """Refuse unless ``user`` may read gu ``gu_code``'s counts (None: the city's), see :func:`may_read_region`.

    Raises
    ------
    AccessError
        For a dong's staff, the public, sample browsing, and a 구 담당 of another gu (or asking for the city).
    """
    if may_read_region(user, gu_code):
        return
    if user.role == "gu":
        asked = f"구 {gu_code}" if gu_code else "서울시 전체"
        raise AccessError(
            f"{user.name}(구 담당, 구 {user.gu_code or '없음'})은(는) {asked}의 {doing}을(를) 볼 수 없습니다: "
            "자기 구만 봅니다."
        )
    raise _refusal(user, doing, "구 담당·시 담당")


def check_gu_officer(user: User, gu_code: str, *, doing: str) -> None:
    """Refuse unless ``user`` is the 구 담당 of gu ``gu_code`` (or the owner): the gu's own decisions.

    Raises
    ------
    AccessError
        For anyone else, the city included (the city shares; the gu selects).
    """
    if user.role == OWNER or (user.role == "gu" and user.gu_code == gu_code):
        return
    if user.role == "gu":
        raise AccessError(
            f"{user.name}은(는) 구 {user.gu_code}의 담당이라 구 {gu_code}의 {doing}을(를) 할 수 없습니다."
        )
    raise _refusal(user, doing, f"구 {gu_code}의 구 담당")


def check_city_officer(user: User, *, doing: str) -> None:
    """Refuse unless ``user`` is the city's (``city``) or the owner.

    Raises
    ------
    AccessError
        For anyone else.
    """
    if user.role not in (OWNER, CITY):
        raise _refusal(user, doing, "시 담당")


def check_library_reader(user: User) -> None:
    """Refuse the 실천사례 library to anyone not logged in as staff (a dong's staff, a gu, the city, the owner).

    Raises
    ------
    AccessError
        For the public and sample browsing outside sample dongs (a visitor reads only the public map).
    """
    if user.role in (OWNER, SAMPLE, *REGION_ROLES) or (user.role in STAFF_ROLES and bool(user.dong_code)):
        return
    raise _refusal(user, "실천사례 모음 보기", "로그인한 직원")
