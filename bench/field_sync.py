"""The field page's sync (issue 21): 100 reports with a photo each, queued on a phone, sent when the signal is back.

Run on its own: ``python -m bench.field_sync [--quick]`` (one line per benchmark, as ``python -m bench``).  Needs
Debian's Chromium (as the browser tests) and starts the one server (``streamlit run server.py``) on a copy of the
sample store.

- Ours: the field page in Chromium (390 px) with ``N`` reports in its IndexedDB queue (made by the page's own
  ``enqueue``, one 1280 × 960 JPEG each, as the page keeps them after downscaling) goes online and sends them one by
  one through ``POST /api/v1/reports``; timed from the signal coming back until the page lists every one as 보냄.
  Then a plain HTTP client posting the same kind of reports (the API alone, no browser), and the same reports sent
  again under their client keys (a phone that never heard back): every one answered, none stored twice.
- Baseline, in the same run: filing the same reports the way the app's 보고 접수 page does —
  :func:`mapping.photos.read_photo` then :meth:`mapping.store.Store.file_report` in the server's process, no HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import Timer, environment, module_main

N, QUICK_N = 100, 10
TARGET_RATE = 2.0  # reports per second: a day's 30 reports are on the server within 15 s of the signal coming back
SAMPLE_CODE = "1144073000"
KIT = Path(__file__).resolve().parent.parent / "data" / "sample_kit"
ACCOUNT, OFFICER, PASSWORD = "bench-noar", "노아린", "bench-field-2026"
CHROMIUM = "/usr/bin/chromium"


def _photo() -> bytes:
    """A 1280 × 960 JPEG with some texture (≈ 200 KB), as the page keeps a photo after downscaling it."""
    from PIL import Image

    noise = Image.effect_noise((1280, 960), 30).convert("RGB")
    image = Image.blend(noise, Image.linear_gradient("L").resize((1280, 960)).convert("RGB"), 0.8)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _store_file(folder: Path) -> tuple[Path, list[tuple[float, float]]]:
    """The sample store with the officer's account (not timed), and places inside her zone."""
    from mapping.access import CLI_USER
    from mapping.crs import to_web
    from mapping.kit.reader import read_kit
    from mapping.store import open_store

    db = folder / "store.sqlite"
    store = open_store(db)
    store.load_kit(read_kit(KIT), user=CLI_USER)
    store.create_account(
        ACCOUNT, name=OFFICER, password=PASSWORD, role="officer", staff_name=OFFICER, dong_code=SAMPLE_CODE,
        user=CLI_USER,
    )  # fmt: skip
    tongs = to_web(store.tongs(SAMPLE_CODE), name="통").set_index("tong").geometry
    store.close()
    places = [(p.x, p.y) for t in (28, 36) for p in (tongs[t].representative_point(), tongs[t].centroid)]
    return db, places


def _copy(db: Path, name: str) -> Path:
    dest = db.with_name(name)
    shutil.copy(db, dest)
    return dest


def _count(db: Path, prefix: str) -> tuple[int, int, int]:
    """Reports whose memo starts with ``prefix``: rows, distinct memos, photos."""
    from mapping.store import open_store

    store = open_store(db)
    try:
        reports = store.reports(SAMPLE_CODE)
        ours = reports[reports["memo"].str.startswith(prefix, na=False)]
        photos = store.report_photos(code=SAMPLE_CODE)
        return len(ours), ours["memo"].nunique(), int(photos["report_id"].isin(set(ours["id"])).sum())
    finally:
        store.close()


# ---- the baseline: the app's page's filing path -------------------------------------------------------------------


def file_like_the_page(db: Path, n: int, photo: bytes, places: list[tuple[float, float]]) -> float:
    """Seconds to file ``n`` reports as the 보고 접수 page does: read the photo, file the report (one store)."""
    from mapping.photos import read_photo
    from mapping.store import open_store

    store = open_store(db)
    user = store.authenticate(ACCOUNT, PASSWORD)
    started = time.perf_counter()
    for i in range(n):
        shot = read_photo(photo, name="p.jpg")
        store.file_report(
            SAMPLE_CODE, lonlat=places[i % len(places)], memo=f"페이지 {i}", photos=[shot], user=user, field="복지"
        )
    seconds = time.perf_counter() - started
    store.close()
    return seconds


# ---- the API with a plain client ------------------------------------------------------------------------------------


def _post(url: str, *, token: str, key: str, fields: dict[str, str], photo: bytes) -> int:
    """One multipart report, as the page sends it; the HTTP status."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
    parts.append(head.encode() + b"Content-Type: image/jpeg\r\n\r\n" + photo + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    request = urllib.request.Request(url + "/api/v1/reports", data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def _token(url: str) -> str:
    body = json.dumps({"account": ACCOUNT, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        url + "/api/v1/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["token"])


def send_with_client(url: str, keys: list[str], photo: bytes, places: list[tuple[float, float]]) -> tuple[float, list]:
    """Seconds to send one report per key through the API, one after another; the statuses."""
    token = _token(url)
    started = time.perf_counter()
    statuses = []
    for i, key in enumerate(keys):
        lon, lat = places[i % len(places)]
        fields = {"lon": str(lon), "lat": str(lat), "memo": f"클라이언트 {i}", "field": "welfare"}
        statuses.append(_post(url, token=token, key=key, fields=fields, photo=photo))
    return time.perf_counter() - started, statuses


# ---- the field page in Chromium -------------------------------------------------------------------------------------

_FILL = """async ({n, photo, places, account}) => {
  const { enqueue } = await import("/field/js/queue.js");
  const bytes = Uint8Array.from(atob(photo), (c) => c.charCodeAt(0));
  for (let i = 0; i < n; i++) {
    const [lon, lat] = places[i % places.length];
    const blob = new Blob([bytes], { type: "image/jpeg" });
    await enqueue({ lon, lat, memo: `현장 ${i}`, field: "welfare", activity: "", title: "",
      photos: [{ name: "p.jpg", blob, width: 1280, height: 960 }] }, account);
  }
}"""


def sign_in(page: Any, url: str) -> None:
    """Open the field page of the server at ``url``, log in as the benchmark's officer and wait for the first sync."""
    page.goto(url + "/field/")
    page.wait_for_selector("body[data-ready='1']")
    page.get_by_label("계정").fill(ACCOUNT)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.locator("body[data-synced]").wait_for(timeout=120_000)


