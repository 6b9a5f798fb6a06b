// A small IndexedDB stand-in for the storage tests (web/page/runs/storage.js):
// object stores of structured values, transactions whose writes become
// visible only when they commit (all of them, in the order they were made),
// a byte quota, and a tab that closes in the middle of a transaction.
// Hand-written rather than the fake-indexeddb package: the tests need to
// inject exactly these failures and read the commit order, and the page's
// lock file stays as it is.

const sizeOf = (v) => {
  if (v === null || v === undefined) return 8;
  if (typeof v === 'string') return 2 * v.length;
  if (typeof v !== 'object') return 8;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (typeof Blob !== 'undefined' && v instanceof Blob) return v.size;
  return Object.values(v).reduce((n, x) => n + sizeOf(x), 16);
};

const domError = (name, message) => Object.assign(new Error(message), { name });

class Request {
  result = undefined;
  error = null;
  onsuccess = null;
  onerror = null;
}

export class FakeIndexedDB {
  /** quotaBytes: the most all stores may hold; closeAfterOps: the tab closes after that many writes of a transaction. */
  constructor({ quotaBytes = Infinity } = {}) {
    this.quotaBytes = quotaBytes;
    this.closeAfterOps = Infinity;
    this.stores = new Map(); // name → { keyPath, data: Map }
    this.commits = []; // [{ store, op, key }] in commit order
    this.version = 0;
  }

  get usedBytes() {
    let n = 0;
    for (const s of this.stores.values()) for (const v of s.data.values()) n += sizeOf(v);
    return n;
  }

  open(_name, version) {
    const req = new Request();
    setTimeout(() => {
      const db = new FakeDatabase(this);
      req.result = db;
      if (version > this.version) {
        this.version = version;
        req.onupgradeneeded?.({ target: req });
      }
      req.onsuccess?.({ target: req });
    });
    return req;
  }
}

class FakeDatabase {
  constructor(idb) {
    this.idb = idb;
  }

  get objectStoreNames() {
    return { contains: (n) => this.idb.stores.has(n) };
  }

  createObjectStore(name, { keyPath } = {}) {
    this.idb.stores.set(name, { keyPath, data: new Map() });
  }

  transaction(names, mode) {
    for (const n of [names].flat()) if (!this.idb.stores.has(n)) throw domError('NotFoundError', `no store ${n}`);
    return new FakeTransaction(this.idb, [names].flat(), mode);
  }
}

class FakeTransaction {
  oncomplete = null;
  onabort = null;
  onerror = null;
  error = null;
  #idb;
  #mode;
  #ops = []; // { store, op, key, value, request }
  #scheduled = false;
  #done = false;

  constructor(idb, names, mode) {
    this.#idb = idb;
    this.names = names;
    this.#mode = mode;
    this.#schedule();
  }

  objectStore(name) {
    if (!this.names.includes(name)) throw domError('NotFoundError', `${name} is not in this transaction`);
    const add = (op, key, value) => {
      if (this.#done) throw domError('TransactionInactiveError', 'the transaction has finished');
      if (op !== 'get' && op !== 'getAll' && this.#mode !== 'readwrite')
        throw domError('ReadOnlyError', 'read-only transaction');
      const request = new Request();
      this.#ops.push({ store: name, op, key, value, request });
      this.#schedule();
      return request;
    };
    const keyPath = this.#idb.stores.get(name).keyPath;
    return {
      put: (value, key) => add('put', keyPath ? value[keyPath] : key, structuredClone(value)),
      delete: (key) => add('delete', key),
      get: (key) => add('get', key),
      getAll: () => add('getAll'),
    };
  }

  abort() {
    this.#finish(domError('AbortError', 'aborted'));
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.#run());
  }

  // Runs the requests in order against a staged copy, then commits it whole (or aborts).
  #run() {
    if (this.#done) return;
    const idb = this.#idb;
    const staged = new Map([...idb.stores].map(([n, s]) => [n, new Map(s.data)]));
    let writes = 0;
    for (const o of this.#ops) {
      const data = staged.get(o.store);
      if (o.op === 'get') o.request.result = structuredClone(data.get(o.key));
      else if (o.op === 'getAll') o.request.result = structuredClone([...data.values()]);
      else {
        if (++writes > idb.closeAfterOps) {
          this.#done = true; // the tab closed: nothing of this transaction is stored, no event fires
          return;
        }
        if (o.op === 'put') data.set(o.key, o.value);
        else data.delete(o.key);
        let used = 0;
        for (const m of staged.values()) for (const v of m.values()) used += sizeOf(v);
        if (used > idb.quotaBytes) {
          o.request.error = domError('QuotaExceededError', 'The quota has been exceeded.');
          o.request.onerror?.({ target: o.request });
          this.onerror?.({ target: o.request });
          this.#finish(o.request.error);
          return;
        }
      }
      o.request.onsuccess?.({ target: o.request });
    }
    this.#done = true;
    for (const [n, data] of staged) idb.stores.get(n).data = data;
    for (const o of this.#ops)
      if (o.op === 'put' || o.op === 'delete') idb.commits.push({ store: o.store, op: o.op, key: o.key });
    this.oncomplete?.({ target: this });
  }

  #finish(error) {
    if (this.#done) return;
    this.#done = true;
    this.error = error;
    setTimeout(() => this.onabort?.({ target: this }));
  }
}
