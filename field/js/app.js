// 우동주 현장: write reports down in the field, with or without a signal; they go when the signal is back.
import { OfflineError, logIn, logOut } from "./api.js";
import { kv, queue } from "./db.js";
import { ZoneMap } from "./map.js";
import { downscale, exifLonLat } from "./photos.js";
import {
  STATES, clearSent, enqueue, exclusive, oldMessage, recoverInterrupted, removeFailed, retry, syncAll, tooOld,
} from "./queue.js";

const $ = (id) => document.getElementById(id);
const MAX_PHOTOS = 10; // per report, as the server takes
const OUTSIDE_DONG = /동 경계 밖/; // the server's refusal of a place outside the dong: the officer may confirm it
const RETRY_MS = 30000; // a send cut short while the phone says it is online is tried again after this
const SENT_DAYS = 7; // a sent report stays on the list this long (its photos left the phone when it was sent)
const draft = { lonlat: null, how: "", photos: [] };
let session = null; // {token, expires_at, expires_ms, account, name, dong_code}
let zoneMap = null;
let retryTimer = null;
let syncing = false; // this tab's sync; other tabs wait on a Web Lock (queue.js: exclusive)
let syncAgain = false;

// ---- showing ---------------------------------------------------------------------------------------------

function notice(text, bad = false) {
  const box = $("notice");
  box.textContent = text;
  box.classList.toggle("bad", bad);
  box.hidden = !text;
}

function showNet() {
  const on = navigator.onLine;
  $("net").textContent = on ? "연결됨" : "신호 없음";
  $("net").classList.toggle("off", !on);
}

function formSay(text, bad = false) {
  $("form-why").textContent = text;
  $("form-why").classList.toggle("bad", bad);
}

/** The token has ended, by this phone's own clock: counted from when the login answer arrived (expires_in), so a
 * phone whose clock or time zone differs from the server's is not logged out early or late. */
function expired(s) {
  if (!s || !s.token) return true;
  if (s.expires_ms) return s.expires_ms <= Date.now();
  return Boolean(s.expires_at) && Date.parse(s.expires_at) <= Date.now(); // a session saved by an older page
}

function showLogin(why) {
  $("login").hidden = false;
  if (why) $("login-why").textContent = why;
  if (session && session.account) $("account").value = session.account;
}

