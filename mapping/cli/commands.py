"""Command line: ``python -m mapping COMMAND``.

Exit status: 0 success, 2 bad input (every problem printed), 1 anything else.
Every command takes ``--db PATH_OR_URL`` (default ``MAPPING_DB``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mapping.access import CLI_USER, owner_user
from mapping.cli import admin, month, publish
from mapping.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_ERROR,
    EXIT_OK,
    masked_db,
    only_dong,
    out_path,
    parsed,
    shown_db,
    zone_profile_command,
)
from mapping.errors import MappingError, NotFoundError, Problem, ValidationError
from mapping.routes import RouteError

if TYPE_CHECKING:
    from mapping.store.loading import LoadSummary


def _print_loaded(summary: LoadSummary, url: str) -> None:
    print(f"불러옴: {summary.dong_name} ({summary.dong_code}) → {shown_db(url)}")
    for name, count in summary.counts.items():
        change = f" (추가 {summary.added[name]}, 삭제 {summary.removed[name]})" if name in summary.added else ""
        print(f"  {name}: {count}{change}")


def _cmd_load(args: argparse.Namespace) -> int:
    from mapping.kit.batch import kit_folders, load_kits
    from mapping.kit.reader import read_kit
    from mapping.store import open_store

    folders = kit_folders(args.kit_dir)
    if len(folders) == 1:  # one kit: its problems are the whole answer (exit 2 through main)
        kit = read_kit(folders[0])
        store = open_store(args.db)
        _print_loaded(store.load_kit(kit, user=CLI_USER), store.url)
        for problem in kit.warnings:
            print(f"  {problem}")
        return EXIT_OK
    store = open_store(args.db)
    outcomes = load_kits(store, folders, user=CLI_USER)
    rows = []
    for outcome in outcomes:
        if outcome.summary is not None:
            _print_loaded(outcome.summary, store.url)
            for problem in outcome.problems:
                print(f"  {problem}")
            what = f"{outcome.summary.dong_name} ({outcome.summary.dong_code})"
            rows.append((str(outcome.folder), what, "불러옴", f"경고 {len(outcome.problems)}건"))
        else:
            print(f"거부: {outcome.folder}\n{outcome.refusal}", file=sys.stderr)
            errors = sum(p.severity == "error" for p in outcome.problems)
            rows.append((str(outcome.folder), "-", "거부", f"오류 {errors}건" if errors else outcome.refusal[:60]))
    refused = sum(not o.loaded for o in outcomes)
    print(f"\n키트 {len(outcomes)}개: 불러옴 {len(outcomes) - refused}, 거부 {refused}")
    table = pd.DataFrame(rows, columns=["키트", "동", "결과", "문제"])
    print(table.to_string(index=False))
    return EXIT_BAD_INPUT if refused else EXIT_OK


def _cmd_assets(args: argparse.Namespace) -> int:
    from mapping.assets import install_assets

    written = install_assets(Path(args.dest))
    print(f"지도 자원 {len(written)}개를 {args.dest}에 복사했습니다.")
    return EXIT_OK


def _cmd_zones(args: argparse.Namespace) -> int:
    from mapping.kit.reader import read_zone_inputs
    from mapping.zones import zones_from_tongs

    tongs, staff, dong = read_zone_inputs(args.tongs, args.staff, dong=args.dong)
    zones = zones_from_tongs(tongs, staff, dong=dong)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    zones.assign(tongs=[",".join(map(str, t)) for t in zones["tongs"]]).to_crs("EPSG:4326").to_file(
        out, driver="GeoJSON"
    )
    print(
        f"구역 {len(zones)}개, 통 {sum(len(t) for t in zones['tongs'])}개, 면적 {zones['area_m2'].sum() / 1e6:.3f} km² → {out}"
    )
    for z in zones.itertuples():
        split = "" if z.contiguous else " (떨어진 구역)"
        print(
            f"  {z.zone_id} {z.officer} ({z.team}) 통 {','.join(map(str, z.tongs))} {z.area_m2:,.0f} m² 대직자 {z.substitute or '-'}{split}"
        )
    if zones.attrs["without_tongs"]:
        print(f"  담당통 없는 직원: {', '.join(zones.attrs['without_tongs'])}")
    for problem in staff.attrs.get("warnings", []) + zones.attrs["warnings"]:
        print(f"  {problem}")
    return EXIT_OK


def _cmd_officer_for(args: argparse.Namespace) -> int:
    from mapping.lookup import officer_for
    from mapping.store import open_store

    lonlat = None
    if args.lonlat:
        try:
            lon, lat = (float(v) for v in args.lonlat.split(","))
        except ValueError:
            raise NotFoundError(
                f"--lonlat {args.lonlat!r}: '경도,위도' 형식이어야 합니다 (예: 126.9010,37.5670)."
            ) from None
        lonlat = (lon, lat)
    result = officer_for(open_store(args.db), lonlat=lonlat, address=args.address)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_load_addresses(args: argparse.Namespace) -> int:
    from mapping.addresses import read_juso_entrances
    from mapping.store import open_store

    rows = read_juso_entrances(args.file)
    count = open_store(args.db).load_addresses(rows, source=Path(args.file).name, user=CLI_USER)
    print(f"주소 {count:,}건을 불러왔습니다 ({Path(args.file).name}).")
    return EXIT_OK


def _cmd_reassign(args: argparse.Namespace) -> int:
    from mapping.store import open_store
    from mapping.zone_profile.facts import handover_message

    store = open_store(args.db)
    code = args.dong or only_dong(store)
    done = store.reassign(code, args.zone, args.to, user=CLI_USER)
    print(handover_message(done))
    if masked_db(args):
        print("  (아래 명령의 --db 비밀번호는 ***로 가렸습니다: 실행할 때 넣으세요.)")
    print(f"후임자 {done['successor']}의 첫날 자료(구역 현황): {zone_profile_command(args, str(done['zone_id']))}")
    return EXIT_OK


def _cmd_activity_report(args: argparse.Namespace) -> int:
    from mapping.kit.tables import parse_date
    from mapping.month.activity import activity_report_for, export_activity_pdf, export_activity_xlsx
    from mapping.store import open_store

    out = out_path(args.out, (".xlsx", ".pdf"), what="활동보고서")
    writer = {".xlsx": export_activity_xlsx, ".pdf": export_activity_pdf}[out.suffix.lower()]
    day = parsed(parse_date, args.date, option="--date", what="활동보고서")
    store = open_store(args.db)
    code = args.dong or only_dong(store)
    report = activity_report_for(store, code, officer=args.officer, day=day)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer(report, out)
    print(f"활동보고서 → {out} (보고 {len(report.report_ids)}건, 사진 {len(report.photos)}장)")
    if args.submit:
        done = store.mark_reported(report.report_ids, user=owner_user(staff_name=args.officer, dong_code=code))
        print(f"제출: 보고 {done}건을 보고완료로 표시했습니다.")
    return EXIT_OK


def _cmd_export_reports(args: argparse.Namespace) -> int:
    from mapping.exports import export_reports
    from mapping.store import open_store

    store = open_store(args.db)
    code = args.dong or only_dong(store)
    path = export_reports(store.reports(code), Path(args.out), fmt=args.format)
    note = "개인정보 제외" + (
        ", 돌봄·복지 보고 제외; 구·시 시스템 교환용 (주민 공개는 public-map)"
        if args.format == "open311"
        else ", 내부용"
    )
    print(f"보고 → {path} ({args.format}, {note})")
    return EXIT_OK


def _cmd_import_reports(args: argparse.Namespace) -> int:
    from mapping.kit.reader import read_reports_file
    from mapping.store import open_store

    store = open_store(args.db)
    code = args.dong or only_dong(store)
    frame = read_reports_file(args.file, staff_names=set(store.staff(code)["name"]))
    added, skipped = store.import_reports(code, frame, user=CLI_USER)
    print(f"보고 {added}건을 가져왔습니다 (이미 있어 건너뜀 {skipped}건).")
    return EXIT_OK


def _cmd_density(args: argparse.Namespace) -> int:
    from mapping.assets import install_assets
    from mapping.density import UNITS, classify, count_reports, month_span, unit_labels
    from mapping.domain import FIELDS
    from mapping.layers import build_density_layer, build_dong_layer, build_heat_layer, build_map, density_legend_html
    from mapping.store import open_store

    try:
        month = pd.Period(args.month, freq="M").strftime("%Y-%m")
        until = pd.Period(args.until, freq="M").strftime("%Y-%m") if args.until else None
        month_span(month, until)
        fields = [FIELDS.parse(f) for f in args.field] if args.field else None
    except ValueError as exc:
        raise ValidationError([Problem("density", None, "--month/--field", str(exc))], what="밀도 지도") from None
    store = open_store(args.db)
    code = args.dong or only_dong(store)
    units = store.zones(code) if args.by == "zone" else store.tongs(code)
    reports = store.reports(code)
    table = count_reports(reports, units, by=args.by, month=month, until=until, fields=fields)
    key, word = UNITS[args.by]
    shown = unit_labels(units.merge(table, on=key), by=args.by, zones=store.zones(code))  # whose: officer, tongs
    value = "per_km2" if args.per_km2 else "count"
    classes = classify(shown[value], unit="건/km²" if args.per_km2 else "건")
    period = f"{month}~{until}" if until else month
    what = f"{period} 보고 {'밀도(건/km²)' if args.per_km2 else '건수'} · {word}별" + (
        f" · {', '.join(args.field)}" if args.field else ""
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    dong = store.dong(code)
    m = build_map(
        [build_dong_layer(dong), build_density_layer(shown, value=value, classes=classes, key="unit")]
        + (
            [build_heat_layer(reports[reports["created_at"].dt.strftime("%Y-%m").isin(month_span(month, until))])]
            if args.heatmap
            else []
        ),
        bounds=dong,
        legend=density_legend_html(classes, what=what),
        base_url="vendor/",
    )
    m.save(str(out))
    install_assets(out.parent / "vendor")
    print(f"{what}: 보고 {int(table['count'].sum())}건 → {out} (지도 파일은 vendor/ 폴더와 함께 옮기세요)")
    for row in table.head(5).itertuples():
        print(f"  {getattr(row, key)}: {row.count}건 ({'직전 같은 기간' if until else '전월'} 대비 {row.change:+d})")
    return EXIT_OK


def _cmd_route(args: argparse.Namespace) -> int:
    from mapping.route_sheet import export_route_pdf, sheet_area
    from mapping.routes import plan_week, route_gpx, week_start_of
    from mapping.store import open_store

    out = out_path(args.out, (".gpx", ".pdf"), what="순회 경로")
    monday = parsed(week_start_of, args.week, option="--week", what="순회 경로")
    store = open_store(args.db)
    code = args.dong or only_dong(store)
    route = plan_week(store, code, officer=args.officer, week_start=monday, user=CLI_USER, budget_min=args.budget_min)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".gpx":
        out.write_text(route_gpx(route, name=f"{args.officer} {args.week}"), encoding="utf-8")
    else:
        export_route_pdf(
            route, out, officer=args.officer, week=args.week, area=sheet_area(store, code, officer=args.officer)
        )
    print(
        f"{args.officer} {args.week}: {len(route.stops)}곳, {route.total_m / 1000:.1f} km, {route.total_min:.0f}분 → {out}"
    )
    for number, stop in enumerate(route.stops, start=1):
        print(f"  {number}. {stop.label} — {stop.reason}")
    for warning in route.warnings:
        print(f"  경고: {warning}")
    if route.left_out:
        print(f"  시간이 모자라 빠진 곳 {len(route.left_out)}곳: {', '.join(s.label for s in route.left_out)}")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "load": (
        "자료 키트 폴더(여럿 가능)를 검사하고 키트마다 한 번에 넣습니다 (오류가 있는 키트는 아무것도 넣지 않음).",
        _cmd_load,
    ),
    "zones": ("통 경계와 직원 명단으로 구역을 만들고 검사해 GeoJSON으로 씁니다.", _cmd_zones),
    "officer-for": ("좌표나 주소로 통·구역·담당 주무관을 찾습니다 (JSON).", _cmd_officer_for),
    "load-addresses": (
        "juso.go.kr 위치정보요약DB 파일(entrc_*.txt)을 주소 검색용으로 불러옵니다.",
        _cmd_load_addresses,
    ),
    "reassign": ("구역을 후임자에게 인계합니다 (처리 중 보고와 방문 세대 포함, 한 번에).", _cmd_reassign),
    "activity-report": (
        "한 주무관의 하루 활동보고서를 XLSX 또는 PDF로 만듭니다 (--submit: 보고완료 표시).",
        _cmd_activity_report,
    ),
    "export-reports": (
        "보고를 CSV, XLSX, GeoJSON 또는 Open311 JSON으로 내보냅니다 (개인정보 제외).",
        _cmd_export_reports,
    ),
    "import-reports": ("보고를 CSV, XLSX 또는 GeoJSON에서 가져옵니다 (이미 있는 보고는 건너뜀).", _cmd_import_reports),
    "density": ("한 달 보고를 구역(또는 통)별로 세어 밀도 지도 HTML을 만듭니다.", _cmd_density),
    "route": ("한 주무관의 주간 순회 경로를 만들어 GPX 또는 PDF로 씁니다.", _cmd_route),
    "assets": ("지도용 Leaflet 등 프런트엔드 파일을 node_modules에서 복사합니다.", _cmd_assets),
}


def _all_commands() -> dict[str, tuple[str, Callable[[argparse.Namespace], int]]]:
    return COMMANDS | month.COMMANDS | publish.COMMANDS | admin.COMMANDS


def _add(sub: argparse._SubParsersAction, name: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
    about = _all_commands()[name][0]
    return sub.add_parser(name, parents=list(parents), help=about, description=about)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = argparse.ArgumentParser(prog="python -m mapping", description="우동주 지도: 우리동네주무관 지도 도구")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=None, help="저장소: 파일 경로 또는 postgresql://… (기본: MAPPING_DB 또는 data/mapping.sqlite)"
    )
    in_dong = argparse.ArgumentParser(add_help=False)
    in_dong.add_argument("--dong", help="행정동코드 (저장소에 동이 여럿일 때)")
    load = _add(sub, "load", common)
    load.add_argument(
        "kit_dir",
        metavar="KIT_DIR",
        nargs="+",
        help="자료 키트 폴더, 또는 키트 폴더들이 든 폴더 (docs/data-kit.md 참고)",
    )
    zones = _add(sub, "zones", common)
    zones.add_argument("--tongs", required=True, help="통 경계 (.geojson, .gpkg, 압축한 shapefile .zip)")
    zones.add_argument("--staff", required=True, help="직원 명단 (.csv, .xlsx)")
    zones.add_argument("--dong", help="동 경계 (.geojson): 경계 밖·빈 곳 검사")
    zones.add_argument("--out", required=True, help="출력 GeoJSON (EPSG:4326)")
    officer = _add(sub, "officer-for", common)
    where = officer.add_mutually_exclusive_group(required=True)
    where.add_argument("--lonlat", help="경도,위도 (EPSG:4326), 예: 126.9010,37.5670")
    where.add_argument("--address", help="주소, 예: '마포구 성산동 200-22' 또는 도로명주소")
    addresses = _add(sub, "load-addresses", common)
    addresses.add_argument("file", metavar="FILE", help="entrc_*.txt (파이프 구분, CP949, 18개 필드)")
    reassign = _add(sub, "reassign", common, in_dong)
    reassign.add_argument("--zone", required=True, help="구역 번호, 예: Z03")
    reassign.add_argument("--to", required=True, help="후임자 성명 (직원 명단에 있어야 함)")
    activity = _add(sub, "activity-report", common, in_dong)
    activity.add_argument("--officer", required=True, help="주무관 성명")
    activity.add_argument("--date", required=True, help="활동일 YYYY-MM-DD")
    activity.add_argument("--out", required=True, help="FILE.xlsx 또는 FILE.pdf")
    activity.add_argument("--submit", action="store_true", help="그날 보고를 보고완료로 표시 (월 집계에 들어감)")
    export = _add(sub, "export-reports", common, in_dong)
    export.add_argument("--format", required=True, choices=["csv", "xlsx", "geojson", "open311"])
    export.add_argument("--out", required=True, help="출력 파일")
    importer = _add(sub, "import-reports", common, in_dong)
    importer.add_argument("file", metavar="FILE", help="reports.csv, .xlsx 또는 .geojson")
    density = _add(sub, "density", common, in_dong)
    density.add_argument("--month", required=True, help="YYYY-MM (범위의 첫 달)")
    density.add_argument("--until", help="YYYY-MM: 이 달까지의 범위 (기본: --month 한 달)")
    density.add_argument("--heatmap", action="store_true", help="보고 위치 히트맵 층을 더합니다")
    density.add_argument("--field", action="append", help="분야 (여러 번 가능): 복지, 환경, 안전, 민원, 홍보, 일반")
    density.add_argument("--by", choices=["zone", "tong"], default="zone", help="구역별(zone) 또는 통별(tong)")
    density.add_argument("--per-km2", action="store_true", help="건수 대신 km²당 건수")
    density.add_argument("--out", required=True, help="출력 HTML")
    route = _add(sub, "route", common, in_dong)
    route.add_argument("--officer", required=True, help="주무관 성명")
    route.add_argument("--week", required=True, help="ISO 주, 예: 2026-W48")
    route.add_argument("--budget-min", type=float, help="쓸 수 있는 시간(분): 중요한 곳부터 이 안에 들어가는 곳만")
    route.add_argument("--out", required=True, help="FILE.gpx 또는 FILE.pdf")
    assets = _add(sub, "assets", common)
    assets.add_argument("--dest", default="static/vendor", help="복사할 폴더 (기본: static/vendor)")
    for module in (month, publish, admin):
        module.add_parsers(lambda name, *parents: _add(sub, name, *parents), common, in_dong)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return _all_commands()[args.command][1](args)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except (NotFoundError, RouteError) as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MappingError as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        print(f"오류: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
