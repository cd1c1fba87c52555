"""Command line for the administrator: accounts and the access log (``account-create``, ``accounts``, …)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mapping.access import CLI_USER
from mapping.cli.common import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK
from mapping.domain import ACCOUNT_ROLES
from mapping.errors import Problem, ValidationError

if TYPE_CHECKING:
    from mapping.store import Store


def _store(args: argparse.Namespace) -> Store:
    from mapping.store import open_store

    return open_store(args.db)


def _read_password(args: argparse.Namespace) -> str | None:
    """The new password from standard input (``--password-stdin``) or asked twice; never from the command line."""
    if args.sso_only:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("비밀번호: ")
    if first != getpass.getpass("한 번 더: "):
        raise ValueError("두 비밀번호가 다릅니다.")
    return first


def _cmd_account_create(args: argparse.Namespace) -> int:
    store = _store(args)
    store.create_account(
        args.account,
        name=args.name,
        password=_read_password(args),
        role=args.role,
        user=CLI_USER,
        staff_name=args.staff,
        dong_code=args.dong,
        gu_code=args.gu,
        admin=args.admin,
        email=args.email,
    )
    print(f"계정 {args.account} ({args.name}, {ACCOUNT_ROLES.label(args.role) if args.role else '권한 없음'}"
          f"{', 관리자' if args.admin else ''})을(를) 만들었습니다. 접근 기록에 남았습니다.")  # fmt: skip
    return EXIT_OK


def _cmd_account_unlock(args: argparse.Namespace) -> int:
    _store(args).update_account(args.account, locked=False, user=CLI_USER)
    print(f"계정 {args.account}의 잠금을 풀었습니다.")
    return EXIT_OK


def _cmd_accounts(args: argparse.Namespace) -> int:
    for row in _store(args).accounts().itertuples():
        state = "잠김" if row.locked else ("중지" if row.disabled else "사용")
        role = ACCOUNT_ROLES.label(row.role) if isinstance(row.role, str) else "-"
        where = (
            row.dong_code if isinstance(row.dong_code, str) else (row.gu_code if isinstance(row.gu_code, str) else "-")
        )
        staff = row.staff_name if isinstance(row.staff_name, str) else "-"
        print(f"{row.account}\t{row.name}\t{role}{' +관리자' if row.admin else ''}\t{where}\t{staff}\t{state}")
    return EXIT_OK


def _cmd_verify_log(args: argparse.Namespace) -> int:
    """Check the log against its key and every anchor; when intact, anchor its head (outside the database)."""
    store = _store(args)
    check = store.verify_access_log()
    if not check.intact:
        for line in check.lines():
            print(line, file=sys.stderr)
        return EXIT_ERROR
    anchor = store.anchor_access_log("verify-log")
    for line in check.lines():
        print(line)
    print(anchor.line())
    print(f"앵커를 {store.log_keys.anchors}에 더했습니다 (열쇠: {check.key_source}).")
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace) -> int:
    from mapping.store.backup import backup_store

    manifest = backup_store(_store(args), Path(args.out), user=CLI_USER)
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(
        f"백업 → {args.out} (표 {len(manifest['tables'])}개, 행 {rows:,}, 사진 {manifest['photos']}장; 개인정보 포함: 안전하게 보관하세요)"
    )
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace) -> int:
    from mapping.store.backup import read_backup, restore_store

    manifest, _ = read_backup(Path(args.file))  # checked whole before anything is touched
    if not args.yes:
        print(
            f"{args.file} ({manifest['made_at']}, 스키마 {manifest['schema_version']})로 저장소 전체를 바꿉니다. --yes를 붙여 다시 실행하세요."
        )
        return EXIT_BAD_INPUT
    restore_store(_store(args), Path(args.file), user=CLI_USER)
    print(f"복원했습니다: {args.file} ({manifest['made_at']}의 백업)")
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace) -> int:
    from mapping.store.retention import RetentionPolicy, purge_expired

    try:
        policy = RetentionPolicy(
            closed_days=args.closed_days,
            move_in_days=args.move_in_days,
            care_days=args.care_days,
            log_days=args.log_days,
            contact_log_days=args.contact_log_days,
        )
    except ValueError as err:
        raise ValidationError([Problem("purge", None, "보존기간", str(err))], what="보존기간") from None
    report = purge_expired(_store(args), policy=policy, user=CLI_USER, dry_run=args.dry_run)
    print(
        "보존기간이 지난 개인정보" + (" (시험 실행: 아무것도 지우지 않음)" if args.dry_run else "를 지웠습니다") + ":"
    )
    for line in report.lines():
        print(f"  {line}")
    print("  집계(월별·분야별 건수)는 그대로입니다.")
    return EXIT_OK


COMMANDS: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
    "purge": ("보존기간이 지난 개인정보를 지우고 무엇을 지웠는지 알립니다 (집계는 남음; --dry-run).", _cmd_purge),
    "backup": ("저장소 전체(표와 사진)를 ZIP 하나로 백업합니다 (앱이 돌아가는 중에도 한 시점 그대로).", _cmd_backup),
    "restore": ("백업 ZIP으로 저장소 전체를 한 번에 바꿉니다 (중간에 끊기면 그대로; --yes 필요).", _cmd_restore),
    "account-create": (
        "직원 계정을 만듭니다 (비밀번호는 묻거나 --password-stdin으로; 명령줄에 적지 않음).",
        _cmd_account_create,
    ),
    "account-unlock": (
        "로그인 5회 실패로 잠긴 계정을 바로 풉니다 (그냥 두면 잠금 시간이 지나 풀림).",
        _cmd_account_unlock,
    ),
    "accounts": ("계정 목록 (비밀번호 해시는 보이지 않음).", _cmd_accounts),
    "verify-log": (
        "접근 기록을 열쇠와 앵커로 검사합니다 (고치거나 지우거나 잘라 내거나 다시 계산한 기록을 찾음; 온전하면 앵커를 더함).",
        _cmd_verify_log,
    ),
}


def add_parsers(
    add: Callable[..., argparse.ArgumentParser], common: argparse.ArgumentParser, in_dong: argparse.ArgumentParser
) -> None:
    """Add this module's commands through ``add(name, *parents)``."""
    create = add("account-create", common)
    create.add_argument("account", metavar="ACCOUNT", help="계정 (영문 소문자·숫자·._-)")
    create.add_argument("--name", required=True, help="이름")
    create.add_argument("--role", choices=ACCOUNT_ROLES.keys, help="권한 (없으면 관리만)")
    create.add_argument("--staff", help="직원 명단의 성명")
    create.add_argument("--dong", help="행정동코드 (직원 권한: 불러온 동)")
    create.add_argument("--gu", help="구 코드 5자리 (구 담당, 또는 구의 관리자; 예: 11440)")
    create.add_argument("--admin", action="store_true", help="계정·자료 관리자")
    create.add_argument("--email", help="통합로그인(SSO) 이메일")
    create.add_argument("--password-stdin", action="store_true", help="비밀번호를 표준 입력 한 줄로")
    create.add_argument("--sso-only", action="store_true", help="비밀번호 없이 통합로그인으로만")
    unlock = add("account-unlock", common)
    unlock.add_argument("account", metavar="ACCOUNT")
    add("accounts", common)
    add("verify-log", common)
    purge = add("purge", common)
    purge.add_argument("--dry-run", action="store_true", help="지울 것을 세기만 합니다")
    purge.add_argument("--closed-days", type=int, default=1095, help="종료된 보고의 개인정보 보존일 (기본 1095)")
    purge.add_argument("--move-in-days", type=int, default=365, help="전입세대 보존일 (기본 365)")
    purge.add_argument("--care-days", type=int, default=1095, help="마지막 방문 뒤 돌봄이웃 보존일 (기본 1095)")
    purge.add_argument("--log-days", type=int, default=730, help="접근 기록 보존일 (730 이상; 권한 기록은 3년)")
    purge.add_argument(
        "--contact-log-days", type=int, default=1095, help="연락망의 연락 기록(만남·통화·소개) 보존일 (기본 1095)"
    )
    backup = add("backup", common)
    backup.add_argument("--out", required=True, help="FILE.zip")
    restore = add("restore", common)
    restore.add_argument("file", metavar="FILE", help="백업 ZIP")
    restore.add_argument("--yes", action="store_true", help="정말로 바꿉니다")
