// The phone's own store (IndexedDB): the report queue, and a few values (token, last zone, vocabularies).
// Everything here survives a reload, a closed tab and a phone without a signal.
const NAME = "udongju-field";
const VERSION = 1;
let opened = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function openDb() {
  if (!opened) {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("queue")) {
        db.createObjectStore("queue", { keyPath: "client_key" }).createIndex("created", "created_ms");
      }
      if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
    };
    opened = promised(request);
  }
  return opened;
}

async function run(storeName, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const result = work(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("IndexedDB 쓰기가 취소되었습니다."));
  });
}

export const kv = {
  get: (key) => run("kv", "readonly", (s) => s.get(key)),
  set: (key, value) => run("kv", "readwrite", (s) => { s.put(value, key); }),
  remove: (key) => run("kv", "readwrite", (s) => { s.delete(key); }),
};

export const queue = {
  /** Every queued report, oldest first. */
  all: () => run("queue", "readonly", (s) => s.index("created").getAll()),
  get: (clientKey) => run("queue", "readonly", (s) => s.get(clientKey)),
  put: (item) => run("queue", "readwrite", (s) => { s.put(item); }),
  remove: (clientKey) => run("queue", "readwrite", (s) => { s.delete(clientKey); }),
};
