"""Command line for what goes to residents: ``public-map``, ``tour-map``, ``poster``, ``welcome``, ``hsds-export``, ``hsds-import``."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from mapping.access import CLI_USER
from mapping.cli import EXIT_OK, _only_dong, _parsed
from mapping.errors import Problem, ValidationError


def _store_and_dong(args: argparse.Namespace) -> tuple[object, str]:
    from mapping.store import open_store

    store = open_store(args.db)
    return store, args.dong or _only_dong(store)


def _view(args: argparse.Namespace, store: object, code: str) -> object:
    from mapping.disclosure import check_k
    from mapping.privacy import public_view

    k = _parsed(check_k, args.k, option="--k", what="공개 출력")
    return public_view(store, code, k=k)


def _public_url(args: argparse.Namespace, store: object, code: str) -> str:
    url = args.public_url or store.public_url(code) or os.environ.get("MAPPING_PUBLIC_URL")  # type: ignore[attr-defined]
    if not url:
        message = "QR 코드에 넣을 공개 지도 주소가 없습니다. --public-url 또는 MAPPING_PUBLIC_URL로 주세요."
        raise ValidationError([Problem("--public-url", None, None, message)], what="안내도")
    return url


def _cmd_public_map(args: argparse.Namespace) -> int:
    from mapping.privacy import personal_values_of
    from mapping.public_site import export_public_site

    store, code = _store_and_dong(args)
    view = _view(args, store, code)
    personal = personal_values_of(store, code, user=CLI_USER)
    page = export_public_site(view, Path(args.out), tiles=not args.no_tiles, personal_values=personal)
    hidden = int(view.report_counts.hidden.to_numpy().sum())  # type: ignore[attr-defined]
    print(
        f"공개 지도 → {page} (복지자원 {len(view.resources)}곳, 구역 {len(view.zones)}개, "  # type: ignore[attr-defined]
        f"활동 건수 {hidden}칸 가림, k={view.report_counts.k}). 폴더째 올리거나 index.html을 여세요."  # type: ignore[attr-defined]
    )
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
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
