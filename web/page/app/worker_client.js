// The page's end of the training worker (web/worker/worker.js): starts and
// restarts it, sends typed requests (request/send: the request's name, its
// payload; shared/protocol.js types both and the answer), checks every
// message received against the protocol, settles each request with its
// answer or failure, and hands every event to one listener (the session
// store). Every message is a sign of life for the watchdog (watchdog.js).
// The worker is lost when it fails with an error event, says `fatal`, or
// falls silent (closed, killed by the browser, hung): it is terminated, what
// is pending is rejected, and onCrash(reason) tells the page (app/recovery.js).
import { checkFromWorker, requestMessage, transferList } from '../../shared/protocol.js';
import { Watchdog } from './watchdog.js';

/**
 * @import { AnswerOf, AnyEvent, RequestPayload, RequestType } from '../../shared/protocol.js'
 * @import { SlowLog } from '../ui/slow_log.js'
 */

/** A request's failure: the worker's message, the scope it is shown in and the engine's error kind. */
export class WorkerError extends Error {
  /**
   * @param {string} message
   * @param {{ scope?: string, kind?: string }} [detail]
   */
  constructor(message, { scope = 'engine', kind } = {}) {
    super(message);
    this.name = 'WorkerError';
    this.scope = scope;
    this.kind = kind;
  }
}

export class WorkerClient {
  #url;
  #onEvent;
  #onCrash;
  #onFailure;
  #slow;
  /** @type {Worker | null} */
  #worker = null;
  #nextId = 1;
  /** @type {Map<number, { type: RequestType, resolve: (value: any) => void, reject: (err: Error) => void }>} */
  #pending = new Map();
  #watchdog;

  /**
   * @param {{ url: URL, onEvent: (event: AnyEvent) => void, onCrash: (reason: string) => void,
   *   onFailure: (err: WorkerError) => void, slow: SlowLog }} options
   *   onEvent: every event; onCrash: the worker is lost; onFailure: a sent request (send) failed
   */
  constructor({ url, onEvent, onCrash, onFailure, slow }) {
    this.#url = url;
    this.#onEvent = onEvent;
    this.#onCrash = onCrash;
    this.#onFailure = onFailure;
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

  /**
   * Sends a request; resolves with its answer, or rejects with a WorkerError.
   * @template {RequestType} K
   * @param {K} type
   * @param {RequestPayload<K>} [payload]
   * @returns {Promise<AnswerOf<K>>}
   */
  request(type, payload = /** @type {RequestPayload<K>} */ ({})) {
    return new Promise((resolve, reject) => {
      if (!this.#worker) {
        reject(new WorkerError('the training worker is restarting', { kind: 'WorkerLost' }));
        return;
      }
      const id = this.#nextId++;
      const msg = requestMessage(type, id, payload);
      this.#pending.set(id, { type, resolve, reject });
      this.#worker.postMessage(msg, transferList(msg));
    });
  }

  /**
   * Sends a request whose answer nobody awaits (a command): a failure goes to onFailure, and nothing is
   * sent while the worker restarts.
   * @template {RequestType} K
   * @param {K} type
   * @param {RequestPayload<K>} [payload]
   */
  send(type, payload) {
    if (!this.#worker) return;
    this.request(type, payload).catch((err) => {
      if (err.kind !== 'WorkerLost') this.#onFailure(err);
    });
  }

  /** @param {MessageEvent} e */
  #receive(e) {
    const t0 = performance.now();
    const data = e.data; // deserialised on first access
    this.#slow.since(`receive ${data?.type}`, t0);
    let msg;
    try {
      msg = checkFromWorker(data, (id) => this.#pending.get(id)?.type);
    } catch (err) {
      console.error(err.message);
      return;
    }
    this.#watchdog.alive(msg.type === 'heartbeat' ? (msg.busyMs ?? 0) : 0);
    if (msg.type === 'heartbeat') return;
    if (msg.type === 'fatal') {
      this.#crashed(msg.message);
      return;
    }
    if (msg.type === 'answer' || msg.type === 'failure') {
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.type === 'answer') p.resolve(msg.value);
      else p.reject(new WorkerError(msg.message, { scope: msg.scope, kind: msg.kind }));
      return;
    }
    const event = msg;
    this.#slow.time(event.type, () => this.#onEvent(event));
  }

  #stop() {
    this.#watchdog.stop();
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values())
      p.reject(new WorkerError('the training worker stopped', { kind: 'WorkerLost' }));
    this.#pending.clear();
  }

  /** @param {string} reason */
  #crashed(reason) {
    if (!this.#worker) return;
    this.#stop();
    this.#onCrash(reason);
  }
}
