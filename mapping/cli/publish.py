"""Command line for what goes to residents: ``public-map``, ``tour-map``, ``poster``, ``business-cards``, ``welcome``,
``hsds-export``, ``hsds-import``; and the internal zone profile sheet for officers, ``zone-profile``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mapping.access import CLI_USER
from mapping.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    masked_db,
    out_path,
    parsed,
    store_and_dong,
    zone_profile_command,
)
from mapping.errors import Problem, ValidationError

if TYPE_CHECKING:
    from mapping.publish.privacy import PublicView
    from mapping.store import Store


def _view(args: argparse.Namespace, store: Store, code: str) -> PublicView:
    from mapping.publish.disclosure import check_k
    from mapping.publish.privacy import public_view

    k = parsed(check_k, args.k, option="--k", what="공개 출력")
    return public_view(store, code, k=k)


def _public_url(args: argparse.Namespace, store: Store, code: str) -> str:
    url = args.public_url or store.public_url(code) or os.environ.get("MAPPING_PUBLIC_URL")
    if not url:
        message = "QR 코드에 넣을 공개 지도 주소가 없습니다. --public-url 또는 MAPPING_PUBLIC_URL로 주세요."
        raise ValidationError([Problem("--public-url", None, None, message)], what="안내도")
    return url


def _cmd_public_map(args: argparse.Namespace) -> int:
    from mapping.publish.privacy import personal_values_of
    from mapping.publish.public_site import export_public_site

    store, code = store_and_dong(args)
    view = _view(args, store, code)
    personal = personal_values_of(store, code, user=CLI_USER)
    page = export_public_site(view, Path(args.out), tiles=not args.no_tiles, personal_values=personal)
    hidden = int(view.report_counts.hidden.to_numpy().sum())
    print(
        f"공개 지도 → {page} (복지자원 {len(view.resources)}곳, 구역 {len(view.zones)}개, "
        f"활동 건수 {hidden}칸 가림, k={view.report_counts.k}). 폴더째 올리거나 index.html을 여세요."
    )
    return EXIT_OK


def _zone_of(store: Store, code: str, text: str) -> str:
    """A zone id from ``--zone``: the id itself or the officer's name."""
    from mapping.errors import NotFoundError

    zones = store.zones(code)
    if text in set(zones["zone_id"]):
        return text
    match = zones[zones["officer"] == text]
    if match.empty:
        raise NotFoundError(f"--zone {text!r}: 그런 구역도 담당 주무관도 없습니다. 구역: {', '.join(zones['zone_id'])}")
    return str(match["zone_id"].iloc[0])


def _cmd_tour_map(args: argparse.Namespace) -> int:
    from mapping.publish.tour_map import export_tour_pdf

    out = out_path(args.out, (".pdf",), what="전입 안내도")
    store, code = store_and_dong(args)
    view = _view(args, store, code)
    zone_id = _zone_of(store, code, args.zone)
    out.parent.mkdir(parents=True, exist_ok=True)
    export_tour_pdf(
        view,
        out,
        zone_id=zone_id,
        public_url=_public_url(args, store, code),
        size=args.size,
        orientation=args.orientation,
    )
    print(f"전입 안내도 → {out} (구역 {zone_id}, {args.size} {args.orientation})")
    return EXIT_OK


def _cmd_poster(args: argparse.Namespace) -> int:
    from mapping.publish.tour_map import export_poster_pdf

    out = out_path(args.out, (".pdf",), what="게시판 포스터")
    store, code = store_and_dong(args)
    view = _view(args, store, code)
    out.parent.mkdir(parents=True, exist_ok=True)
    export_poster_pdf(view, out, public_url=_public_url(args, store, code))
    print(f"동 전체 A3 포스터 → {out} (구역 {len(view.zones)}개)")
    return EXIT_OK


