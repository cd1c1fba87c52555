"""Administrator commands: accounts from the command line (password never on it), the log check."""

from __future__ import annotations

import io

import pytest

from mapping.access import CLI_USER
from mapping.cli import main
from mapping.errors import AuthError
from mapping.store import Store
from mapping.store.schema import ACCESS_LOG


def test_account_create_reads_the_password_from_stdin(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mapo-walk-2026\n"))
    args = ["account-create", "noarin", "--db", sample_store.url, "--name", "노아린", "--role", "officer"]
    assert main([*args, "--staff", "노아린", "--dong", "1144073000", "--password-stdin"]) == 0
    assert sample_store.authenticate("noarin", "mapo-walk-2026").staff_name == "노아린"
    monkeypatch.setattr("sys.stdin", io.StringIO("weak\n"))
    assert main(["account-create", "other1", "--db", sample_store.url, "--name", "x", "--password-stdin"]) == 2
    assert "10자 이상" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("binding", "named"),
    [
        (["--role", "officer", "--staff", "노아린", "--dong", "1111053000"], "[동]: '1111053000'"),
        (["--role", "officer", "--staff", "홍길동", "--dong", "1144073000"], "[직원]: '홍길동'"),
        (["--role", "gu", "--gu", "99999"], "[구]: '99999'"),
    ],
)
def test_account_create_names_a_dong_staff_member_or_gu_that_does_not_exist(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], binding, named
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mapo-walk-2026\n"))
    assert main(["account-create", "kim1", "--db", sample_store.url, "--name", "김", *binding, "--password-stdin"]) == 2
    assert named in capsys.readouterr().err and sample_store.accounts().empty


def test_account_create_binds_a_gu(sample_store: Store, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("mapo-walk-2026\n"))
    args = ["account-create", "mapo", "--db", sample_store.url, "--name", "마포구청", "--role", "gu", "--gu", "11440"]
    assert main([*args, "--password-stdin"]) == 0
    assert sample_store.authenticate("mapo", "mapo-walk-2026").gu_code == "11440"
    assert main(["accounts", "--db", sample_store.url]) == 0
    assert "11440" in capsys.readouterr().out


def test_unlock_and_list(sample_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    sample_store.create_account("kang", name="강도윤", password="mapo-walk-2026", role="officer", staff_name="강도윤",
                                dong_code="1144073000", user=CLI_USER)  # fmt: skip
    for _ in range(5):
        with pytest.raises(AuthError):
            sample_store.authenticate("kang", "nope-nope-nope1")
    assert main(["accounts", "--db", sample_store.url]) == 0
    assert "잠김" in capsys.readouterr().out
    assert main(["account-unlock", "kang", "--db", sample_store.url]) == 0
    assert sample_store.authenticate("kang", "mapo-walk-2026").account == "kang"


def test_verify_log_anchors_the_head_and_finds_a_tampered_entry(
    sample_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapping.access import CLI_USER

    sample_store.households("1144073000", user=CLI_USER)
    assert main(["verify-log", "--db", sample_store.url]) == 0
    out = capsys.readouterr().out
    assert "온전합니다" in out and "앵커" in out and sample_store.log_keys.anchors.read_text().count("verify-log") == 1
    with sample_store.writer.begin() as conn:
        conn.execute(ACCESS_LOG.update().values(detail="rows=0"))
    assert main(["verify-log", "--db", sample_store.url]) == 1
    err = capsys.readouterr().err
    assert "믿을 수 없습니다" in err and "해시가 열쇠와 맞지 않습니다" in err
    assert sample_store.log_keys.anchors.read_text().count("verify-log") == 1  # a broken log is not anchored


def test_verify_log_reports_the_last_entries_cut_off(sample_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    from mapping.access import CLI_USER

    for _ in range(3):
        sample_store.households("1144073000", user=CLI_USER)
    assert main(["verify-log", "--db", sample_store.url]) == 0
    last = int(sample_store.access_log()["id"].iloc[-1])
    with sample_store.writer.begin() as conn:
        conn.execute(ACCESS_LOG.delete().where(ACCESS_LOG.c.id > last - 2))
    capsys.readouterr()
    assert main(["verify-log", "--db", sample_store.url]) == 1
    assert "기록 2건이 잘려 나갔습니다" in capsys.readouterr().err


def test_backup_and_restore_commands(sample_store: Store, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "backup.zip"
    assert main(["backup", "--db", sample_store.url, "--out", str(out)]) == 0
    assert "행" in capsys.readouterr().out and out.exists()
    target = tmp_path / "restored.sqlite"
    assert main(["restore", str(out), "--db", str(target)]) == 2  # asks for --yes first
    assert main(["restore", str(out), "--db", str(target), "--yes"]) == 0
    from mapping.store import open_store

    assert len(open_store(target).reports("1144073000")) == len(sample_store.reports("1144073000"))
    assert main(["restore", str(tmp_path / "nothing.zip"), "--db", str(target), "--yes"]) == 1


def test_purge_from_the_command_line_counts_first_and_refuses_a_bad_period(
    sample_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    book = sample_store.contacts("1144073000", user=CLI_USER)
    contact = int(book["id"].iloc[0])
    sample_store.log_contact(
        contact, kind="통화", on_date=dt.date.today() - dt.timedelta(days=40), by_whom="한서윤", user=CLI_USER
    )
    before = len(sample_store.contact_log(contact, user=CLI_USER))
    assert main(["purge", "--db", sample_store.url, "--dry-run", "--contact-log-days", "30"]) == 0
    out = capsys.readouterr().out
    assert "시험 실행" in out and "연락처 연락 기록 삭제: 1건" in out
    assert len(sample_store.contact_log(contact, user=CLI_USER)) == before  # a dry run deletes nothing
    assert main(["purge", "--db", sample_store.url, "--contact-log-days", "0"]) == 2
    assert "contact_log_days=0" in capsys.readouterr().err
    assert main(["purge", "--db", sample_store.url, "--contact-log-days", "30"]) == 0
    assert len(sample_store.contact_log(contact, user=CLI_USER)) == before - 1