function formatTime(iso) {
  const d = new Date(iso);
  return `${d.getMonth() + 1}월 ${d.getDate()}일 ${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function showZone(saved) {
  if (!saved) return;
  const { zone, synced_at: syncedAt } = saved;
  const ids = zone.zones.features.map((f) => f.properties.zone_id).join(", ");
  const open = (zone.reports || []).length;
  const dots = zone.zone_reports || { columns: [], rows: [] };
  const openAt = dots.columns.indexOf("open");
  const inZone = dots.rows.length
    ? ` · 구역 보고 ${dots.rows.length}건 (처리 중 ${dots.rows.filter((r) => r[openAt]).length})` : "";
  const stops = (zone.stops || []).length;
  const more = zone.stops_total > stops ? ` (제안 ${zone.stops_total}곳 중 중요한 순, 방문 ${zone.walk_minutes}분 분량)` : "";
  $("zone-info").textContent = `${zone.dong.name} 구역 ${ids || "없음"} · 이번 주 들를 곳 ${stops}곳${more}`
    + `${inZone} · 내 열린 보고 ${open}건 · 마지막 동기화 ${formatTime(syncedAt)}`;
  zoneMap.showZone(zone, session && session.name);
  showColleagues(zone.handover);
}

// ---- whom a report goes to ---------------------------------------------------------------------------------

let handover = null; // {colleagues: [{name, team}], proposals: {field key: {to, text}}} of the last sync

function showColleagues(given) {
  handover = given || null;
  const select = $("hand-to");
  const chosen = select.value;
  while (select.options.length > 2) select.remove(2); // keep 자동 and 인계하지 않음
  for (const { name, team } of (handover && handover.colleagues) || []) {
    select.append(new Option(team ? `${name} (${team})` : name, name));
  }
  if ([...select.options].some((o) => o.value === chosen)) select.value = chosen;
  showHandHint();
}

/** The colleague the report will be handed to on arrival (null: none), as the form stands. */
function handToName() {
  const wanted = $("hand-to").value;
  if (wanted !== "auto") return wanted || null;
  const proposal = handover && handover.proposals[$("field").value];
  return (proposal && proposal.to) || null;
}

function showHandHint() {
  const wanted = $("hand-to").value;
  const proposal = handover && handover.proposals[$("field").value];
  let text;
  if (!wanted) text = "보고함에 둡니다: 직접 처리하거나 나중에 인계합니다.";
  else if (wanted !== "auto") text = `도착하면 ${wanted}에게 인계합니다.`;
  else if (!$("field").value) text = "분야를 고르면 그 업무를 맡은 직원에게 인계합니다 (고르지 않으면 보고함에 둡니다).";
  else if (!proposal) text = "담당 직원 명단을 아직 받지 못했습니다: 도착하면 서버가 분야로 정합니다.";
  else text = proposal.to ? `도착하면 ${proposal.to}에게 인계합니다.` : proposal.text;
  $("hand-hint").textContent = text;
}

function stateLine(item, now) {
  const li = document.createElement("li");
  li.dataset.key = item.client_key;
  li.dataset.state = item.state;
  const state = document.createElement("span");
  state.className = `state ${item.state}`;
  state.textContent = STATES[item.state] || item.state;
  const memo = document.createElement("span");
  memo.className = "memo";
  memo.textContent = item.memo;
  const meta = document.createElement("span");
  meta.className = "meta";
  const to = item.hand_to_name ? ` · 인계: ${item.hand_to_name}` : "";
  meta.textContent = `${formatTime(item.created_ms)} · 사진 ${item.photo_count}장${to} · ${item.message || ""}`;
  li.append(state, memo, meta);
  const later = item.state === "sent" && now.get(item.report_id);
  if (later) { // what became of it since, as of the last sync (my open reports)
    const status = document.createElement("span");
    status.className = "meta now";
    const who = later.assignee && later.assignee !== (session && session.name) ? ` · 담당 ${later.assignee}` : "";
    status.textContent = `지금: ${later.status_label || later.status}${who}`;
    li.append(status);
  }
  if (item.state === "waiting" && tooOld(item)) meta.textContent = `${formatTime(item.created_ms)} · ${oldMessage(item)}`;
  if (item.state === "failed" && item.too_old) {
    li.append(dropButton(item));
  } else if (item.state === "failed") {
    const outside = OUTSIDE_DONG.test(item.message || "");
    if (outside) meta.textContent = `${formatTime(item.created_ms)} · 사진 ${item.photo_count}장 · 이 위치는 동 경계 밖입니다.`;
    const again = document.createElement("button");
    again.type = "button";
    again.textContent = outside ? "동 밖이지만 이 위치로 보내기" : "다시 보내기";
    again.addEventListener("click", async () => {
      await retry(item.client_key, outside ? { outside_dong: true } : {});
      await render();
      sync();
    });
    li.append(again, dropButton(item));
  }
  return li;
}

function dropButton(item) {
  const drop = document.createElement("button");
  drop.type = "button";
  drop.textContent = "이 보고 지우기";
  drop.addEventListener("click", async () => {
    if (window.confirm("보내지 못한 이 보고를 휴대폰에서 지울까요?")) {
      await removeFailed(item.client_key);
      await render();
    }
  });
  return drop;
}

/** A queued report is shown and sent only under the account that wrote it (one written signed out: anyone's). */
function mine(item) {
  return !item.account || Boolean(session && item.account === session.account);
}

async function render() {
  const everything = await queue.all();
  const items = everything.filter(mine);
  const others = everything.filter((i) => !mine(i) && i.state !== "sent").length;
  const saved = await kv.get("zone");
  const now = new Map(((saved && saved.zone.reports) || []).map((r) => [r.id, r]));
  const list = $("queue-list");
  list.replaceChildren(...items.slice().reverse().map((item) => stateLine(item, now)));
  const count = (state) => items.filter((i) => i.state === state).length;
  const waiting = count("waiting") + count("sending");
  const summary = items.length
    ? `대기 ${waiting}건 · 보냄 ${count("sent")}건 · 실패 ${count("failed")}건`
    : "담긴 보고가 없습니다.";
  const elsewhere = !others ? ""
    : session ? ` 다른 계정의 보내지 않은 보고 ${others}건이 이 휴대폰에 있습니다: 그 계정으로 로그인하면 보이고 보냅니다.`
      : ` 보내지 않은 보고 ${others}건이 이 휴대폰에 있습니다: 쓴 계정으로 로그인하면 보이고 보냅니다.`;
  $("queue-summary").textContent = summary + elsewhere;
  $("clear-sent").hidden = !count("sent");
  if (zoneMap) zoneMap.showQueued(items);
}

let renderTimer = null;
/** Redraw the list at most every 250 ms while many reports go out (each redraw reads the whole queue). */
function renderSoon() {
  if (!renderTimer) renderTimer = setTimeout(() => { renderTimer = null; render(); }, 250);
}

function showPlace() {
  const outside = draft.lonlat && zoneMap.hasZone() && !zoneMap.inMyZones(draft.lonlat);
  $("place").textContent = draft.lonlat
    ? `위치(${draft.how}): ${draft.lonlat[1].toFixed(5)}, ${draft.lonlat[0].toFixed(5)}`
      + (outside ? " · 내 구역 밖입니다: 해당 구역 주무관에게 인계가 필요할 수 있습니다." : "")
    : "위치: 지도를 누르거나 GPS";
  zoneMap.showPicked(draft.lonlat);
}

function showThumbs() {
  const list = $("thumbs");
  for (const img of list.querySelectorAll("img")) URL.revokeObjectURL(img.src);
  list.replaceChildren(...draft.photos.map((photo, i) => {
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.src = URL.createObjectURL(photo.blob);
    img.alt = `사진 ${i + 1}`;
    const drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = "×";
    drop.setAttribute("aria-label", `사진 ${i + 1} 빼기`);
    drop.addEventListener("click", () => { draft.photos.splice(i, 1); showThumbs(); });
    li.append(img, drop);
    return li;
  }));
}

// ---- acting ----------------------------------------------------------------------------------------------

async function sync({ manual = false } = {}) {
  if (expired(session)) {
    showLogin(session ? "로그인이 끝났습니다. 다시 로그인하면 담아 둔 보고를 보냅니다." : undefined);
    if (manual) notice("보내려면 먼저 로그인하세요. 담아 둔 보고는 휴대폰에 남아 있습니다.", true);
    return;
  }
  if (!navigator.onLine) {
    if (manual) notice("신호가 없습니다. 담아 둔 보고는 연결되면 보냅니다.", true);
    return;
  }
  if (syncing) { // a report queued during a sync goes in one more round right after it
    syncAgain = true;
    return;
  }
  syncing = true;
  $("sync").disabled = true;
  try {
    const result = await exclusive(async () => {
      await recoverInterrupted();
      return syncAll(session, renderSoon);
    });
    await render();
    if (result.zone) {
      showZone(result.zone);
      document.body.dataset.synced = result.zone.synced_at; // this visit's zone is on the map (tests, bench)
    }
    sayResult(result);
    if ((result.stop === "offline" || result.stop === "server") && navigator.onLine && !retryTimer) {
      retryTimer = setTimeout(() => { retryTimer = null; sync(); }, RETRY_MS);
    }
  } catch (err) {
    notice(`보내지 못했습니다: ${err.message}. 담아 둔 보고는 휴대폰에 남아 있습니다.`, true);
  } finally {
    syncing = false;
    $("sync").disabled = false;
    if (syncAgain) {
      syncAgain = false;
      sync();
    }
  }
}

function sayResult(result) {
  const parts = [];
  if (result.sent.length) {
    const ids = result.sent.map((i) => `#${i.report_id}`).join(", ");
    parts.push(`보고 ${result.sent.length}건을 보냈습니다 (${ids}).`);
  }
  if (result.failed) parts.push(`${result.failed}건은 서버가 받지 않았습니다: 목록에서 까닭을 보세요.`);
  if (result.stop === "offline") parts.push(`연결이 끊겼습니다. 남은 ${result.waiting}건은 연결되면 보냅니다.`);
  if (result.stop === "server") parts.push(`서버가 지금 받지 못합니다. 남은 ${result.waiting}건은 나중에 다시 보냅니다.`);
  if (result.stop === "login") {
    showLogin("로그인이 끝났습니다. 다시 로그인하면 담아 둔 보고를 보냅니다.");
    parts.push("다시 로그인하세요. 담아 둔 보고는 휴대폰에 남아 있습니다.");
  }
  if (!parts.length) parts.push(result.zone ? "보낼 보고가 없습니다. 구역을 새로 받았습니다." : "보낼 보고가 없습니다.");
  notice(parts.join(" "), Boolean(result.failed || result.stop));
}

