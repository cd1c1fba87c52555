"""Who is acting, and what they may see: roles and their reach, enforced here, not only hidden in the UI.

Personal data (households, residents' contacts) is visible zone by zone:

- 주무관 (``officer``): the zones they own and those they substitute for (대직자);
- 팀장 (``team_leader``): every zone of their team;
- 행정팀장 (``admin_team_leader``) and 동장 (``dong_head``): the whole dong;
- 구 담당 (``gu``): aggregated counts only, no personal data;
- 관리자 (``admin`` flag): accounts and kits, and personal data only through a role of its own.

A resident's contact on a report is also visible to the report's finder and assignee (the colleague
who must tell the resident).  :data:`SAMPLE_USER` (sample dongs and tests) sees its dong whole;
:data:`SYSTEM_USER` is the tool itself checking its own public outputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from mapping.domain import Vocabulary

PERSONAL_TABLES = frozenset({"households"})

ACCOUNT_ROLES = Vocabulary(
    "권한",
    (
        ("officer", "주무관"),
        ("team_leader", "팀장"),
        ("admin_team_leader", "행정팀장"),
        ("dong_head", "동장"),
        ("gu", "구 담당"),
    ),
)
WHOLE_DONG = frozenset({"admin_team_leader", "dong_head", "sample", "system"})
STAFF_ROLES = frozenset({"officer", "team_leader", "admin_team_leader", "dong_head"})  # a dong's own staff


@dataclass(frozen=True)
class User:
    """The person acting: account, display name, role, and who they are on the staff list.

    ``staff_name`` and ``dong_code`` tie an account to a staff member of one dong; ``admin`` lets
    the account manage accounts and kits (it adds no right to personal data).
    """

    account: str
    name: str
    role: str | None
    client: str | None = None
    staff_name: str | None = None
    dong_code: str | None = None
    admin: bool = False


SAMPLE_USER = User("sample", "샘플 사용자", "sample", admin=True)  # sample dongs: all of it, to look around
PUBLIC_USER = User("public", "주민(공개)", "public")
CLI_USER = User("cli", "명령줄", "sample")  # the command line works on the store as its owner
SYSTEM_USER = User("system", "공개 출력 검사", "system")  # the tool checking its own public outputs


def can_read_personal(user: User) -> bool:
    """Whether ``user`` may read any personal data at all (in some zone)."""
    return user.role in WHOLE_DONG or user.role in {"officer", "team_leader"}


def personal_zones(user: User, code: str, zones: pd.DataFrame, staff: pd.DataFrame) -> frozenset[str]:
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
    """
    everything = frozenset(str(z) for z in zones["zone_id"])
    if user.role in {"sample", "system"} or (user.role in WHOLE_DONG and user.dong_code == code):
        return everything
    if user.dong_code != code or not user.staff_name:
        return frozenset()
    me = user.staff_name
    if user.role == "officer":
        mine = (zones["officer"] == me) | (zones["substitute"] == me)
        return frozenset(str(z) for z in zones.loc[mine, "zone_id"])
    if user.role == "team_leader":
        teams = set(staff.loc[staff["name"] == me, "team"])
        return frozenset(str(z) for z in zones.loc[zones["team"].isin(teams), "zone_id"])
    return frozenset()


def may_see_contact(user: User, report: dict, zones: Iterable[str]) -> bool:
    """Whether ``user`` may see the resident's contact on ``report``: its zone is in reach, or they handle it."""
    if report.get("zone_id") in set(zones):
        return True
    return bool(user.staff_name) and user.staff_name in (report.get("finder"), report.get("assignee"))
