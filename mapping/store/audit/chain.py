"""The access log's chain: each entry's hash, and the check that finds what was changed, cut or rewritten.

Each entry's ``hash`` is an HMAC-SHA256, keyed with a secret kept outside the database
(:mod:`mapping.store.audit.keys`), of the previous entry's hash and the entry's own fields.  Without the key
nobody can recompute a consistent chain; with the anchors (heads recorded outside the database) nobody
can cut off its newest entries unseen.  Entries written before schema version 7 were plain SHA-256; a
store is re-keyed once when opened, unless that old chain was already broken (it is then kept, and
reported where it breaks).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mapping.store.audit.keys import Anchor

CHANGED, REMOVED, RECOMPUTED, TRUNCATED = "changed", "removed", "recomputed", "truncated"
OTHER_KEY, NO_KEY, UNKEYED, PURGE, ANCHOR_FILE = "other_key", "no_key", "unkeyed", "purge", "anchor_file"


def legacy_hash(prev: str | None, at: dt.datetime, row: Mapping) -> str:
    """An entry's hash before schema version 7: plain SHA-256, no key."""
    text = f"{prev}|{at.isoformat()}|{row['account']}|{row['client']}|{row['action']}|{row['subject']}|{row['detail']}"
    return hashlib.sha256(text.encode()).hexdigest()


def _text(prev: str | None, at: dt.datetime, row: Mapping) -> bytes:
    fields = (prev, at.isoformat(), row["account"], row["client"], row["action"], row["subject"], row["detail"])
    return ("v7|" + "|".join(str(f) for f in fields) + f"|{row.get('dong_code')}").encode()


