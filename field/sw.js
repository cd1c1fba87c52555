// 우동주 현장 service worker: the app shell from the cache first (it opens with no signal), refreshed in the
// background when there is one. The API (/api/…) is never cached or answered here: reports and tokens go
// to the network, and the page keeps its own queue (IndexedDB) for when they cannot.
const VERSION = "field-v4";
const SHELL = [
  "./",
  "styles.css",
  "manifest.webmanifest",
  "vocab.json",
  "js/app.js",
  "js/api.js",
  "js/db.js",
  "js/map.js",
  "js/photos.js",
  "js/queue.js",
  "js/report_layer.js",
  "icons/icon-192.png",
  "icons/icon-512.png",
  "icons/maskable-512.png",
  "vendor/leaflet/leaflet.js",
  "vendor/leaflet/leaflet.css",
];
const SCOPE = new URL("./", self.location).pathname; // "/field/"

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(VERSION)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== VERSION).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

async function fromCache(request) {
  const cache = await caches.open(VERSION);
  const key = request.mode === "navigate" ? "./" : request;
  const cached = await cache.match(key, { ignoreSearch: true });
  const refresh = fetch(request)
    .then((response) => {
      if (response.ok && response.type === "basic") cache.put(key, response.clone());
      return response;
    })
    .catch(() => undefined);
  if (cached) return cached;
  const fresh = await refresh;
  return fresh || new Response("연결이 없고 저장된 파일도 없습니다.", {
    status: 503,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const mine = url.origin === self.location.origin && url.pathname.startsWith(SCOPE);
  if (event.request.method !== "GET" || !mine) return; // the API and anything else: the network, as usual
  event.respondWith(fromCache(event.request));
});
