// The field API of the app's own server (/api/v1/…). A token travels only in the Authorization header.
const API = new URL("../api/v1/", new URL(".", document.baseURI)).pathname; // "/api/v1/" beside "/field/"

/** The server answered with an error: HTTP status, the API's stable code, its Korean message (and problems). */
export class ApiError extends Error {
  constructor(status, code, message, problems = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
  }

  /** Worth sending again later (the server or the way to it failed), rather than a refusal of this report. */
  get retryable() {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** No answer at all: no signal, the connection dropped, or no answer in time (``timedOut``). */
export class OfflineError extends Error {
  constructor(message, timedOut = false) {
    super(message);
    this.timedOut = timedOut;
  }
}

// A request with no answer in time is given up (and sent again later under the same key): 30 s, plus time for
// the upload at a weak mobile link (≈ 20 KB/s).  localStorage "udongju.timeout_ms" sets one fixed limit (tests).
export const TIMEOUT_KEY = "udongju.timeout_ms";
const BASE_MS = 30000;
const BYTES_PER_MS = 20;

function timeoutFor(bytes) {
  let fixed = 0;
  try { fixed = Number(localStorage.getItem(TIMEOUT_KEY)) || 0; } catch (err) { /* no storage: the default */ }
  return fixed > 0 ? fixed : BASE_MS + Math.ceil(bytes / BYTES_PER_MS);
}

async function call(path, { method = "GET", token, body, headers = {}, bytes = 0 } = {}) {
  const all = { Accept: "application/json", ...headers };
  if (token) all.Authorization = `Bearer ${token}`;
  const limit = timeoutFor(bytes);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limit);
  const late = () => new OfflineError(`${Math.ceil(limit / 1000)}초 안에 서버의 답이 오지 않아 멈췄습니다`, true);
  let response;
  let data = null;
  try {
    try {
      response = await fetch(API + path, {
        method, body, headers: all, cache: "no-store", credentials: "omit", signal: controller.signal,
      });
    } catch (err) {
      throw controller.signal.aborted ? late() : new OfflineError(`연결되지 않았습니다 (${err.message})`);
    }
    if (response.status === 204) return null;
    try {
      data = await response.json();
    } catch (err) {
      if (controller.signal.aborted) throw late();
      if (response.ok) throw new OfflineError("답이 중간에 끊겼습니다.");
    }
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_" + response.status,
      error.message || `서버가 받지 않았습니다 (HTTP ${response.status}).`, error.problems || []);
  }
  return data;
}

/** Log in: {token, expires_at (UTC), expires_in (seconds), account, name, role, dong_code}. */
export function logIn(account, password) {
  return call("token", {
    method: "POST",
    body: JSON.stringify({ account, password }),
    headers: { "Content-Type": "application/json" },
  });
}

export function logOut(token) {
  return call("token", { method: "DELETE", token });
}

/** My zone, tongs, public resources, this week's stops and my open reports. */
export function myZone(token) {
  return call("me/zone", { token });
}

/** File one queued report; the same client key always gives the same report (sent twice, stored once). */
export function sendReport(token, item) {
  const form = new FormData();
  const fields = {
    lon: item.lon, lat: item.lat, memo: item.memo, field: item.field, activity: item.activity,
    title: item.title, created_at: item.created_at, outside_dong: item.outside_dong ? "true" : "",
    has_resident: item.has_resident === false ? "false" : "", hand_to: item.hand_to,
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null && value !== "") form.append(key, String(value));
  }
  form.append("client_key", item.client_key);
  const photos = item.photos || [];
  photos.forEach((photo, i) => form.append("photo", photo.blob, photo.name || `photo-${i + 1}.jpg`));
  const bytes = photos.reduce((sum, photo) => sum + (photo.blob ? photo.blob.size : 0), 0) + 4096;
  return call("reports", {
    method: "POST", token, body: form, headers: { "Idempotency-Key": item.client_key }, bytes,
  });
}
