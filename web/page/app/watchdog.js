// Notices a dead or hung training worker. The worker beats every 250 ms
// (web/worker/worker.js); every message from it counts as a beat, and one
// may say that the worker starts work that can keep it silent for busyMs.
// check(), called every INTERVAL_MS, fires onDead when nothing came for
// TIMEOUT_MS (+ busyMs) while the page expects the worker to be there. So a
// worker that died (with or without an error event) or hangs is noticed
// within TIMEOUT_MS + INTERVAL_MS = 1.75 s of its last beat.
//
// Against false alarms on a loaded machine: a check that itself ran late
// (the main thread was busy, so beats may wait unread in its queue) only
// re-arms; and while the page is hidden (timers throttled) it does not judge.
// Pure: the clock and the timer are parameters (tests/web/watchdog.test.mjs).

export const TIMEOUT_MS = 1500;
export const INTERVAL_MS = 250;
/** A check more than this late is not trusted. */
export const LATE_MS = 500;

export class Watchdog {
  #now;
  #setInterval;
  #clearInterval;
  #onDead;
  #judging;
  #timer = null;
  #lastSeen = 0;
  #busyUntil = 0;
  #lastCheck = 0;
  #fired = false;

  /**
   * onDead(silentMs): the worker said nothing for silentMs. judging(): false while silence says nothing
   * (e.g. the page is hidden). now, setInterval, clearInterval: the clock and timer (performance.now, window's).
   */
  constructor({
    onDead,
    judging = () => true,
    now = () => performance.now(),
    setInterval = (fn, ms) => globalThis.setInterval(fn, ms),
    clearInterval = (id) => globalThis.clearInterval(id),
  }) {
    this.#onDead = onDead;
    this.#judging = judging;
    this.#now = now;
    this.#setInterval = setInterval;
    this.#clearInterval = clearInterval;
  }

  /** Starts watching a new worker (it has TIMEOUT_MS to say something). */
  start() {
    this.stop();
    this.#fired = false;
    this.#lastSeen = this.#lastCheck = this.#now();
    this.#busyUntil = 0;
    this.#timer = this.#setInterval(() => this.check(), INTERVAL_MS);
  }

  stop() {
    if (this.#timer !== null) this.#clearInterval(this.#timer);
    this.#timer = null;
  }

  /** The worker said something; busyMs: it may now be silent that long. */
  alive(busyMs = 0) {
    const t = this.#now();
    this.#lastSeen = t;
    this.#busyUntil = busyMs > 0 ? t + busyMs : 0;
  }

  /** Milliseconds since the worker last said something. */
  get silentMs() {
    return this.#now() - this.#lastSeen;
  }

  /** One check (the timer calls it); true when it found the worker dead. */
  check() {
    if (this.#fired) return false;
    const t = this.#now();
    const late = t - this.#lastCheck > INTERVAL_MS + LATE_MS;
    this.#lastCheck = t;
    if (late || !this.#judging()) {
      // Beats may be waiting unread behind the delay: give them one interval.
      this.#lastSeen = Math.max(this.#lastSeen, t - TIMEOUT_MS + INTERVAL_MS);
      return false;
    }
    const deadline = Math.max(this.#lastSeen + TIMEOUT_MS, this.#busyUntil + TIMEOUT_MS);
    if (t <= deadline) return false;
    this.#fired = true;
    this.stop();
    this.#onDead(t - this.#lastSeen);
    return true;
  }
}
