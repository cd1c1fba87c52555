"""월간 취합 — the team leader's month: 취합표, 공유회의, 실천사례, 일정 (5th, 7th, 10th)."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from app_pages.common import (
    act,
    file_bytes,
    get_store,
    md,
    pick_officer,
    require_dong,
    require_user,
    show_kept,
    show_map,
    submission_key,
)
from mapping import clock
from mapping.density import classify, unit_labels
from mapping.domain import FIELDS, GU_RESULTS
from mapping.layers import build_density_layer, build_dong_layer, build_map, density_legend_html
from mapping.month.aggregation import CREDIT_RULE, export_monthly_xlsx, monthly_sheet_for
from mapping.month.best_cases import best_case_document_for, export_best_case_pdf, export_best_case_xlsx
from mapping.month.casebook import submit_best_case
from mapping.month.deadlines import (
    DONE,
    LATE,
    NOT_APPLICABLE,
    OVERDUE,
    UNITS,
    OutingTarget,
    deadlines_for,
    weekly_outings,
)
from mapping.month.meeting import build_meeting_pack, export_meeting_pdf, export_meeting_xlsx, report_kind, zone_counts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_ICONS = {DONE: "✅", LATE: "☑️", OVERDUE: "⚠️", NOT_APPLICABLE: "➖"}
BOX = "month"  # where a change keeps its message across the rerun (app_pages.common.act)


store = get_store()
code = require_dong()
st.title("월간 취합")
reports = store.reports(code)
staff = store.staff(code)
leaders = staff.sort_values("role", key=lambda r: r.map({"team_leader": 0, "dong_head": 1}).fillna(2), kind="stable")
me = pick_officer(list(leaders["name"]), label="작성자 (팀장)")
user = require_user()
today = clock.today()
last_month = (pd.Period(today, freq="M") - 1).strftime("%Y-%m")
months = sorted(set(reports["created_at"].dt.strftime("%Y-%m")) | {last_month}, reverse=True)
month = st.selectbox("활동 월", months, index=months.index(last_month), key="month")
sheet = monthly_sheet_for(store, code, month=month)
period = pd.Period(month, freq="M")
show_kept(BOX)
tab_sheet, tab_meeting, tab_cases, tab_calendar = st.tabs(["취합표", "공유회의", "실천사례", "일정"])

with tab_sheet:
    st.caption(CREDIT_RULE + (f" 미제출 {sheet.unreported}건은 빠져 있습니다." if sheet.unreported else ""))
    total = sheet.by_field.iloc[-1]
    cols = st.columns(7)
    for col, label in zip(cols, ["계", *FIELDS.labels], strict=True):
        col.metric(label, int(total[label]))
    st.subheader("분야별")
    st.dataframe(sheet.by_field.drop(columns="kind"), hide_index=True, width="stretch", key="by_field")
    st.subheader("활동유형별")
    st.dataframe(sheet.by_activity.drop(columns="kind"), hide_index=True, width="stretch", key="by_activity")
    c1, c2 = st.columns(2)
    c1.download_button(
        "취합 서식 XLSX 내려받기",
        file_bytes(lambda p: export_monthly_xlsx(sheet, p), ".xlsx"),
        file_name=f"활동실적취합_{month}.xlsx",
        mime=XLSX,
        key="sheet_xlsx",
    )
    confirmed = store.aggregation(code, month)
    if confirmed:
        c2.success(
            f"{confirmed['confirmed_at']:%Y-%m-%d %H:%M} {md(confirmed['confirmed_by'])} 확정 (계 {confirmed['totals']['계']}건)"
        )
    confirm = c2.button("취합 확정" if not confirmed else "다시 확정", key="confirm", help="5일 기한 완료로 기록합니다")
    if confirm:
        act(BOX, f"{md(month)} 취합을 확정했습니다.", lambda: store.confirm_aggregation(code, sheet, user=user))
    st.subheader(f"{period.month}월 구역별 활동 밀도")
    zones = store.zones(code)
    counts = unit_labels(zone_counts(zones, sheet.counted), by="zone", zones=zones)  # whose zone: officer, tongs
    classes = classify(counts["count"])
    dong = store.dong(code)
    density = build_map(
        [build_dong_layer(dong), build_density_layer(counts, classes=classes, key="unit")],
        bounds=dong,
        legend=density_legend_html(classes, what=f"{month} 제출된 활동 · 구역별"),
        sample=bool(st.session_state.get("dong_sample")),
    )
    show_map(density, key="month_density", height=460)

with tab_meeting:
    saved = store.meeting(code, month) or {}
    held = saved.get("held_at") or dt.datetime(period.year, period.month, 1) + pd.offsets.MonthBegin(1) + dt.timedelta(
        days=3, hours=16
    )
    with st.form("meeting_form"):  # widget keys per month: choosing another month shows that month's meeting
        c1, c2, c3 = st.columns(3)
        day = c1.date_input("일시 (날짜)", value=held.date(), key=f"meeting_day{month}")
        hour = c2.time_input("시각", value=held.time(), key=f"meeting_time{month}")
        place = c3.text_input("장소", value=saved.get("place") or "", key=f"meeting_place{month}")
        names = list(staff["name"])
        attendees = st.multiselect(
            "참석자",
            names,
            default=[a for a in saved.get("attendees") or names if a in names],
            key=f"meeting_attendees{month}",
            placeholder="참석자를 고르세요",
        )
        discussion = st.text_area(
            "중점 토의사항", value=saved.get("discussion") or "", key=f"meeting_discussion{month}"
        )
        requests = st.text_area("당부사항", value=saved.get("requests") or "", key=f"meeting_requests{month}")
        if st.form_submit_button("저장"):
            act(
                BOX,
                "공유회의를 저장했습니다.",
                lambda: store.save_meeting(
                    code,
                    month,
                    held_at=dt.datetime.combine(day, hour),
                    place=place,
                    attendees=attendees,
                    discussion=discussion,
                    requests=requests,
                    user=user,
                ),
            )
    pack = build_meeting_pack(
        sheet,
        store.zones(code),
        meeting=store.meeting(code, month),
        best_cases=store.best_cases(code),
        missions=store.mission_progress(code, month),
    )
    st.subheader("분야별 활동실적")
    st.dataframe(pack.by_field, hide_index=True, width="stretch", key="meeting_fields")
    st.subheader("이달의 미션·현안 진행")
    if pack.missions.empty:
        st.caption(f"{period.month}월에 정한 미션·현안이 없습니다 ('이달의 미션'에서 정합니다).")
    else:
        st.dataframe(pack.missions, hide_index=True, width="stretch", key="meeting_missions")
    st.subheader("월별 우수사례")
    st.dataframe(pack.best_cases, hide_index=True, width="stretch", key="meeting_cases")
    c1, c2 = st.columns(2)
    c1.download_button(
        "공유회의 자료 PDF",
        file_bytes(lambda p: export_meeting_pdf(pack, p), ".pdf"),
        file_name=f"공유회의_{month}.pdf",
        mime="application/pdf",
        key="meeting_pdf",
    )
    c2.download_button(
        "공유회의 자료 XLSX",
        file_bytes(lambda p: export_meeting_xlsx(pack, p), ".xlsx"),
        file_name=f"공유회의_{month}.xlsx",
        mime=XLSX,
        key="meeting_xlsx",
    )

with tab_cases:
    counted = sheet.counted
    choices = {
        int(
            r.id
        ): f"#{r.id} {r.created_at:%m/%d} {r.finder} · {FIELDS.label(r.field) if isinstance(r.field, str) else '-'} · {report_kind(r.title, r.memo)}"
        for r in counted.itertuples()
    }
    with st.form(f"best_case_form_{submission_key('best_case_submission')}", clear_on_submit=True):  # new once stored
        st.markdown(f"**{period.month}월 실천사례 정하기** (보고 하나 또는 여러 건)")
        picked = st.multiselect(
            "보고",
            list(choices),
            format_func=choices.__getitem__,
            key="case_reports",
            placeholder="보고를 고르세요",
            select_all=False,
        )
        c1, c2 = st.columns([3, 1])
        title = c1.text_input("사례명", key="case_title")
        field = c2.selectbox("분야", FIELDS.keys, format_func=FIELDS.label, key="case_field")
        summary = st.text_area("추진 내용 (배경·활동·성과)", key="case_summary")
        if st.form_submit_button("실천사례로 정하기"):
            act(
                BOX,
                lambda case_id: f"실천사례 {case_id}을(를) 정했습니다.",
                lambda: store.choose_best_case(
                    code, month, title=title, field=field, report_ids=picked, summary=summary, user=user
                ),
                forget=["best_case_submission"],
            )
    cases = store.best_cases(code)
    for case in cases[cases["month"] == month].to_dict("records"):
        cid = int(case["id"])
        with st.expander(f"#{cid} {md(case['title'])} · {FIELDS.label(case['field'])}", expanded=True):
            doc = best_case_document_for(store, cid)
            st.dataframe(doc.details, hide_index=True, width="stretch", key=f"case_details{cid}")
            decision = GU_RESULTS.get(case["gu_result"] or "", "")
            steps = [
                ("구 제출", case["gu_submitted_on"]),
                (
                    "구 결정",
                    f"{decision} {case['gu_result_on']}"
                    if decision
                    else ("검토 중" if case["gu_submitted_on"] else None),
                ),
                ("시 제출", case["city_submitted_on"]),
                ("시 공유", case.get("city_shared_on")),
            ]
            st.caption(
                " · ".join(f"{label}: {value if value and not pd.isna(value) else '-'}" for label, value in steps)
            )
            if case.get("gu_reason"):
                st.info(f"구의 사유: {md(case['gu_reason'])}")
            c1, c2 = st.columns(2)
            c1.download_button(
                "구 제출서 PDF",
                file_bytes(partial(export_best_case_pdf, doc, level="gu"), ".pdf"),
                file_name=f"실천사례_{cid}_구.pdf",
                mime="application/pdf",
                key=f"gu_pdf{cid}",
            )
            c1.download_button(
                "구 제출서 XLSX",
                file_bytes(partial(export_best_case_xlsx, doc, level="gu"), ".xlsx"),
                file_name=f"실천사례_{cid}_구.xlsx",
                mime=XLSX,
                key=f"gu_xlsx{cid}",
            )
            if case["gu_result"] == "selected":
                c2.download_button(
                    "시 제출서 PDF",
                    file_bytes(partial(export_best_case_pdf, doc, level="city"), ".pdf"),
                    file_name=f"실천사례_{cid}_시.pdf",
                    mime="application/pdf",
                    key=f"city_pdf{cid}",
                )
            if not case["gu_result"]:  # until the gu decides, the dong may (re)submit
                photos = store.case_photos(cid)
                if len(photos):
                    st.image([str(p) for p in photos["thumb_path"] if p.exists()], width=120)
                with st.form(f"submit{cid}"):
                    result_text = st.text_area(
                        "추진 결과 (구·시·다른 동이 읽습니다: 주민 이름·연락처를 적지 마세요)",
                        value=case.get("result") or "",
                        key=f"case_result{cid}",
                    )
                    shared_photos = st.multiselect(
                        "공유할 사진 (얼굴·주소가 보이지 않는 것만)",
                        [int(i) for i in photos["id"]],
                        format_func=lambda i: f"사진 {i}",
                        key=f"case_photos{cid}",
                        placeholder="공유할 사진을 고르세요 (없어도 됩니다)",
                        select_all=False,
                    )
                    label = "다시 제출" if case["gu_submitted_on"] else "구에 제출"
                    if st.form_submit_button(label):
                        act(
                            BOX,
                            f"실천사례 {cid}: 구에 제출했습니다 (개인정보 검사 통과).",
                            partial(
                                submit_best_case, store, cid, result=result_text, photo_ids=shared_photos, user=user
                            ),
                        )

with tab_calendar:
    calendar = deadlines_for(store, code, month=month, today=today)
    st.subheader(f"{period.month}월 활동의 기한")
    st.dataframe(
        calendar.assign(상태=[f"{STATE_ICONS.get(s, '🕒')} {s}" for s in calendar["상태"]]).drop(columns="step"),
        hide_index=True,
        width="stretch",
        key="deadlines",
    )
    target = store.outing_target(code)
    st.subheader(f"주간 현장활동 ({target.label})")
    with st.form("target_form"):
        c1, c2 = st.columns(2)
        count = c1.number_input("주간 목표", min_value=1, max_value=20, value=target.count, key="target_count")
        unit = c2.radio(
            "단위",
            list(UNITS),
            index=list(UNITS).index(target.unit),
            format_func=lambda u: UNITS[u].strip(),
            horizontal=True,
            key="target_unit",
        )
        if st.form_submit_button("목표 저장"):
            act(
                BOX,
                "주간 현장활동 목표를 저장했습니다.",
                lambda: store.set_outing_target(code, OutingTarget(int(count), unit), user=user),
            )
    outings = weekly_outings(reports, store.walks(code), staff, month=month, target=target, today=today)
    behind = outings[outings["미달"] > 0]
    if len(behind):
        st.warning(f"목표에 못 미친 주가 있는 직원 {len(behind)}명: " + ", ".join(md(n) for n in behind["성명"]))
    else:
        st.success("모든 직원이 지난 주마다 목표를 채웠습니다.")
    st.dataframe(outings, hide_index=True, width="stretch", key="outings")
