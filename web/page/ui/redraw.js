// The one way a view redraws: when its data changed it asks (request), and
// the drawing happens at most once per animation frame, at most once per
// `minIntervalMs` (for views that cost more than a frame's share), and only
// while the view can be seen: a view in another tab, a closed panel or a
// hidden browser tab draws nothing, and draws once when it is shown again if
// anything changed meanwhile. flush() draws at once (the user acted, or
// training stopped and the last state must be on screen).

/**
 * Whether something is on screen, and a way to hear when that changes.
 * @typedef {object} Visibility
 * @property {boolean} visible
 * @property {(listener: () => void) => () => void} subscribe returns the unsubscribe function
 */

/** @type {Visibility} */
export const ALWAYS_VISIBLE = Object.freeze({ visible: true, subscribe: () => () => {} });

/**
 * Visible when `outer` is and the <details> element is open.
 * @param {HTMLDetailsElement} details
 * @param {Visibility} outer
 * @returns {Visibility}
 */
export function whenOpen(details, outer) {
  return {
    get visible() {
      return outer.visible && details.open;
    },
    subscribe(listener) {
      details.addEventListener('toggle', listener);
      const off = outer.subscribe(listener);
      return () => {
        details.removeEventListener('toggle', listener);
        off();
      };
    },
  };
}

export class Redraw {
  #draw;
  #visibility;
  #minIntervalMs;
  #dirty = false;
  #queued = false;
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #timer = 0;
  #frame = 0;
  #last = -Infinity;

  /**
   * @param {() => void} draw
   * @param {{ visibility?: Visibility, minIntervalMs?: number | (() => number) }} [options]
   *   minIntervalMs: the least time between two draws (a function: it may depend on the state)
   */
  constructor(draw, { visibility = ALWAYS_VISIBLE, minIntervalMs = 0 } = {}) {
    this.#draw = draw;
    this.#visibility = visibility;
    this.#minIntervalMs = typeof minIntervalMs === 'function' ? minIntervalMs : () => minIntervalMs;
    visibility.subscribe(() => {
      if (this.#visibility.visible && this.#dirty) this.request();
    });
  }

  /** True while a change waits to be drawn. */
  get pending() {
    return this.#dirty;
  }

  /** The data changed: draw soon (when visible). */
  request() {
    this.#dirty = true;
    if (this.#queued || !this.#visibility.visible) return;
    this.#queued = true;
    const wait = this.#minIntervalMs() - (performance.now() - this.#last);
    if (wait > 0) this.#timer = setTimeout(() => this.#nextFrame(), wait);
    else this.#nextFrame();
  }

  /** Draws now if anything changed (and the view is visible), cancelling a planned draw. */
  flush() {
    this.#cancel();
    if (this.#dirty) this.#run();
  }

  #nextFrame() {
    this.#timer = 0;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#queued = false;
      this.#run();
    });
  }

  #cancel() {
    clearTimeout(this.#timer);
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#timer = this.#frame = 0;
    this.#queued = false;
  }

  #run() {
    if (!this.#visibility.visible) return; // stays dirty: drawn when shown
    this.#dirty = false;
    this.#last = performance.now();
    this.#draw();
  }
}
