"""Domain vocabularies: English keys in code and store, Korean labels for people.

Each vocabulary is defined once here.  Kit files may use either the Korean
label or the English key; the store always keeps the key.
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


ROLES = Vocabulary("역할", (("dong_head", "동장"), ("team_leader", "팀장"), ("officer", "주무관")))

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
# unresolved: a returned report goes back to its finder, who must still act on it
OPEN_STATUSES = frozenset({"received", "handed_over", "in_progress", "resident_notified", "returned"})

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
