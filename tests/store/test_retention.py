"""Retention: personal data past its period goes, the monthly counts stay, the log chain still verifies."""

from __future__ import annotations

import datetime as dt

import pytest

from mapping.access import CLI_USER
from mapping.errors import NotFoundError
from mapping.month.aggregation import monthly_sheet_for
from mapping.photos import read_photo
from mapping.store import Store
from mapping.store.retention import CLEARED, RetentionPolicy, purge_expired
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user

LATER = dt.date(2030, 1, 1)


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_purge_removes_expired_personal_data_and_keeps_the_counts(backend_store: Store) -> None:
    store = backend_store
    point = store.tongs(SAMPLE_CODE).geometry.iloc[2].representative_point()
    rid = store.file_report(
        SAMPLE_CODE, lonlat=(point.x, point.y), memo="어르신 댁 보일러 고장", resident_name="박주민",
        resident_phone="010-7777-8888", created_at=dt.datetime(2026, 10, 7, 10), user=staff_user("노아린"),
        photos=[read_photo(_jpeg(), name="boiler.jpg")],
    )  # fmt: skip
    store.move_report(
        rid,
        "in_progress",
        user=staff_user("노아린"),
    )
    referral = store.refer_report(rid, body="복지관", note="박주민 어르신 난방비 지원", user=staff_user("노아린"))
    store.notify_resident(
        rid,
        channel="phone",
        on_date=dt.date(2026, 10, 8),
        by_whom="노아린",
        user=staff_user("노아린"),
    )
    store.co_approve(
        rid,
        user=staff_user("오민재"),
    )  # a welfare-team report needs the 협조결재 first
    store.move_report(
        rid,
        "closed",
        user=staff_user("노아린"),
    )
    store.mark_reported(
        [rid],
        user=staff_user("노아린"),
    )
    before = monthly_sheet_for(store, SAMPLE_CODE, month="2026-10").by_field
    photo_files = [store.photo_dir / f for f in store.report_photos(rid)["file"]]
    assert all(p.exists() for p in photo_files)

    dry = purge_expired(store, policy=RetentionPolicy(), user=CLI_USER, today=LATER, dry_run=True)
    assert dry.reports_cleared >= 1 and store.report(rid, user=CLI_USER)["resident_name"] == "박주민"  # nothing yet

    done = purge_expired(store, policy=RetentionPolicy(), user=CLI_USER, today=LATER)
    assert (done.reports_cleared, done.move_ins_removed, done.care_removed) == (
        dry.reports_cleared,
        dry.move_ins_removed,
        dry.care_removed,
    )
    report = store.report(rid, user=CLI_USER)
    assert (report["resident_name"], report["resident_phone"], report["memo"]) == (None, None, CLEARED)
    assert store.report_photos(rid).empty and not any(p.exists() for p in photo_files)
    history = store.referral_history(referral, user=CLI_USER)  # where it went stays; what was written goes
    assert list(history["to_status"]) == ["referred"] and history["note"].isna().all()
    assert store.households(SAMPLE_CODE, user=CLI_USER).empty  # every sample household is long past its period
    after = monthly_sheet_for(store, SAMPLE_CODE, month="2026-10").by_field
    assert after.drop(columns="kind").equals(before.drop(columns="kind"))  # the aggregates stay
    assert done.log_entries_removed > 0 and store.verify_access_log().intact  # the chain verifies from its anchor
    assert (store.access_log()["subject"] == "retention").sum() == 1  # and the purge itself is on record
    again = purge_expired(store, policy=RetentionPolicy(), user=CLI_USER, today=LATER)
    assert again.reports_cleared == 0  # a purge is done once


def test_open_cases_and_recent_data_are_kept(backend_store: Store) -> None:
    point = backend_store.tongs(SAMPLE_CODE).geometry.iloc[2].representative_point()
    rid = backend_store.file_report(SAMPLE_CODE, lonlat=(point.x, point.y), memo="진행 중",
                                    resident_name="최주민", created_at=dt.datetime(2026, 1, 5), user=staff_user("노아린"))  # fmt: skip
    purge_expired(backend_store, policy=RetentionPolicy(), user=CLI_USER, today=LATER)
    assert backend_store.report(rid, user=CLI_USER)["resident_name"] == "최주민"  # not closed: still needed
    households = len(backend_store.households(SAMPLE_CODE, user=CLI_USER))
    report = purge_expired(backend_store, policy=RetentionPolicy(), user=CLI_USER, today=dt.date(2026, 12, 1))
    assert report.move_ins_removed == 0 and len(backend_store.households(SAMPLE_CODE, user=CLI_USER)) == households


def test_grants_are_kept_three_years_and_the_log_at_least_two() -> None:
    with pytest.raises(ValueError, match="730"):
        RetentionPolicy(log_days=365)


def test_contact_log_entries_go_after_three_years_and_referrals_with_their_household(backend_store: Store) -> None:
    store = backend_store
    book = store.contacts(SAMPLE_CODE, user=CLI_USER)
    contact = int(book["id"].iloc[0])
    store.log_contact(contact, kind="만남", on_date=dt.date(2026, 10, 1), by_whom="노아린", user=CLI_USER)
    recent = store.log_contact(contact, kind="통화", on_date=dt.date.today(), by_whom="노아린", user=CLI_USER)
    household = int(store.households(SAMPLE_CODE, user=CLI_USER)["id"].iloc[0])
    referral = store.refer_household(household, body="복지관", note="방문 상담", user=staff_user("한서윤"))
    cutoff = dt.date(2026, 10, 1) + dt.timedelta(days=1096)  # three years and a day after the old entry

    done = purge_expired(store, policy=RetentionPolicy(), user=CLI_USER, today=cutoff)
    assert done.contact_log_removed == 1 and done.referrals_removed == 1
    assert "연락처 연락 기록 삭제: 1건" in done.lines()
    assert list(store.contact_log(contact, user=CLI_USER)["id"]) == [recent]  # the old entry is gone
    assert len(store.contacts(SAMPLE_CODE, user=CLI_USER)) == len(book)  # the contacts themselves stay
    assert store.household_referrals(SAMPLE_CODE, user=CLI_USER).empty  # gone with the household
    with pytest.raises(NotFoundError):
        store.referral_history(referral, user=CLI_USER)
    with pytest.raises(ValueError, match="contact_log_days=0"):
        RetentionPolicy(contact_log_days=0)
