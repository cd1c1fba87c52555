// The report queue on the phone and its sending. Each report gets a client key when it is written down
// (crypto.randomUUID()); every try sends that same key, so the server stores it once however often it
// arrives — also when the connection dropped after the server stored it and before the phone heard back.
import { ApiError, OfflineError, myZone, sendReport } from "./api.js";
import { kv, queue } from "./db.js";

export const STATES = { waiting: "대기", sending: "보내는 중", sent: "보냄", failed: "실패" };
export const OFFLINE_DAYS = 14; // the server takes a report written this many days back at most (mapping.api.field)
const DAY_MS = 24 * 3600 * 1000;

/** Written longer ago than the server takes from the field app. */
export function tooOld(item) {
  return Boolean(item.created_ms) && item.created_ms < Date.now() - OFFLINE_DAYS * DAY_MS;
}

/** What to do with a report too old to send: file it on the office's 보고 접수, noting the day it was written. */
export function oldMessage(item) {
  const d = new Date(item.created_ms);
  return `${OFFLINE_DAYS}일이 지나 현장 앱으로는 보낼 수 없습니다: 사무실의 '보고 접수'에서 `
    + `쓴 날짜(${d.getFullYear()}년 ${d.getMonth() + 1}월 ${d.getDate()}일)를 적어 접수하세요. 이 보고는 휴대폰에 남겨 둡니다.`;
}

function localIso(date) {
  const pad = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:`
    + `${pad(date.getMinutes())}:${pad(date.getSeconds())}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** Put a new report in the queue (state 대기): {lon, lat, memo, field, activity, title, photos}. */
export async function enqueue(report, account) {
  const now = new Date();
  const item = {
    ...report,
    client_key: crypto.randomUUID(),
    account,
    created_ms: now.getTime(),
    created_at: localIso(now),
    photo_count: report.photos.length,
    state: "waiting",
    message: "연결되면 보냅니다.",
    tries: 0,
  };
  await queue.put(item);
  return item;
}

/** A report left "보내는 중" by a page closed mid-upload is waiting again (its key makes the resend safe). */
export async function recoverInterrupted() {
  for (const item of await queue.all()) {
    if (item.state === "sending") await queue.put({ ...item, state: "waiting", message: "보내다 멈췄습니다: 다시 보냅니다." });
  }
}

/** Take sent reports off the list: all of them, or those sent more than ``days`` ago. */
export async function clearSent(days = 0) {
  const before = Date.now() - days * 24 * 3600 * 1000;
  for (const item of await queue.all()) {
    if (item.state === "sent" && (!days || Date.parse(item.sent_at) < before)) await queue.remove(item.client_key);
  }
}

export async function removeFailed(clientKey) {
  const item = await queue.get(clientKey);
  if (item && item.state === "failed") await queue.remove(clientKey);
}

/** Send a refused report again, with ``changes`` (e.g. {outside_dong: true}); its key stays the same. */
export async function retry(clientKey, changes = {}) {
  const item = await queue.get(clientKey);
  if (item && item.state === "failed") await queue.put({ ...item, ...changes, state: "waiting", message: "다시 보냅니다." });
}

function refusal(err) {
  const detail = err.problems && err.problems.length ? ` (${err.problems.join("; ")})` : "";
  return `${err.message}${detail}`;
}

async function sendOne(item, token, changed) {
  await queue.put({ ...item, state: "sending", message: "보내는 중입니다.", tries: (item.tries || 0) + 1 });
  changed();
  try {
    const answer = await sendReport(token, item);
    const sent = {
      ...item, state: "sent", report_id: answer.id, sent_at: new Date().toISOString(), photos: [],
      message: `보고 #${answer.id}${answer.created ? "" : " (이미 받은 보고)"}`,
      tries: (item.tries || 0) + 1,
    };
    await queue.put(sent); // the photos stay on the server; the phone keeps only their count
    return { sent };
  } catch (err) {
    const back = { ...item, tries: (item.tries || 0) + 1 };
    if (err instanceof OfflineError) {
      const message = err.timedOut
        ? `${err.message}: 대기로 돌려 두었다가 다시 보냅니다 (한 번만 저장됩니다).`
        : "연결이 끊겨 못 보냈습니다: 연결되면 다시 보냅니다.";
      await queue.put({ ...back, state: "waiting", message });
      return { stop: "offline" };
    }
    if (err instanceof ApiError && err.status === 401) {
      await queue.put({ ...back, state: "waiting", message: "로그인이 끝났습니다: 다시 로그인하면 보냅니다." });
      return { stop: "login" };
    }
    if (err instanceof ApiError && err.retryable) {
      await queue.put({ ...back, state: "waiting", message: `서버가 지금 받지 못했습니다: ${err.message}` });
      return { stop: "server" };
    }
    await queue.put({ ...back, state: "failed", message: err instanceof ApiError ? refusal(err) : String(err) });
    return { failed: true };
  }
}

/** Fetch my zone (and my open reports) and keep it on the phone for the field without a signal. */
export async function refreshZone(token) {
  const zone = await myZone(token);
  const synced = { zone, synced_at: new Date().toISOString() };
  await kv.set("zone", synced);
  return synced;
}

/**
 * Send every waiting report of ``session.account`` in the order they were written, then refresh the zone.
 * Returns {sent: [items], failed, waiting, stop} where stop is "offline", "login", "server" or undefined.
 */
export async function syncAll(session, changed = () => {}) {
  const result = { sent: [], failed: 0, waiting: 0, stop: undefined, zone: undefined };
  for (const item of await queue.all()) {
    if (item.state !== "waiting" || (item.account && item.account !== session.account)) continue;
    if (tooOld(item)) { // kept on the phone, not sent: the officer files it in the office
      await queue.put({ ...item, state: "failed", too_old: true, message: oldMessage(item) });
      result.failed += 1;
      changed();
      continue;
    }
    const outcome = await sendOne(item, session.token, changed);
    changed();
    if (outcome.sent) result.sent.push(outcome.sent);
    if (outcome.failed) result.failed += 1;
    if (outcome.stop) {
      result.stop = outcome.stop;
      break;
    }
  }
  if (!result.stop) {
    try {
      result.zone = await refreshZone(session.token);
    } catch (err) {
      result.stop = err instanceof OfflineError ? "offline" : err instanceof ApiError && err.status === 401 ? "login" : "server";
      result.zoneError = err.message;
    }
  }
  result.waiting = (await queue.all()).filter((i) => i.state === "waiting").length;
  return result;
}

/** Run ``work`` alone across this phone's tabs where the browser has Web Locks (else as it comes). */
export function exclusive(work) {
  return navigator.locks ? navigator.locks.request("udongju-field-sync", work) : work();
}
