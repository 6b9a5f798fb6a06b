// Keeps the user's work in IndexedDB: the current model (.safetensors bytes)
// and the history of runs (config, curves, epoch results), so that a reload
// restores both. All functions fail soft: without IndexedDB the page works,
// it just forgets on reload.
//
// Stores:
//   kv    key → value   'model': { bytes: ArrayBuffer, runId, savedAt, progress, config }
//                        'currentRun': run id
//   runs  keyPath 'id'  run records in their stored form (run_record.js: serialiseRun)

const DB_NAME = 'mnist-mlp';
const DB_VERSION = 1;

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      if (typeof indexedDB === 'undefined') return reject(new Error('IndexedDB is not available'));
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains('kv')) d.createObjectStore('kv');
        if (!d.objectStoreNames.contains('runs')) d.createObjectStore('runs', { keyPath: 'id' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  }
  return dbPromise;
}

async function withStore(name, mode, fn) {
  const d = await db();
  const tx = d.transaction(name, mode);
  const result = await fn(tx.objectStore(name));
  if (mode === 'readwrite') {
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
    });
  }
  return result;
}

export async function getKey(key) {
  return withStore('kv', 'readonly', (s) => promisify(s.get(key)));
}

export async function setKey(key, value) {
  return withStore('kv', 'readwrite', (s) => promisify(s.put(value, key)));
}

export async function deleteKey(key) {
  return withStore('kv', 'readwrite', (s) => promisify(s.delete(key)));
}

export async function putRun(run) {
  return withStore('runs', 'readwrite', (s) => promisify(s.put(run)));
}

export async function getRun(id) {
  return withStore('runs', 'readonly', (s) => promisify(s.get(id)));
}

export async function listRuns() {
  const runs = await withStore('runs', 'readonly', (s) => promisify(s.getAll()));
  return runs.sort((a, b) => a.createdAt - b.createdAt);
}

export async function deleteRun(id) {
  return withStore('runs', 'readwrite', (s) => promisify(s.delete(id)));
}

/** Asks the browser not to evict our storage under pressure (best effort). */
export async function persist() {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