async function onLogin(event) {
  event.preventDefault();
  const account = $("account").value.trim();
  try {
    const answer = await logIn(account, $("password").value);
    session = {
      token: answer.token, expires_at: answer.expires_at, account: answer.account, name: answer.name,
      expires_ms: Number.isFinite(answer.expires_in) ? Date.now() + answer.expires_in * 1000 : undefined,
      dong_code: answer.dong_code,
    };
    await kv.set("session", session);
    $("password").value = "";
    $("login").hidden = true;
    notice(`${answer.name}님, 로그인했습니다.`);
    await render();
    await sync();
  } catch (err) {
    const text = err instanceof OfflineError ? "신호가 없어 로그인하지 못했습니다. 연결된 곳에서 다시 하세요." : err.message;
    notice(text, true);
  }
}

async function onLogout() {
  const waiting = (await queue.all()).filter((i) => i.state !== "sent").length;
  const ask = waiting ? `보내지 않은 보고 ${waiting}건은 휴대폰에 남습니다. 로그아웃할까요?` : "로그아웃할까요?";
  if (!window.confirm(ask)) return;
  if (session && navigator.onLine) {
    try { await logOut(session.token); } catch (err) { /* the token ends by itself */ }
  }
  await kv.remove("session");
  await kv.remove("zone"); // the zone may hold residents' contacts: it does not stay on a signed-out phone
  session = null;
  zoneMap.showZone(null);
  showColleagues(null);
  await render(); // the signed-out officer's queue is kept for them, out of sight
  $("zone-info").textContent = "로그아웃했습니다.";
  showLogin("사무실 계정으로 로그인하세요.");
  notice("로그아웃했습니다.");
}

