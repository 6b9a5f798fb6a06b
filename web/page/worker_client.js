// The page's end of the training worker (web/worker/worker.js): starts and
// restarts it, sends requests and matches each answer to its request by id,
// checks every message received against the protocol, and hands the others
// to the handlers by type. A crash of the worker rejects what is pending.
import { FromWorker, check, post } from '../shared/protocol.js';

export class WorkerClient {
  #url;
  #handlers;
  #onCrash;
  #slow;
  #worker = null;
  #nextId = 1;
  #pending = new Map(); // id → { resolve, reject }

  /**
   * handlers: { [FromWorker type]: (msg) => void } for messages that answer
   * no request; onCrash(message): the worker died; slow: a SlowLog.
   */
  constructor({ url, handlers, onCrash, slow }) {
    this.#url = url;
    this.#handlers = handlers;
    this.#onCrash = onCrash;
    this.#slow = slow;
  }

  start() {
    const worker = new Worker(this.#url, { type: 'module', name: 'trainer' });
    this.#worker = worker;
    worker.onmessage = (e) => this.#receive(e);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#crashed(e.message || 'the worker script failed to load');
    };
    worker.onmessageerror = () => this.#crashed('a message from the worker could not be read');
  }

  /** A fresh worker in place of this one (after a crash). */
  restart() {
    this.#worker?.terminate();
    this.start();
  }

  /** Sends a request that has one answer; resolves with it, or rejects with the worker's error. */
  request(type, payload = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      post(this.#worker, type, { ...payload, id });
    });
  }

  /** Sends a message that has no answer of its own. */
  send(type, payload = {}) {
    post(this.#worker, type, payload);
  }

  #receive(e) {
    const t0 = performance.now();
    const msg = e.data; // deserialised on first access
    this.#slow.since(`receive ${msg?.type}`, t0);
    try {
      check(msg, FromWorker);
    } catch (err) {
      console.error(err.message);
      return;
    }
    this.#slow.time(msg.type, () => {
      if (!this.#settle(msg)) this.#handlers[msg.type]?.(msg);
    });
  }

  // Resolves (or, for an error, rejects) the request msg answers; false if it answers none.
  #settle(msg) {
    const p = msg.id === undefined ? undefined : this.#pending.get(msg.id);
    if (!p) return false;
    this.#pending.delete(msg.id);
    if (msg.type === FromWorker.ERROR) {
      const err = new Error(msg.message);
      err.scope = msg.scope;
      err.kind = msg.kind;
      p.reject(err);
    } else {
      p.resolve(msg);
    }
    return true;
  }

  #crashed(message) {
    for (const p of this.#pending.values()) p.reject(new Error('the worker stopped'));
    this.#pending.clear();
    this.#onCrash(message);
  }
}
