// Keeps the user's work in IndexedDB: the current model (.safetensors bytes)
// with the data it belongs to, the user's own IDX files, and the history of
// runs (config, curves, epoch results), so that a reload restores them.
// Without IndexedDB (a private window) or past the quota the page works on:
// every write rejects with a StorageError whose message the page shows.
//
// Stores:
//   kv    key → value   'model': { bytes: ArrayBuffer, runId, savedAt, progress, config, data }
//                               data: the DataRef it was trained on (data_panel.js)
//                        'currentRun': run id
//                        'userData': { ref: DataRef, files: { [role]: Blob }, validation }
//   runs      keyPath 'id'   each run's header (run_record.js runHeader: all but its curves and epochs;
//                           records of version 1 hold them inline, as serialiseRun writes them)
//   segments  keyPath 'key'  its points and epochs, appended by each checkpoint: { key: 'runId/seq',
//                           runId, seq, from, points: { x, loss, … }, epochs } (run_record.js runSegment)
//
// A checkpoint (saveCheckpoint) is one transaction: the run's header and new
// segment first, then the model, the pointer to the current run last. Either
// all of it is stored or none (a tab closed mid-write keeps the previous
// checkpoint).

const DB_NAME = 'mnist-mlp';
const DB_VERSION = 2;
const STORES = ['runs', 'segments', 'kv'];

/** A stored run: its header and the segments of its points and epochs. */
const segmentKey = (runId, seq) => `${runId}/${String(seq).padStart(6, '0')}`;

/** Why storing failed: reason 'quota' | 'unavailable' | 'failed'; message says it for the user. */
export class StorageError extends Error {
  constructor(reason, message, cause) {
    super(message);
    this.name = 'StorageError';
    this.reason = reason;
    this.cause = cause;
  }
}

function storageError(err) {
  if (err instanceof StorageError) return err;
  const name = err?.name ?? '';
  if (name === 'QuotaExceededError' || /quota/i.test(err?.message ?? ''))
    return new StorageError('quota', 'the browser’s storage for this page is full (quota exceeded)', err);
  if (name === 'InvalidStateError' || name === 'SecurityError' || name === 'UnknownError')
    return new StorageError('unavailable', 'this browser does not let the page store data (a private window?)', err);
  return new StorageError('failed', `the browser could not store it (${err?.message ?? name ?? err})`, err);
}

let factory = () => globalThis.indexedDB;
let dbPromise = null;

/** Tests: use another IndexedDB (a fake); also forgets the open database. */
export function useIndexedDB(next) {
  factory = () => next;
  dbPromise = null;
}

function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      let idb;
      try {
        idb = factory();
      } catch (err) {
        idb = null;
        void err;
      }
      if (!idb)
        return reject(
          new StorageError('unavailable', 'this browser does not let the page store data (a private window?)'),
        );
      let req;
      try {
        req = idb.open(DB_NAME, DB_VERSION);
      } catch (err) {
        return reject(storageError(err));
      }
      req.onupgradeneeded = () => {
        const d = req.result;
        if (!d.objectStoreNames.contains('kv')) d.createObjectStore('kv');
        if (!d.objectStoreNames.contains('runs')) d.createObjectStore('runs', { keyPath: 'id' });
        if (!d.objectStoreNames.contains('segments')) d.createObjectStore('segments', { keyPath: 'key' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () =>
        reject(
          new StorageError(
            'unavailable',
            `this browser does not let the page store data (${req.error?.message ?? 'IndexedDB failed to open'})`,
            req.error,
          ),
        );
      req.onblocked = () => reject(new StorageError('unavailable', 'IndexedDB is blocked by another tab of this page'));
    });
    // Let a later call try again (the user may free space or leave private mode).
    dbPromise.catch(() => {
      dbPromise = null;
    });
  }
  return dbPromise;
}

