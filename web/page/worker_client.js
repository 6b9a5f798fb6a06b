// The page's end of the training worker (web/worker/worker.js): starts and
// restarts it, sends requests and matches each answer to its request by id,
// checks every message received against the protocol, and hands the others
// to the handlers by type. Every message is a sign of life for the watchdog
// (watchdog.js), heartbeats are only that. The worker is lost when it fails
// with an error event, says `fatal`, or falls silent (closed, killed by the
// browser, hung): it is terminated, what is pending is rejected, and
// onCrash(reason) tells the page, which starts another (main.js).
import { FromWorker, check, post } from '../shared/protocol.js';
import { Watchdog } from './watchdog.js';

export class WorkerClient {
  #url;
  #handlers;
  #onCrash;
  #slow;
  #worker = null;
  #nextId = 1;
  #pending = new Map(); // id → { resolve, reject }
  #watchdog;

  /**
   * handlers: { [FromWorker type]: (msg) => void } for messages that answer
   * no request; onCrash(reason): the worker is lost; slow: a SlowLog.
   */
  constructor({ url, handlers, onCrash, slow }) {
    this.#url = url;
    this.#handlers = handlers;
    this.#onCrash = onCrash;
    this.#slow = slow;
    this.#watchdog = new Watchdog({
      onDead: (ms) => this.#crashed(`it stopped answering (nothing for ${(ms / 1000).toFixed(1)} s)`),
      judging: () => document.visibilityState !== 'hidden',
    });
  }

  start() {
    const worker = new Worker(this.#url, { type: 'module', name: 'trainer' });
    this.#worker = worker;
    worker.onmessage = (e) => worker === this.#worker && this.#receive(e);
    worker.onerror = (e) => {
      e.preventDefault();
      if (worker === this.#worker) this.#crashed(e.message || 'the worker script failed to load');
    };
    worker.onmessageerror = () =>
      worker === this.#worker && this.#crashed('a message from the worker could not be read');
    this.#watchdog.start();
  }

  /** A fresh worker in place of this one. */
  restart() {
    this.#stop();
    this.start();
  }

  /** Test hook: the worker vanishes as when the browser kills it, without any event. */
  kill() {
    this.#worker?.terminate();
  }

  /** Milliseconds since the worker last said something. */
  get silentMs() {
    return this.#watchdog.silentMs;
  }

  /** Sends a request that has one answer; resolves with it, or rejects with the worker's error. */
  request(type, payload = {}) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (!this.#worker) {
        reject(new Error('the training worker is restarting'));
        return;
      }
      this.#pending.set(id, { resolve, reject });
      post(this.#worker, type, { ...payload, id });
    });
  }

  /** Sends a message that has no answer of its own (dropped while the worker restarts). */
  send(type, payload = {}) {
    if (this.#worker) post(this.#worker, type, payload);
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
    this.#watchdog.alive(msg.type === FromWorker.HEARTBEAT ? (msg.busyMs ?? 0) : 0);
    if (msg.type === FromWorker.HEARTBEAT) return;
    if (msg.type === FromWorker.FATAL) {
      this.#crashed(msg.message);
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

  #stop() {
    this.#watchdog.stop();
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values())
      p.reject(Object.assign(new Error('the training worker stopped'), { kind: 'WorkerLost' }));
    this.#pending.clear();
  }

  #crashed(reason) {
    if (!this.#worker) return;
    this.#stop();
    this.#onCrash(reason);
  }
}
