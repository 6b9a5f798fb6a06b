// The numbers line of the Train view: epoch (of the target), batch, samples
// per second, running time, and the latest validation and test accuracy.
// Drawn at most once a frame, and only while the view is shown; at once when
// the training state changes, so that the numbers never lag the state.
import { State } from '../../shared/protocol.js';
import { $ } from '../ui/dom.js';
import { count, duration, pct } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 */

export class StatsView {
  #store;

  /** @param {{ store: SessionStore, visibility: Visibility }} parts */
  constructor({ store, visibility }) {
    this.#store = store;
    const redraw = new Redraw(() => this.draw(), { visibility });
    store.onAny(['train', 'trainer', 'chunk', 'epoch', 'runs'], () => redraw.request());
    // A new training state (paused, stopped, finished) is shown with the numbers it stopped at, not a frame later.
    store.on('train', () => redraw.flush());
    redraw.request();
  }

  draw() {
    const { train, trainer, runs } = this.#store;
    const run = runs.current;
    const p = trainer?.progress ?? run?.progress;
    const target = train.targetEpoch;
    $('stat-epoch').textContent = p ? (target ? `${p.epoch} / ${target}` : String(p.epoch)) : '–';
    $('stat-batch').textContent = p ? `${p.batchInEpoch} / ${p.batchesPerEpoch}` : '–';
    $('stat-batch').dataset.step = p ? String(p.step) : '';
    $('stat-rate').textContent =
      train.state === State.RUNNING && train.samplesPerSecond ? count(train.samplesPerSecond) : '–';
    $('stat-elapsed').textContent = run ? duration(run.runMs ?? 0) : '–';
    // The latest epoch that evaluated each split (a queue's run may evaluate some only at its end).
    const v = run?.epochs.findLast((x) => x.validation);
    const e = run?.epochs.findLast((x) => x.test);
    $('stat-val').textContent = v ? pct(v.validation.accuracy, 2) : '–';
    $('stat-test').textContent = e ? pct(e.test.accuracy, 2) : '–';
    $('stat-test').dataset.value = e ? String(e.test.accuracy) : '';
  }
}