def _cmd_business_cards(args: argparse.Namespace) -> int:
    from mapping.publish.cards import MAX_COPIES, PER_PAGE, cards_for, export_business_cards_pdf

    out = out_path(args.out, (".pdf",), what="명함")
    if args.copies is not None and not 1 <= args.copies <= MAX_COPIES:
        message = f"{args.copies}: 1~{MAX_COPIES} 사이로 적으세요 (A4 한 쪽은 {PER_PAGE}장)."
        raise ValidationError([Problem("--copies", None, None, message)], what="명함")
    store, code = store_and_dong(args)
    cards = cards_for(store, code, officers=args.officer)
    dong = store.dongs().set_index("dong_code").loc[code]
    url = args.public_url or store.public_url(code) or os.environ.get("MAPPING_PUBLIC_URL") or None
    copies = args.copies or (PER_PAGE if len(cards) == 1 else 1)
    pdf = export_business_cards_pdf(
        cards, dong_name=str(dong["name"]), public_url=url, copies=copies, sample=bool(dong["sample"])
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    pages = -(-len(cards) * copies // PER_PAGE)
    print(f"명함 {len(cards)}명 × {copies}장 → {out} (A4 {pages}쪽, 한 쪽에 {PER_PAGE}장)")
    if not url:
        print("  QR 코드 없이 만들었습니다: --public-url 또는 공개 지도 주소(MAPPING_PUBLIC_URL)를 주면 넣습니다.")
    return EXIT_OK


def _cmd_welcome(args: argparse.Namespace) -> int:
    from mapping.publish.welcome import export_welcome_csv, export_welcome_letters, welcome_messages_of

    out = out_path(args.out, (".csv", ".pdf"), what="전입세대 환영 문자")
    store, code = store_and_dong(args)
    messages = welcome_messages_of(store, code, user=CLI_USER, kind="lms" if args.lms else "sms")
    out.parent.mkdir(parents=True, exist_ok=True)
    action = "다운로드" if out.suffix.lower() == ".csv" else "출력"
    store.log_event(CLI_USER, action, f"households:{code}", f"welcome {out.name} rows={len(messages)}")
    if out.suffix.lower() == ".csv":
        export_welcome_csv(messages, out, encoding=args.encoding)
    else:
        name = str(store.dongs().set_index("dong_code").loc[code, "name"])
        export_welcome_letters(messages, out, dong_name=name)
    print(
        f"전입세대 {len(messages)}곳의 환영 {'문자' if out.suffix == '.csv' else '편지'} → {out} (개인정보: 보내지 않음, 취급 주의)"
    )
    return EXIT_OK


def _cmd_zone_profile(args: argparse.Namespace) -> int:
    from mapping.zone_profile.facts import handover_message

    out = out_path(args.out, (".pdf", ".xlsx"), what="구역 현황")
    store, code = store_and_dong(args)
    zone_ids = [_zone_of(store, code, z) for z in args.zone] if args.zone else None
    if args.handover_to and (not zone_ids or len(zone_ids) != 1):
        message = f"인계할 구역 하나를 --zone으로 주세요 (받은 구역: {', '.join(zone_ids or []) or '없음'})."
        raise ValidationError([Problem("--handover-to", None, None, message)], what="구역 인계")
    _check_output(out)  # before a hand-over: it cannot be undone, so the sheet must be writable first
    if not args.handover_to or zone_ids is None:  # with --handover-to, zone_ids is one zone (checked above)
        return _write_profiles(store, code, out, zone_ids)
    done = store.reassign(code, zone_ids[0], args.handover_to, user=CLI_USER)
    print(handover_message(done))
    existed = out.exists()
    try:
        return _write_profiles(store, code, out, zone_ids)
    except Exception as exc:  # whatever failed, the hand-over is done and stays: say how to make the sheet alone
        if not existed:
            out.unlink(missing_ok=True)  # no half-written sheet
        print(
            f"오류: 구역 인계는 끝났지만 구역 현황을 만들지 못했습니다 ({type(exc).__name__}: {exc}).", file=sys.stderr
        )
        if masked_db(args):
            print("  (아래 명령의 --db 비밀번호는 ***로 가렸습니다: 실행할 때 넣으세요.)", file=sys.stderr)
        command = zone_profile_command(args, str(done["zone_id"]), out=args.out)
        print(f"인계는 다시 하지 말고(--handover-to 없이) 원인을 고친 뒤 현황만 만드세요: {command}", file=sys.stderr)
        return EXIT_ERROR


def _check_output(out: Path) -> None:
    """Refuse (exit 2) an ``--out`` that cannot be written: its folder, the file itself, a PDF's Korean font.

    Every problem is gathered into one message; the folder is created when missing.
    """
    from mapping.fonts import FontError, korean_font_path

    problems = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as exc:
        message = f"폴더 {str(out.parent)!r}에 쓸 수 없습니다 ({exc.strerror or exc}). 쓸 수 있는 폴더를 고르세요."
        problems.append(Problem(str(out), None, "--out", message))
    if out.is_dir() or (out.exists() and not os.access(out, os.W_OK)):
        message = "같은 이름의 폴더나 쓸 수 없는 파일이 있습니다. 다른 파일 이름을 주세요."
        problems.append(Problem(str(out), None, "--out", message))
    if out.suffix.lower() == ".pdf":
        try:
            for bold in (False, True):
                korean_font_path(bold=bold)
        except FontError as exc:
            problems.append(Problem(str(out), None, "--out", f"{exc} (또는 .xlsx로 만드세요)"))
    if problems:
        raise ValidationError(problems, what="구역 현황")


def _write_profiles(store: Store, code: str, out: Path, zone_ids: list[str] | None) -> int:
    from mapping.zone_profile.facts import MARK
    from mapping.zone_profile.files import write_zone_profiles

    write_zone_profiles(store, code, out, user=CLI_USER, zone_ids=zone_ids)
    count = len(zone_ids) if zone_ids else len(store.zones(code))
    print(f"구역 현황 {count}개 구역 → {out} ({MARK}: 취급 주의, 출력은 접근 기록에 남습니다)")
    return EXIT_OK


def _cmd_hsds_export(args: argparse.Namespace) -> int:
    from mapping.publish.hsds import export_hsds, validate_hsds

    store, code = store_and_dong(args)
    name = str(store.dongs().set_index("dong_code").loc[code, "name"])
    package = export_hsds(store.resources(code), Path(args.out), dong_name=name)
    problems = validate_hsds(Path(args.out))
    print(f"HSDS 3.0 → {package.parent} (공개 자원만, 검증 오류 {len(problems)}건)")
    for problem in problems:
        print(f"  {problem}")
    return EXIT_OK if not problems else 1


def _cmd_hsds_import(args: argparse.Namespace) -> int:
    from mapping.crs import plausible_lonlat
    from mapping.publish.hsds import read_hsds

    frame = read_hsds(Path(args.folder))
    in_seoul = [plausible_lonlat(p.x, p.y) for p in frame.geometry]
    store, code = store_and_dong(args)
    source = Path(args.folder).name
    added, skipped = store.import_resources(code, frame[in_seoul], source=source, user=CLI_USER)
    print(f"복지자원 {added}곳을 가져왔습니다 (이미 있어 건너뜀 {skipped}곳).")
    if not all(in_seoul):
        print(f"  경고: 서울 밖 좌표 {len(in_seoul) - sum(in_seoul)}곳은 가져오지 않았습니다.")
    for problem in frame.attrs.get("warnings", []):
        print(f"  {problem}")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "tour-map": (
        "전입세대에게 줄 구역 안내도 PDF(번호 붙은 시설, 주무관 명함, QR, 방위표, 축척)를 만듭니다.",
        _cmd_tour_map,
    ),
    "poster": ("아파트 게시판용 동 전체 A3 포스터 PDF(구역별 주무관, 주요 시설, QR)를 만듭니다.", _cmd_poster),
    "business-cards": (
        "우리동네주무관 명함 PDF(A4 한 쪽에 90×50mm 10장, 재단선, 공개 지도 QR)를 만듭니다.",
        _cmd_business_cards,
    ),
    "welcome": (
        "전입세대 환영 문자(CSV, 문자 시스템용) 또는 안내 편지(PDF)를 만듭니다. 보내지는 않습니다.",
        _cmd_welcome,
    ),
    "hsds-export": (
        "공개 복지자원을 Open Referral HSDS 3.0 표(CSV + datapackage.json)로 내보냅니다.",
        _cmd_hsds_export,
    ),
    "zone-profile": (
        "구역 현황(인계·신임 주무관용, 구역당 A4 한 쪽: 통, 주요 시설, 연락처, 돌봄이웃 수, 취약지점, 순회 경로)을 "
        "PDF 또는 XLSX로 만듭니다 (내부용, 개인정보 포함).",
        _cmd_zone_profile,
    ),
    "hsds-import": ("HSDS 3.0 표 폴더에서 복지자원을 가져옵니다 (이미 있는 곳은 건너뜀).", _cmd_hsds_import),
    "public-map": (
        "주민용 복지자원 지도를 정적 웹사이트(index.html + 자원)로 만듭니다 (개인정보 필터, 작은 수 가림).",
        _cmd_public_map,
    ),
}


def add_parsers(
    add: Callable[..., argparse.ArgumentParser], common: argparse.ArgumentParser, in_dong: argparse.ArgumentParser
) -> None:
    """Add this module's commands through ``add(name, *parents)``."""
    public = argparse.ArgumentParser(add_help=False)
    public.add_argument("--k", default="5", help="이보다 작은 건수는 가립니다 (기본 5, 3 이상)")
    site = add("public-map", common, in_dong, public)
    site.add_argument("--out", required=True, help="출력 폴더 (index.html과 자원 파일)")
    site.add_argument("--no-tiles", action="store_true", help="배경지도(OpenStreetMap)를 쓰지 않습니다")
    url = argparse.ArgumentParser(add_help=False)
    url.add_argument("--public-url", help="QR 코드에 넣을 공개 지도 주소 (기본: 저장된 주소 또는 MAPPING_PUBLIC_URL)")
    tour = add("tour-map", common, in_dong, public, url)
    tour.add_argument("--zone", required=True, help="구역 번호(Z03) 또는 담당 주무관 성명")
    tour.add_argument("--size", choices=["A4", "A3"], default="A4")
    tour.add_argument("--orientation", choices=["portrait", "landscape"], default="portrait")
    tour.add_argument("--out", required=True, help="FILE.pdf")
    poster = add("poster", common, in_dong, public, url)
    poster.add_argument("--out", required=True, help="FILE.pdf (A3 세로)")
    cards = add("business-cards", common, in_dong, url)
    cards.add_argument(
        "--officer",
        action="append",
        metavar="NAME",
        help=(
            "성명 또는 구역 번호(Z03); 여러 번 쓸 수 있음 (기본: 동 전체 직원). 명함은 본인이 직접 건네므로 "
            "공개동의와 관계없이 본인 성명·사무실 전화가 들어갑니다: 동 전체 명함 인쇄물을 게시하지 마세요"
        ),
    )
    cards.add_argument(
        "--copies", type=int, help="한 사람당 장수 (기본: 한 사람이면 A4 한 쪽 10장, 여러 사람이면 1장씩)"
    )
    cards.add_argument("--out", required=True, help="FILE.pdf (A4 세로)")
    welcome = add("welcome", common, in_dong)
    welcome.add_argument("--out", required=True, help="FILE.csv (문자 시스템용) 또는 FILE.pdf (편지)")
    welcome.add_argument("--encoding", choices=["utf-8-sig", "cp949"], default="utf-8-sig", help="CSV 인코딩")
    welcome.add_argument("--lms", action="store_true", help="긴 문자(LMS, 2000바이트)로")
    profile = add("zone-profile", common, in_dong)
    profile.add_argument(
        "--zone", action="append", help="구역 번호(Z03) 또는 담당 주무관 성명; 여러 번 쓸 수 있음 (기본: 동 전체 구역)"
    )
    profile.add_argument("--out", required=True, help="FILE.pdf (구역당 A4 한 쪽) 또는 FILE.xlsx (구역당 시트 하나)")
    profile.add_argument(
        "--handover-to",
        metavar="NAME",
        help="먼저 --zone 구역을 이 후임자에게 인계하고 (reassign과 같음) 현황을 만듭니다",
    )
    export = add("hsds-export", common, in_dong)
    export.add_argument("--out", required=True, help="출력 폴더")
    importer = add("hsds-import", common, in_dong)
    importer.add_argument("folder", metavar="DIR", help="HSDS 3.0 CSV 폴더 (organizations.csv, services.csv, …)")