/**
 * Runs fn({ kv, runs }) in one transaction over `stores` and resolves with
 * what fn returns once the transaction has committed (readwrite) or its
 * requests succeeded (readonly); rejects with a StorageError when any
 * request fails or the transaction aborts. fn issues its requests at once.
 */
async function transact(stores, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    let tx;
    try {
      tx = d.transaction(stores, mode);
    } catch (err) {
      reject(storageError(err));
      return;
    }
    let result;
    let failed = null;
    tx.oncomplete = () => (failed ? reject(failed) : resolve(result));
    tx.onabort = () => reject(failed ?? storageError(tx.error ?? new Error('the transaction was aborted')));
    tx.onerror = (e) => {
      failed ??= storageError(e?.target?.error ?? tx.error);
    };
    try {
      const named = Object.fromEntries([stores].flat().map((s) => [s, tx.objectStore(s)]));
      result = fn(named);
    } catch (err) {
      failed = storageError(err);
      try {
        tx.abort();
      } catch {
        reject(failed);
      }
    }
  });
}

// The value of a request, once the transaction is done.
function valueOf(request) {
  const box = {};
  request.onsuccess = () => {
    box.value = request.result;
  };
  return box;
}

export async function getKey(key) {
  const box = await transact('kv', 'readonly', ({ kv }) => valueOf(kv.get(key)));
  return box.value;
}

export function setKey(key, value) {
  return transact('kv', 'readwrite', ({ kv }) => void kv.put(value, key));
}

export function deleteKey(key) {
  return transact('kv', 'readwrite', ({ kv }) => void kv.delete(key));
}

/**
 * @typedef {{ header: Record<string, any> & { id: string }, segment?: { runId: string, seq: number } & Record<string, any> }} StoredRunPart
 */

/**
 * Puts a run's header and its segment (when there is one) in the open transaction's stores.
 * @param {Record<string, IDBObjectStore>} stores
 * @param {StoredRunPart} part
 */
function putPart({ runs, segments }, { header, segment }) {
  runs.put(header);
  if (segment) segments.put({ ...segment, key: segmentKey(segment.runId, segment.seq) });
}

/** Stores a run's header and, when given, a segment of it. @param {StoredRunPart} part */
export function putRun(part) {
  return transact(['runs', 'segments'], 'readwrite', (stores) => putPart(stores, part));
}

/**
 * Every stored run, oldest first: { header, segments } (segments in order).
 * @returns {Promise<{ header: Record<string, any>, segments: Record<string, any>[] }[]>}
 */
export async function listRuns() {
  const [headers, segments] = await transact(['runs', 'segments'], 'readonly', ({ runs, segments: s }) => [
    valueOf(runs.getAll()),
    valueOf(s.getAll()),
  ]);
  const byRun = new Map();
  for (const s of segments.value ?? []) byRun.set(s.runId, [...(byRun.get(s.runId) ?? []), s]);
  return (headers.value ?? [])
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((header) => ({ header, segments: (byRun.get(header.id) ?? []).sort((a, b) => a.seq - b.seq) }));
}

/** Deletes a run: its header and its `segments` segments. */
export function deleteRun(id, segments = 0) {
  return transact(['runs', 'segments'], 'readwrite', ({ runs, segments: s }) => {
    runs.delete(id);
    for (let seq = 0; seq < segments; seq++) s.delete(segmentKey(id, seq));
  });
}

/**
 * One checkpoint, all or nothing: the runs' parts (each its header and new segment) first, then `model`
 * (the 'model' record), the pointer to its run (the current one) last.
 * @param {{ runs: StoredRunPart[], model: Record<string, any> & { runId: string | null } }} checkpoint
 */
export function saveCheckpoint({ runs, model }) {
  return transact(STORES, 'readwrite', (stores) => {
    for (const part of runs) putPart(stores, part);
    stores.kv.put(model, 'model');
    if (model.runId) stores.kv.put(model.runId, 'currentRun');
  });
}

/** Asks the browser not to evict our storage under pressure (best effort). */
export async function persist() {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
