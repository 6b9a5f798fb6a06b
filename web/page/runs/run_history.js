// The run history: every run record (run_record.js) of this browser, oldest
// first, the current one, and which earlier runs are overlaid on the charts;
// kept in IndexedDB (storage.js) as a header per run and the segments each
// save appends. The session store (app/session_store.js) owns the one
// history of the page and says when it changed.
import { assembleRun, createRun, nextRunNumber, runHeader, runSegment } from './run_record.js';
import * as storage from './storage.js';

/** @import { Run } from './run_record.js' */
/** @import { ProgressValue } from '../../shared/protocol.js' */

/** Which curves of an overlaid run the charts draw. */
export const OVERLAY_SPLITS = Object.freeze(['train', 'validation', 'test']);

export class RunHistory {
  /** @type {Run[]} every run, oldest first */
  list = [];
  /** @type {Run | null} the run the current trainer belongs to */
  current = null;
  /** @type {Set<string>} ids of the runs overlaid on the charts */
  overlays = new Set();
  /** @type {string[]} which curves of an overlaid run the charts draw: 'train', 'validation', 'test' */
  overlaySplits = [...OVERLAY_SPLITS];

  /**
   * A new run, added to the history and made current.
   * @param {{ config: Record<string, any>, label?: string, schedule?: { lrDecay: number }, source?: string }} spec
   */
  start({ config, label, schedule, source }) {
    const run = createRun({ config, label, schedule, source, number: nextRunNumber(this.list) });
    this.list.push(run);
    this.current = run;
    return run;
  }

  /** Reads the history from IndexedDB (throws when there is none to read). */
  async load() {
    this.list = (await storage.listRuns()).map(({ header, segments }) => assembleRun(header, segments));
  }

  /** @param {string} id */
  find(id) {
    return this.list.find((r) => r.id === id);
  }

  /**
   * What a save of the run writes: its header and the points and epochs since its last save, up to what
   * the checkpoint's model has seen (everything without one). Marks them saved.
   * @param {Run} run
   * @param {{ progress: ProgressValue, runMs: number } | null} [checkpoint]
   * @returns {import('./storage.js').StoredRunPart}
   */
  unsaved(run, checkpoint = null) {
    const from = run.saved ?? { points: 0, epochs: 0, segments: 0 };
    const { segment, saved, health } = runSegment(run, checkpoint, from);
    run.saved = saved;
    return { header: { ...runHeader(run, checkpoint), health, segmentCount: saved.segments }, segment };
  }

  /**
   * A save of the run failed: the next one writes it again from its start (the failed segment's number
   * stays taken, so nothing stored is overwritten by a shorter copy).
   * @param {Run} run
   */
  unsavedAgain(run) {
    run.saved = { points: 0, epochs: 0, segments: run.saved?.segments ?? 0 };
  }

  /** Stores the run (for a checkpoint: only what the saved model has seen); failures are logged. */
  async persist(run, checkpoint = null) {
    try {
      await storage.putRun(this.unsaved(run, checkpoint));
    } catch (err) {
      this.unsavedAgain(run);
      console.warn('could not save the run history', err);
    }
  }

  /** Remembers in IndexedDB which run is current. */
  rememberCurrent(run) {
    return storage.setKey('currentRun', run.id);
  }

  /** @param {Run} run */
  async remove(run) {
    this.list = this.list.filter((x) => x !== run);
    this.overlays.delete(run.id);
    await storage.deleteRun(run.id, run.saved?.segments ?? 0).catch(() => {});
  }

  /** @param {string} id @param {boolean} on */
  setOverlay(id, on) {
    if (on) this.overlays.add(id);
    else this.overlays.delete(id);
  }

  /** The runs to draw next to the current one. */
  overlaid() {
    return this.list.filter((r) => this.overlays.has(r.id) && r !== this.current);
  }
}