async function onPhotos(event) {
  const files = [...event.target.files];
  event.target.value = "";
  for (const file of files) {
    if (draft.photos.length >= MAX_PHOTOS) {
      notice(`사진은 한 보고에 ${MAX_PHOTOS}장까지입니다.`, true);
      break;
    }
    try {
      const where = draft.lonlat ? null : await exifLonLat(file); // read before the canvas drops it
      draft.photos.push(await downscale(file));
      if (where) pick(where, "사진 GPS");
    } catch (err) {
      notice(err.message, true);
    }
  }
  showThumbs();
}

function onGps() {
  if (!navigator.geolocation) {
    notice("이 휴대폰은 GPS 위치를 주지 않습니다: 지도를 눌러 고르세요.", true);
    return;
  }
  $("place").textContent = "위치를 찾는 중…";
  navigator.geolocation.getCurrentPosition(
    (pos) => pick([pos.coords.longitude, pos.coords.latitude], "GPS"),
    (err) => { notice(`위치를 받지 못했습니다 (${err.message}): 지도를 눌러 고르세요.`, true); showPlace(); },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 },
  );
}

function pick(lonlat, how) {
  draft.lonlat = lonlat;
  draft.how = how;
  showPlace();
}

async function onQueue(event) {
  event.preventDefault();
  const memo = $("memo").value.trim();
  if (!memo || !draft.lonlat) { // said beside the button, where the thumb is
    formSay(!draft.lonlat ? "위치를 고르세요: 지도를 누르거나 GPS를 쓰세요." : "메모를 적으세요.", true);
    return;
  }
  const report = {
    lon: draft.lonlat[0], lat: draft.lonlat[1], memo, field: $("field").value, activity: $("activity").value,
    title: $("title").value.trim(), has_resident: !$("no-resident").checked, photos: draft.photos,
    hand_to: $("hand-to").value, hand_to_name: handToName(),
  };
  const item = await enqueue(report, session ? session.account : null);
  $("report-form").reset();
  showHandHint();
  draft.photos = [];
  pick(null, "");
  showThumbs();
  await render();
  const said = `보고를 담았습니다 (사진 ${item.photo_count}장). ${navigator.onLine ? "보내는 중입니다." : "연결되면 보냅니다."}`;
  notice(said);
  formSay(said);
  if (navigator.onLine) sync();
}

// ---- starting ----------------------------------------------------------------------------------------------

async function loadChoices() {
  let vocab = null;
  try {
    const response = await fetch("vocab.json");
    if (response.ok) vocab = await response.json();
  } catch (err) { /* offline and not cached yet */ }
  if (vocab) await kv.set("vocab", vocab);
  else vocab = await kv.get("vocab");
  if (!vocab) return;
  for (const [id, key] of [["field", "fields"], ["activity", "activities"]]) {
    const select = $(id);
    for (const [value, label] of vocab[key]) select.append(new Option(label, value));
  }
}

async function start() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch((err) => notice(`오프라인 준비 실패: ${err.message}`, true));
  }
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist(); // the queue is not evicted
  zoneMap = new ZoneMap($("map"), pick);
  showNet();
  session = (await kv.get("session")) || null;
  showZone(await kv.get("zone")); // the map first: it is what the officer opens the app for
  await loadChoices();
  await clearSent(SENT_DAYS);
  showHandHint();
  await render();
  if (expired(session)) showLogin(session ? "로그인이 끝났습니다. 다시 로그인하면 담아 둔 보고를 보냅니다." : undefined);
  $("login-form").addEventListener("submit", onLogin);
  $("report-form").addEventListener("submit", onQueue);
  $("camera").addEventListener("change", onPhotos);
  $("pick").addEventListener("change", onPhotos);
  $("gps").addEventListener("click", onGps);
  $("field").addEventListener("change", showHandHint);
  $("hand-to").addEventListener("change", showHandHint);
  $("sync").addEventListener("click", () => sync({ manual: true }));
  $("logout").addEventListener("click", onLogout);
  $("clear-sent").addEventListener("click", async () => { await clearSent(); await render(); });
  window.addEventListener("online", () => { showNet(); sync(); });
  window.addEventListener("offline", showNet);
  document.body.dataset.ready = "1"; // the page has read the phone's store and can be used
  await sync();
}

start().catch((err) => notice(`시작하지 못했습니다: ${err.message}`, true));
