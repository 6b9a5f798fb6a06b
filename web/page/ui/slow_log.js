// The work on the main thread that took longer than a frame, kept for the
// console and the browser tests (window.mnist.slow).

export const SLOW_MS = 16;
const KEEP = 50;

export class SlowLog {
  /** The last 50 slow pieces of work: { type, ms, at } (at: performance.now() when it began). */
  entries = [];

  /** Records `type` when more than SLOW_MS have passed since t0 (a performance.now() reading). */
  since(type, t0) {
    const ms = performance.now() - t0;
    if (ms <= SLOW_MS) return;
    this.entries.push({ type, ms: Math.round(ms), at: Math.round(t0) });
    if (this.entries.length > KEEP) this.entries.shift();
  }

  /** Runs fn and records it as `type` when it was slow; returns what fn returns. */
  time(type, fn) {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.since(type, t0);
    }
  }
}