@contextlib.contextmanager
def _phone(url: str) -> Iterator[Any]:
    """A 390 px Chromium page on the field page, logged in and synced (every non-loopback request refused)."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import LOOPBACK

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if (urllib.parse.urlparse(route.request.url).hostname or "") in LOOPBACK
                or route.request.url.startswith(("data:", "blob:"))
                else route.abort()
            ),
        )
        page = context.new_page()
        sign_in(page, url)
        page.wait_for_function("navigator.serviceWorker.controller !== null")  # it opens offline from here on
        try:
            yield page
        finally:
            browser.close()


def sync_from_the_page(url: str, n: int, photo: bytes, places: list[tuple[float, float]]) -> float:
    """Seconds from the signal coming back until the page lists its ``n`` queued reports as sent."""
    with _phone(url) as page:
        page.context.set_offline(True)
        args = {"n": n, "photo": base64.b64encode(photo).decode(), "places": places, "account": ACCOUNT}
        page.evaluate(_FILL, args)
        page.reload()  # the queue as the officer sees it after a day without a signal
        page.wait_for_selector("body[data-ready='1']")
        started = time.perf_counter()
        page.context.set_offline(False)
        page.locator("#queue-summary", has_text=f"보냄 {n}건").wait_for(timeout=600_000)
        return time.perf_counter() - started


def _check(db: Path, prefix: str, n: int) -> tuple[bool, str]:
    rows, memos, photos = _count(db, prefix)
    return (rows == memos == photos == n), f"stored {rows}, distinct {memos}, photos {photos}"


def field_sync_benchmarks(data: dict, *, median_time: Timer, quick: bool) -> list[dict]:
    """The page's sync, the API alone and a replay, each beside filing the same through the page's store call."""
    from tests.browser.conftest import serve_app

    n = QUICK_N if quick else N
    photo = _photo()
    lines = []
    with tempfile.TemporaryDirectory(prefix="udongju-bench-") as tmp, environment(MAPPING_PHOTOS=str(Path(tmp) / "ph")):
        folder = Path(tmp)
        db, places = _store_file(folder)
        base_db = _copy(db, "baseline.sqlite")
        with environment(MAPPING_PHOTOS=str(folder / "baseline-photos")):
            baseline = file_like_the_page(base_db, n, photo, places)
        ok_base, base_note = _check(base_db, "페이지 ", n)
        logs = folder / "logs"
        logs.mkdir()
        with serve_app(db, logs, env={"MAPPING_PHOTOS": str(folder / "served-photos")}) as url:
            page_s = sync_from_the_page(url, n, photo, places)
            ok_page, page_note = _check(db, "현장 ", n)
            keys = [str(uuid.uuid4()) for _ in range(n)]
            client_s, first = send_with_client(url, keys, photo, places)
            replay_s, again = send_with_client(url, keys, photo, places)
            ok_client, client_note = _check(db, "클라이언트 ", n)
        rate = n / page_s
        lines.append({
            "name": f"field page sync, {n} queued reports + photo",
            "ours_s": page_s,
            "baseline_s": baseline,
            "target": f"≥ {TARGET_RATE:g} reports/s; each stored once",
            "passed": ok_page and ok_base and (quick or rate >= TARGET_RATE),
            "note": f"{rate:.1f} reports/s vs {n / baseline:.1f} filed as the page does; {page_note}; baseline {base_note}",
        })  # fmt: skip
        lines.append({
            "name": f"field API alone, {n} reports + photo",
            "ours_s": client_s,
            "baseline_s": baseline,
            "target": "each stored once (201)",
            "passed": ok_client and set(first) == {201},
            "note": f"{n / client_s:.1f} reports/s; {client_note}",
        })  # fmt: skip
        lines.append({
            "name": f"field API replay, the same {n} again",
            "ours_s": replay_s,
            "baseline_s": client_s,
            "target": "answered (200), none stored twice",
            "passed": ok_client and set(again) == {200},
            "note": f"{n / replay_s:.1f} replies/s; {client_note} after the replay",
        })  # fmt: skip
    return lines


BENCHMARKS = (field_sync_benchmarks,)


def main(argv: list[str] | None = None) -> int:
    """Run the field sync benchmarks alone and print one line each."""
    return module_main(BENCHMARKS, argv, prog="python -m bench.field_sync", quick_help=f"{QUICK_N} reports, not 100")


if __name__ == "__main__":
    raise SystemExit(main())
