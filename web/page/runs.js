// The run history: every run record (run_record.js) of this browser, oldest
// first, the current one, and which earlier runs are overlaid on the charts;
// kept in IndexedDB (storage.js) as they change.
import { createRun, deserialiseRun, nextRunNumber, serialiseRun } from './run_record.js';
import * as storage from './storage.js';

export class Runs {
  /** Every run, oldest first. */
  list = [];
  /** The run the current trainer belongs to, or null. */
  current = null;
  /** Ids of the runs overlaid on the charts. */
  overlays = new Set();
  /** Which curves of an overlaid run the charts draw: 'train', 'validation', 'test'. */
  overlaySplits = ['train', 'validation', 'test'];

  /** A new run, added to the history and made current. */
  start({ config, label, schedule, source }) {
    const run = createRun({ config, label, schedule, source, number: nextRunNumber(this.list) });
    this.list.push(run);
    this.current = run;
    return run;
  }

  /** Reads the history from IndexedDB (throws when there is none to read). */
  async load() {
    this.list = (await storage.listRuns()).map(deserialiseRun);
  }

  find(id) {
    return this.list.find((r) => r.id === id);
  }

  /** Stores the run (for a checkpoint: only what the saved model has seen); failures are logged. */
  async persist(run, checkpoint = null) {
    try {
      await storage.putRun(serialiseRun(run, checkpoint));
    } catch (err) {
      console.warn('could not save the run history', err);
    }
  }

  /** Remembers in IndexedDB which run is current. */
  rememberCurrent(run) {
    return storage.setKey('currentRun', run.id);
  }

  async remove(run) {
    this.list = this.list.filter((x) => x !== run);
    this.overlays.delete(run.id);
    await storage.deleteRun(run.id).catch(() => {});
  }

  setOverlay(id, on) {
    if (on) this.overlays.add(id);
    else this.overlays.delete(id);
  }

  /** The runs to draw next to the current one. */
  overlaid() {
    return this.list.filter((r) => this.overlays.has(r.id) && r !== this.current);
  }
}
