"""Command line: ``python -m mapping COMMAND``.

Exit status: 0 success, 2 bad input (every problem printed), 1 anything else.
Every command takes ``--db PATH_OR_URL`` (default ``MAPPING_DB``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mapping.access import CLI_USER
from mapping.errors import MappingError, ValidationError

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


def _cmd_load(args: argparse.Namespace) -> int:
    from mapping.kit import read_kit
    from mapping.store import open_store

    kit = read_kit(args.kit_dir)
    store = open_store(args.db)
    summary = store.load_kit(kit, user=CLI_USER)
    print(f"불러옴: {summary.dong_name} ({summary.dong_code}) → {store.url}")
    for name, count in summary.counts.items():
        change = f" (추가 {summary.added[name]}, 삭제 {summary.removed[name]})" if name in summary.added else ""
        print(f"  {name}: {count}{change}")
    for problem in kit.warnings:
        print(f"  {problem}")
    return EXIT_OK


def _cmd_assets(args: argparse.Namespace) -> int:
    from mapping.assets import install_assets

    written = install_assets(Path(args.dest))
    print(f"지도 자원 {len(written)}개를 {args.dest}에 복사했습니다.")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "load": (
        "자료 키트 폴더를 검사하고 저장소에 한 번에 넣습니다 (오류가 하나라도 있으면 아무것도 넣지 않음).",
        _cmd_load,
    ),
    "assets": ("지도용 Leaflet 등 프런트엔드 파일을 node_modules에서 복사합니다.", _cmd_assets),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command."""
    parser = argparse.ArgumentParser(prog="python -m mapping", description="우동주 지도: 우리동네주무관 지도 도구")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db", default=None, help="저장소: 파일 경로 또는 postgresql://… (기본: MAPPING_DB 또는 data/mapping.sqlite)"
    )
    load = sub.add_parser("load", parents=[common], help=COMMANDS["load"][0], description=COMMANDS["load"][0])
    load.add_argument("kit_dir", metavar="KIT_DIR", help="자료 키트 폴더 (docs/data-kit.md 참고)")
    assets = sub.add_parser("assets", parents=[common], help=COMMANDS["assets"][0], description=COMMANDS["assets"][0])
    assets.add_argument("--dest", default="static/vendor", help="복사할 폴더 (기본: static/vendor)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command][1](args)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    except MappingError as exc:
        print(f"오류: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        print(f"오류: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
