"""Domain vocabularies, state machines and role groups: English keys in code and store, Korean labels for people.

Each is defined once here, and every module imports it from here.  Kit files may use either the Korean
label or the English key; the store always keeps the key.  This module is a leaf: it imports nothing of
the project, so anything may import it.

- Staff and accounts: :data:`ROLES` (a staff list's 역할), :data:`ACCOUNT_ROLES` and the role groups
  :data:`STAFF_ROLES`, :data:`REGION_ROLES`, :data:`HEADS`, :data:`LEADER_ROLES`, :data:`MISSION_ROLES`; the team words
  :data:`ADMIN_TEAM_WORD` and :data:`WELFARE_TEAM_WORD`.
- Reports: :data:`DUTIES`, :data:`FIELDS`, :data:`ACTIVITIES`, :data:`REPORT_STATUSES` (:data:`OPEN_STATUSES`)
  and their state machine :data:`TRANSITIONS`, :data:`HISTORY_ACTIONS`, :data:`NOTIFY_CHANNELS`.
- Places and people: :data:`RESOURCE_TYPES`, :data:`HOUSEHOLD_KINDS`, :data:`BLIND_SPOT_TYPES`,
  :data:`CONTACT_KINDS`, :data:`CONTACT_EVENTS`.
- Outreach: :data:`MISSION_KINDS`, :data:`REFERRAL_BODIES` (:data:`BODY_ALIASES`), :data:`REFERRAL_STATUSES`
  and their state machine :data:`REFERRAL_TRANSITIONS`, :data:`NOTICE_PLACES`.
- The month: :data:`GU_RESULTS`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """An ordered mapping of English keys to Korean labels."""

    name: str
    items: tuple[tuple[str, str], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.items)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(label for _, label in self.items)

    def label(self, key: str) -> str:
        """Korean label of ``key`` (the key itself if unknown)."""
        return dict(self.items).get(key, key)

    def parse(self, value: object) -> str:
        """Return the key for a Korean label or English key.

        Raises
        ------
        ValueError
            With the list of accepted labels, if ``value`` is neither.
        """
        text = str(value).strip()
        for key, label in self.items:
            if text in (key, label) or text.lower() == key:
                return key
        raise ValueError(f"{text!r}는 {self.name} 값이 아닙니다. 가능한 값: {', '.join(self.labels)}")


# --- staff and accounts ---------------------------------------------------------------------------------------

ROLES = Vocabulary("역할", (("dong_head", "동장"), ("team_leader", "팀장"), ("officer", "주무관")))

ACCOUNT_ROLES = Vocabulary(
    "권한",
    (
        ("officer", "주무관"),
        ("team_leader", "팀장"),
        ("admin_team_leader", "행정팀장"),
        ("dong_head", "동장"),
        ("gu", "구 담당"),
        ("city", "시 담당"),
    ),
)
REGION_ROLES = frozenset({"gu", "city"})  # read counts of many dongs (구 현황, 시 현황), never personal data
STAFF_ROLES = frozenset({"officer", "team_leader", "admin_team_leader", "dong_head"})  # a dong's own staff
HEADS = frozenset({"admin_team_leader", "dong_head"})  # the whole dong
LEADER_ROLES = frozenset({"team_leader", "admin_team_leader", "dong_head"})  # zones, month, missions, publishing
MISSION_ROLES = LEADER_ROLES  # who sets the month's missions
ADMIN_TEAM_WORD = "행정"  # the administrative team (행정민원팀, 행정팀): its leader is the 행정팀장
WELFARE_TEAM_WORD = "복지"  # a welfare team: its reports need the 행정팀장's co-approval (협조결재)

# --- reports ----------------------------------------------------------------------------------------------------

DUTIES = Vocabulary(
    "담당업무",
    (
        ("cleaning", "청소"),
        ("civil_defense", "민방위"),
        ("self_governance", "주민자치"),
        ("safety", "안전"),
        ("welfare", "복지"),
        ("health", "건강"),
        ("village", "마을"),
        ("housing", "주거"),
        ("culture", "문화"),
        ("registration", "주민등록"),
        ("petition", "민원"),
    ),
)

FIELDS = Vocabulary(
    "분야",
    (
        ("welfare", "복지"),
        ("environment", "환경"),
        ("safety", "안전"),
        ("petition", "민원"),
        ("promotion", "홍보"),
        ("general", "일반"),
    ),
)

ACTIVITIES = Vocabulary(
    "활동유형",
    (
        ("counter", "주민소통창구"),
        ("listening", "생활민원청취"),
        ("care_found", "돌봄이웃발견"),
        ("resource_survey", "복지자원조사"),
        ("diary", "동네일기"),
        ("other", "기타"),
    ),
)

REPORT_STATUSES = Vocabulary(
    "상태",
    (
        ("received", "접수"),
        ("handed_over", "인계"),
        ("in_progress", "처리중"),
        ("resident_notified", "주민통보"),
        ("closed", "종료"),
        ("returned", "반려"),
        ("duplicate", "중복"),
    ),
)
# what a report's history records (report_history.action): the 보고함 shows these words, never the keys
HISTORY_ACTIONS = Vocabulary(
    "기록",
    (
        ("create", "접수"),
        ("import", "자료에서 가져옴"),
        ("edit", "내용 수정"),
        ("photo", "사진 추가"),
        ("hand_over", "인계"),
        ("status", "상태 변경"),
        ("progress", "진행 메모"),
        ("co_approve", "협조결재"),
        ("reported", "활동보고서 제출"),
        ("mission", "미션·현안 태그"),
        ("referral", "연계 의뢰"),
    ),
)
# unresolved: a returned report goes back to its finder, who must still act on it
OPEN_STATUSES = frozenset({"received", "handed_over", "in_progress", "resident_notified", "returned"})
# the reports' state machine: from status → statuses it may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    "received": frozenset({"handed_over", "in_progress", "closed", "duplicate"}),
    "handed_over": frozenset({"in_progress", "returned", "duplicate"}),
    "in_progress": frozenset({"resident_notified", "closed", "returned", "duplicate"}),
    "resident_notified": frozenset({"closed"}),
    "returned": frozenset({"handed_over", "in_progress", "closed", "duplicate"}),
    "closed": frozenset(),
    "duplicate": frozenset(),
}
NOTIFY_CHANNELS = {"phone": "전화", "sms": "문자", "visit": "방문", "mail": "우편"}  # how a resident is told (주민통보)

# --- places and people ------------------------------------------------------------------------------------------

RESOURCE_TYPES = Vocabulary(
    "유형",
    (
        ("community_centre", "주민센터"),
        ("hospital", "병원"),
        ("clinic", "의원"),
        ("pharmacy", "약국"),
        ("school", "학교"),
        ("daycare", "어린이집"),
        ("senior_centre", "경로당"),
        ("welfare_centre", "복지관"),
        ("library", "도서관"),
        ("sharing_neighbour", "나눔이웃"),
        ("sharing_shop", "나눔가게"),
        ("other", "기타"),
    ),
)

HOUSEHOLD_KINDS = Vocabulary("구분", (("move_in", "전입세대"), ("care_needed", "돌봄이웃")))

BLIND_SPOT_TYPES = Vocabulary(
    "유형",
    (
        ("road_surface", "도로노면"),
        ("street_tree", "가로수"),
        ("crosswalk", "건널목"),
        ("median", "도로분리대"),
        ("signboard", "간판"),
        ("school_route", "통학로"),
        ("old_building", "건물노후"),
        ("illegal_dumping", "무단투기"),
        ("bus_stop", "버스정류장"),
        ("flood_snow", "수방·제설"),
        ("other", "기타"),
    ),
)

CONTACT_KINDS = Vocabulary(
    "구분",
    (
        ("tong_leader", "통장"),
        ("ban_leader", "반장"),
        ("association", "직능단체"),
        ("apartment_office", "아파트 관리사무소"),
        ("residents_rep", "입주자대표"),
        ("senior_centre_rep", "경로당 대표"),
        ("gas_reader", "도시가스 검침원"),
        ("yogurt_delivery", "요구르트 배달원"),
        ("sharing_neighbour", "나눔이웃"),
        ("other", "기타"),
    ),
)
CONTACT_EVENTS = Vocabulary("연락 방법", (("met", "만남"), ("called", "통화"), ("introduced", "동장 동행 소개")))

# --- outreach: missions, referrals, notice posts ----------------------------------------------------------------

MISSION_KINDS = Vocabulary("미션 구분", (("mission", "이달의 미션"), ("issue", "동 현안사항")))

REFERRAL_BODIES = Vocabulary(
    "연계 기관",
    (
        ("social_security_council", "동 지역사회보장협의체"),
        ("village_planning", "마을계획단"),
        ("self_governance", "주민자치회"),
        ("welfare_centre", "복지관"),
        ("other", "기타"),
    ),
)
BODY_ALIASES = {  # other names people write for a body (spaces removed)
    "주민자치위원회": "self_governance",
    "지역사회보장협의체": "social_security_council",
    "협의체": "social_security_council",
}

REFERRAL_STATUSES = Vocabulary(
    "연계 상태", (("referred", "의뢰"), ("discussing", "협의중"), ("linked", "연계완료"), ("not_linked", "연계불가"))
)
# the referrals' state machine: 의뢰 → 협의중 → 연계완료 / 연계불가
REFERRAL_TRANSITIONS: dict[str, frozenset[str]] = {
    "referred": frozenset({"discussing"}),
    "discussing": frozenset({"linked", "not_linked"}),
    "linked": frozenset(),
    "not_linked": frozenset(),
}

NOTICE_PLACES = Vocabulary(
    "게시 장소",
    (
        ("apartment_board", "아파트 게시판"),
        ("supermarket", "슈퍼마켓"),
        ("hair_salon", "미장원"),
        ("senior_centre", "경로당"),
        ("other", "기타"),
    ),
)

# --- the month --------------------------------------------------------------------------------------------------

GU_RESULTS = {"selected": "구 선정", "not_selected": "구 미선정"}  # the gu's verdict on a dong's best case (실천사례)
