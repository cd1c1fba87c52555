"""Command line for the month: the team leader's (``monthly``, ``meeting-pack``, ``best-case``, ``deadlines``)
and the gu's and the city's (``gu-monthly``, ``city-monthly``)."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

from mapping import clock
from mapping.access import CLI_USER, User, owner_user
from mapping.cli.common import EXIT_OK, out_path, parsed, store_and_dong


def _month(args: argparse.Namespace, *, what: str) -> str:
    from mapping.month.aggregation import parse_month

    return parsed(parse_month, args.month, option="--month", what=what).strftime("%Y-%m")


def _cmd_monthly(args: argparse.Namespace) -> int:
    from mapping.month.aggregation import export_monthly_xlsx, monthly_sheet_for

    out = out_path(args.out, (".xlsx",), what="활동실적 취합")
    month = _month(args, what="활동실적 취합")
    store, code = store_and_dong(args)
    sheet = monthly_sheet_for(store, code, month=month)
    out.parent.mkdir(parents=True, exist_ok=True)
    export_monthly_xlsx(sheet, out)
    totals = sheet.by_field.iloc[-1]
    fields = " ".join(f"{c} {int(totals[c])}" for c in sheet.by_field.columns[3:9])
    print(f"{month} 활동실적 취합 → {out}: 계 {sheet.total}건 ({fields}), 미제출 {sheet.unreported}건 제외")
    for row in sheet.by_field[sheet.by_field["kind"] == "subtotal"].itertuples():
        print(f"  {row.팀명} 소계 {row.계}건")
    if args.confirm:
        store.confirm_aggregation(code, sheet, user=_by(args, code))
        print("취합을 확정했습니다 (5일 기한 완료로 기록).")
    return EXIT_OK


def _by(args: argparse.Namespace, code: str) -> User:
    """Who the command records as acting: ``--by`` (a staff member of the dong, checked by the store), else the command line."""
    return owner_user(staff_name=args.by, dong_code=code) if args.by else CLI_USER


def _cmd_meeting_pack(args: argparse.Namespace) -> int:
    from mapping.month.meeting import export_meeting_pdf, export_meeting_xlsx, meeting_pack_for

    out = out_path(args.out, (".pdf", ".xlsx"), what="공유회의 자료")
    month = _month(args, what="공유회의 자료")
    store, code = store_and_dong(args)
    pack = meeting_pack_for(store, code, month=month)
    out.parent.mkdir(parents=True, exist_ok=True)
    {".pdf": export_meeting_pdf, ".xlsx": export_meeting_xlsx}[out.suffix.lower()](pack, out)
    print(f"{month} 공유회의 자료 → {out} (일시 {pack.when}, 우수사례 {len(pack.best_cases)}건)")
    return EXIT_OK


def _cmd_best_case(args: argparse.Namespace) -> int:
    month = _month(args, what="실천사례")
    store, code = store_and_dong(args)
    ids = parsed(
        lambda s: [int(v) for v in s.split(",") if v.strip()], args.reports, option="--reports", what="실천사례"
    )
    case_id = store.choose_best_case(
        code,
        month,
        title=args.title,
        field=args.field,
        report_ids=ids,
        summary=args.summary or "",
        user=_by(args, code),
    )
    print(f"실천사례 {case_id}: {args.title} ({month}, 보고 {len(ids)}건)")
    return EXIT_OK


def _cmd_best_case_doc(args: argparse.Namespace) -> int:
    from mapping.month.best_cases import best_case_document_for, export_best_case_pdf, export_best_case_xlsx
    from mapping.store import open_store

    out = out_path(args.out, (".pdf", ".xlsx"), what="실천사례 제출서")
    store = open_store(args.db)
    step = "gu_submitted" if args.level == "gu" else "city_submitted"
    if args.record:  # a step out of order is refused before any file is written
        store.check_best_case_step(args.case_id, step)
    doc = best_case_document_for(store, args.case_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    {".pdf": export_best_case_pdf, ".xlsx": export_best_case_xlsx}[out.suffix.lower()](doc, out, level=args.level)
    print(f"실천사례 {doc.case_id} ({doc.title}) {'구' if args.level == 'gu' else '시'} 제출서 → {out}")
    if args.record:
        store.record_best_case_step(doc.case_id, step, on=clock.today(), user=CLI_USER)
        print(f"제출일 {clock.today():%Y-%m-%d}을(를) 기록했습니다.")
    return EXIT_OK


def _cmd_best_case_result(args: argparse.Namespace) -> int:
    from mapping.kit.tables import parse_date
    from mapping.store import open_store

    on = parsed(parse_date, args.on, option="--on", what="실천사례") if args.on else clock.today()
    open_store(args.db).record_best_case_step(args.case_id, args.result, on=on, user=CLI_USER)
    print(f"실천사례 {args.case_id}: {'구 선정' if args.result == 'selected' else '구 미선정'} ({on:%Y-%m-%d})")
    return EXIT_OK


def _cmd_deadlines(args: argparse.Namespace) -> int:
    from mapping.kit.tables import parse_date
    from mapping.month.deadlines import deadlines_for, weekly_outings

    month = _month(args, what="월간 일정")
    today = parsed(parse_date, args.today, option="--today", what="월간 일정") if args.today else clock.today()
    store, code = store_and_dong(args)
    calendar = deadlines_for(store, code, month=month, today=today)
    print(f"{month} 활동의 월간 일정 (기준일 {today:%Y-%m-%d})")
    for row in calendar.to_dict("records"):
        left = f" (D-{row['남은 날']})" if row["상태"] == "예정" else ""
        print(f"  {row['기한']:%m/%d} {row['항목']}: {row['상태']}{left}")
    target = store.outing_target(code)
    outings = weekly_outings(
        store.reports(code),
        store.walks(code),
        store.staff(code),
        month=month,
        target=target,
        today=today,
    )
    behind = outings[outings["미달"] > 0]
    print(f"주간 현장활동 목표 {target.label}: 미달 {len(behind)}명 / {len(outings)}명")
    for row in behind.itertuples():
        print(f"  {row.팀명} {row.성명}: {row.상태}")
    return EXIT_OK


def _cmd_region_monthly(args: argparse.Namespace) -> int:
    from mapping.month.region import SUBTOTAL, export_region_xlsx, region_month_for
    from mapping.organisation import check_gu_code
    from mapping.store import open_store

    gu = check_gu_code(args.gu, what="--gu") if args.command == "gu-monthly" else None
    what = "구 활동실적 취합" if gu else "시 활동실적 취합"
    out = out_path(args.out, (".xlsx",), what=what)
    month = _month(args, what=what)
    today = parsed(dt.date.fromisoformat, args.today, option="--today", what=what) if args.today else None
    region = region_month_for(open_store(args.db), gu, month=month, user=CLI_USER, today=today)
    out.parent.mkdir(parents=True, exist_ok=True)
    export_region_xlsx(region, out)
    units = region.by_field[region.by_field["kind"] == "unit"]
    totals = region.by_field.iloc[-1]
    fields = " ".join(f"{c} {int(totals[c])}" for c in region.by_field.columns[3:9])
    print(f"{region.title} → {out}: 합계 {region.total}건 ({fields}), {len(units)}곳")
    for row in units[units[SUBTOTAL] > 0].itertuples():
        print(f"  {row.이름}: {getattr(row, SUBTOTAL)}건")
    return EXIT_OK


def _cmd_casebook(args: argparse.Namespace) -> int:
    from mapping.month.casebook import export_casebook_pdf
    from mapping.store import open_store

    out = out_path(args.out, (".pdf",), what="실천사례집")
    out.parent.mkdir(parents=True, exist_ok=True)
    export_casebook_pdf(open_store(args.db), args.year, out, user=CLI_USER, only_shared=args.shared)
    print(f"{args.year}년 실천사례집 → {out}")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "casebook": (
        "한 해의 실천사례집(차례, 구가 선정한 사례마다 내용·결과·활동·공유 사진)을 PDF로 만듭니다.",
        _cmd_casebook,
    ),
    "gu-monthly": (
        "구의 한 달 활동실적 취합(동 × 분야·활동유형, 소계·합계, 기한별 진행)을 XLSX로 만듭니다.",
        _cmd_region_monthly,
    ),
    "city-monthly": (
        "시의 한 달 활동실적 취합(25개 구 × 분야·활동유형, 기한별 진행)을 XLSX로 만듭니다.",
        _cmd_region_monthly,
    ),
    "monthly": ("한 달 활동실적 취합 서식(팀·주무관별 분야·활동유형 건수)을 XLSX로 만듭니다.", _cmd_monthly),
    "meeting-pack": (
        "월례 공유회의 자료(분야별 실적, 우수사례, 토의·당부사항, 밀도 지도)를 PDF/XLSX로 만듭니다.",
        _cmd_meeting_pack,
    ),
    "best-case": ("보고(하나 또는 여러 건)를 그달의 실천사례로 정합니다.", _cmd_best_case),
    "best-case-doc": ("실천사례 구·시 제출서를 PDF/XLSX로 만듭니다 (--record: 제출일 기록).", _cmd_best_case_doc),
    "best-case-result": ("구의 실천사례 선정 결과를 기록합니다.", _cmd_best_case_result),
    "deadlines": (
        "월간 일정(5일 취합·공유회의, 7일 구, 10일 시)과 주간 현장활동 미달자를 보여 줍니다.",
        _cmd_deadlines,
    ),
}


def add_parsers(
    add: Callable[..., argparse.ArgumentParser], common: argparse.ArgumentParser, in_dong: argparse.ArgumentParser
) -> None:
    """Add this module's commands through ``add(name, *parents)``."""
    monthly = add("monthly", common, in_dong)
    monthly.add_argument("--month", required=True, help="YYYY-MM")
    monthly.add_argument("--out", required=True, help="FILE.xlsx")
    monthly.add_argument("--confirm", action="store_true", help="취합을 확정으로 기록 (5일 기한)")
    monthly.add_argument("--by", help="확정한 사람: 이 동 직원 명단의 팀장·행정팀장·동장 (기본: 명령줄)")
    meeting = add("meeting-pack", common, in_dong)
    meeting.add_argument("--month", required=True, help="YYYY-MM (활동 월)")
    meeting.add_argument("--out", required=True, help="FILE.pdf 또는 FILE.xlsx")
    case = add("best-case", common, in_dong)
    case.add_argument("--month", required=True, help="YYYY-MM")
    case.add_argument("--title", required=True, help="사례명")
    case.add_argument("--field", required=True, help="분야: 복지, 환경, 안전, 민원, 홍보, 일반")
    case.add_argument("--reports", required=True, help="보고 번호들, 예: 12,15")
    case.add_argument("--summary", help="추진 내용")
    case.add_argument("--by", help="정한 사람: 이 동 직원 명단의 팀장·행정팀장·동장 (기본: 명령줄)")
    doc = add("best-case-doc", common)
    doc.add_argument("case_id", metavar="ID", type=int, help="실천사례 번호")
    doc.add_argument("--level", choices=["gu", "city"], default="gu", help="제출처: gu(구, 7일) 또는 city(시, 10일)")
    doc.add_argument("--out", required=True, help="FILE.pdf 또는 FILE.xlsx")
    doc.add_argument("--record", action="store_true", help="오늘을 제출일로 기록")
    result = add("best-case-result", common)
    result.add_argument("case_id", metavar="ID", type=int, help="실천사례 번호")
    result.add_argument("result", choices=["selected", "not_selected"], help="구 선정(selected) 또는 미선정")
    result.add_argument("--on", help="결과 날짜 YYYY-MM-DD (기본: 오늘)")
    for name in ("gu-monthly", "city-monthly"):
        region = add(name, common)
        if name == "gu-monthly":
            region.add_argument("--gu", required=True, help="구 코드 다섯 자리, 예: 11320 (도봉구)")
        region.add_argument("--month", required=True, help="YYYY-MM (활동 월)")
        region.add_argument("--out", required=True, help="FILE.xlsx")
        region.add_argument("--today", help="기한 판단 기준일 YYYY-MM-DD (기본: 오늘)")
    casebook = add("casebook", common)
    casebook.add_argument("--year", required=True, type=int, help="연도, 예: 2026")
    casebook.add_argument("--out", required=True, help="FILE.pdf")
    casebook.add_argument("--shared", action="store_true", help="시가 공유한 사례만 (공모전 후보)")
    deadlines = add("deadlines", common, in_dong)
    deadlines.add_argument("--month", required=True, help="YYYY-MM (활동 월)")
    deadlines.add_argument("--today", help="기준일 YYYY-MM-DD (기본: 오늘)")