def entry_mac(key: bytes, prev: str | None, at: dt.datetime, row: Mapping) -> str:
    """An entry's hash: HMAC-SHA256 under ``key`` of the previous hash and the entry's fields (with its dong)."""
    return hmac.new(key, _text(prev, at, row), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Finding:
    """One thing wrong with the log: its kind, the entry where it shows (None: the whole log), in Korean."""

    kind: str
    entry: int | None
    message: str


@dataclass(frozen=True)
class LogCheck:
    """What checking the access log found (nothing: it is intact) and its head at that moment."""

    findings: tuple[Finding, ...]
    head: Anchor
    anchors: int = 0
    key_source: str = ""

    @property
    def intact(self) -> bool:
        """Whether nothing was found."""
        return not self.findings

    @property
    def entry(self) -> int | None:
        """The first entry where something was found (None: intact, or a finding about the whole log)."""
        entries = [f.entry for f in self.findings if f.entry is not None]
        return min(entries) if entries else None

    @property
    def kinds(self) -> set[str]:
        """The kinds of the findings."""
        return {f.kind for f in self.findings}

    def lines(self) -> list[str]:
        """The outcome in Korean, one line per finding (or one saying it is intact)."""
        if self.intact:
            return [
                f"접근 기록 {self.head.entries}건의 사슬이 온전합니다: 열쇠와 맞고, 앵커 {self.anchors}개와도 맞습니다 "
                f"(고치거나 지우거나 끼워 넣거나 잘라 낸 기록이 없습니다)."
            ]
        return [f"접근 기록을 믿을 수 없습니다 ({len(self.findings)}가지):"] + [
            f"  - {f.message}" for f in self.findings
        ]


@dataclass
class _Walk:
    """What walking the entries found, before it is put into words."""

    entries: int = 0
    last_id: int | None = None
    last_hash: str | None = None
    breaks: list[int] = field(default_factory=list)  # prev_hash is not the previous entry's hash
    bad: list[int] = field(default_factory=list)  # the hash does not match under its key
    bad_tail: int = 0  # entries from the first bad one to the end
    other: list[int] = field(default_factory=list)  # made with a key we do not have
    legacy_bad: list[int] = field(default_factory=list)  # the unkeyed part (before v7) does not verify
    plain: int | None = None  # a bad entry whose hash is plain SHA-256 of its fields
    other_ids: set[str] = field(default_factory=set)
    counts: dict[int, int] = field(default_factory=dict)  # per watched id: entries up to it
    hashes: dict[int, str] = field(default_factory=dict)  # per watched id that is present: its hash
    purges: set[int] = field(default_factory=set)  # boundaries (log_upto=…) of verified retention entries


_UPTO = re.compile(r"log_upto=(\d+)")


def walk(
    rows: Iterable[Mapping],
    *,
    start: str | None,
    keys: Mapping[str, bytes],
    unkeyed_until: int | None,
    watch: Iterable[int] = (),
) -> _Walk:
    """Check every entry in id order: linkage to the previous hash, and its hash under its key.

    ``watch`` are the ids of anchored entries: how many entries reach each, and its hash if present.
    """
    out, prev = _Walk(), start
    pending, p = sorted(set(watch)), 0
    for row in rows:
        rid = int(row["id"])
        while p < len(pending) and pending[p] < rid:
            out.counts[pending[p]] = out.entries
            p += 1
        out.entries += 1
        if p < len(pending) and pending[p] == rid:
            out.counts[rid], out.hashes[rid] = out.entries, row["hash"]
            p += 1
        legacy = row["key_id"] is None and unkeyed_until is not None and rid <= unkeyed_until
        if row["prev_hash"] != prev:
            (out.legacy_bad if legacy else out.breaks).append(rid)
        _check_hash(out, rid, row, keys, legacy=legacy)
        out.bad_tail += 1 if out.bad else 0
        prev = out.last_hash = row["hash"]
        out.last_id = rid
    for rest in pending[p:]:
        out.counts[rest] = out.entries
    return out


def _check_hash(out: _Walk, rid: int, row: Mapping, keys: Mapping[str, bytes], *, legacy: bool) -> None:
    kid = row["key_id"]
    if legacy:
        if row["hash"] != legacy_hash(row["prev_hash"], row["at"], row) and rid not in out.legacy_bad:
            out.legacy_bad.append(rid)
    elif kid is not None and kid not in keys:
        out.other.append(rid)
        out.other_ids.add(kid)
    elif kid is None or not hmac.compare_digest(row["hash"], entry_mac(keys[kid], row["prev_hash"], row["at"], row)):
        out.bad.append(rid)
        if out.plain is None and row["hash"] in (
            legacy_hash(row["prev_hash"], row["at"], row),
            hashlib.sha256(_text(row["prev_hash"], row["at"], row)).hexdigest(),
        ):
            out.plain = rid
    elif row["subject"] == "retention":
        out.purges.update(int(n) for n in _UPTO.findall(str(row["detail"] or "")))


def chain_findings(found: _Walk, *, unkeyed_until: int | None) -> list[Finding]:
    """The walk's findings in words: changed, removed or inserted, recomputed, another key, the old unkeyed part."""
    findings = []
    if found.legacy_bad:
        findings.append(Finding(UNKEYED, found.legacy_bad[0], (
            f"7판 이전에 열쇠 없이 만든 기록(~{unkeyed_until}번)이 {found.legacy_bad[0]}번에서 이미 맞지 않습니다: "
            "7판으로 올리기 전에 고쳐지거나 지워진 기록이 있습니다 (그 부분은 열쇠로 다시 만들지 않았습니다)."
        )))  # fmt: skip
    keyed_breaks = found.breaks
    if keyed_breaks:
        findings.append(Finding(REMOVED, keyed_breaks[0], (
            f"{keyed_breaks[0]}번 바로 앞에서 사슬이 끊겼습니다: 기록이 지워졌거나 끼워 넣어졌습니다"
            + (f" (그 밖에 {len(keyed_breaks) - 1}곳)." if len(keyed_breaks) > 1 else ".")
        )))  # fmt: skip
    findings += _mac_findings(found)
    if found.other:
        first, last = found.other[0], found.other[-1]
        findings.append(Finding(OTHER_KEY, first, (
            f"기록 {len(found.other)}건({first}~{last}번)은 다른 열쇠({', '.join(sorted(found.other_ids))})로 만들어져 "
            "이 열쇠로 검사할 수 없습니다: 다른 설치본의 백업을 복원했다면 그 열쇠를 열쇠 파일의 다음 줄에 더하세요. "
            "아니라면 누군가 다른 열쇠로 기록을 다시 계산했습니다."
        )))  # fmt: skip
    return findings


def _mac_findings(found: _Walk) -> list[Finding]:
    """Hashes that do not match: one entry changed in place, or a consistent run to the end (recomputed)."""
    if not found.bad:
        return []
    first = found.bad[0]
    recomputed = found.bad_tail >= 2 and len(found.bad) == found.bad_tail and not [b for b in found.breaks if b > first]
    how = " 열쇠 없이 SHA-256으로 다시 계산한 해시입니다." if found.plain is not None else ""
    if recomputed:
        return [Finding(RECOMPUTED, first, (
            f"{first}번부터 마지막까지 {found.bad_tail}건: 사슬은 이어져 있으나 해시가 열쇠와 맞지 않습니다 — "
            f"기록을 고친 뒤 열쇠 없이(또는 다른 열쇠로) 해시를 다시 계산했습니다.{how}"
        ))]  # fmt: skip
    more = f" (모두 {len(found.bad)}건)" if len(found.bad) > 1 else ""
    return [
        Finding(CHANGED, found.bad[0], f"{found.bad[0]}번 기록이 고쳐졌습니다: 해시가 열쇠와 맞지 않습니다{more}.{how}")
    ]


@dataclass(frozen=True)
class Boundary:
    """Where retention purges have cut the log: the last removed id, its hash, how many removed in all."""

    hash: str | None = None
    last_id: int | None = None
    removed: int = 0


def anchor_findings(found: _Walk, anchors: list[Anchor], boundary: Boundary) -> list[Finding]:
    """Anchors the log no longer reaches: entries cut off the end, or the anchored entry rewritten."""
    worst: tuple[int, Anchor] | None = None
    rewritten: Anchor | None = None
    for anchor in anchors:
        if anchor.last_id is None:
            continue
        purged_since = max(boundary.removed - anchor.removed, 0)
        up_to = found.counts.get(anchor.last_id, 0)
        missing = anchor.entries - up_to - purged_since
        have = found.hashes.get(anchor.last_id)
        purged = boundary.last_id is not None and anchor.last_id <= boundary.last_id
        if have is not None and have != anchor.head:
            rewritten = rewritten or anchor
        elif have is None and not purged:
            missing = max(missing, 1)
        if missing > 0 and (worst is None or missing > worst[0]):
            worst = (missing, anchor)
    findings = []
    if worst is not None:
        missing, anchor = worst
        findings.append(Finding(TRUNCATED, anchor.last_id, (
            f"기록 {missing}건이 잘려 나갔습니다: {anchor.at}의 앵커({anchor.why})는 {anchor.entries}건, "
            f"마지막 {anchor.last_id}번이었는데 지금 그만큼 없습니다."
        )))  # fmt: skip
    if rewritten is not None:
        findings.append(Finding(TRUNCATED, rewritten.last_id, (
            f"{rewritten.last_id}번 기록이 {rewritten.at}의 앵커({rewritten.why})와 다릅니다: 그 뒤 기록이 잘렸다가 "
            "다시 쓰였거나 다시 계산되었습니다."
        )))  # fmt: skip
    return findings


def purge_findings(found: _Walk, boundary: Boundary) -> list[Finding]:
    """A purge boundary that no verified retention entry records (someone cut the oldest entries and faked it)."""
    if boundary.last_id is None or boundary.last_id in found.purges:
        return []
    return [Finding(PURGE, boundary.last_id, (
        f"보존기간 삭제 경계({boundary.last_id}번까지 {boundary.removed}건)를 적은 삭제 기록이 없습니다: "
        "누군가 앞부분을 지우고 경계를 꾸몄을 수 있습니다."
    ))]  # fmt: skip
