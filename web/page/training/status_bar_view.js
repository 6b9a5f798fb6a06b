// The status line under the navigation, on every view: what training is
// doing (state, epoch of the target, batch, the latest test accuracy, an
// experiment queue's run) and a Pause/Resume button, so that a run keeps
// being visible and controllable whichever view is open. Drawn at most
// twice a second.
import { State } from '../../shared/protocol.js';
import { $ } from '../ui/dom.js';
import { pct } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { TrainingCommands } from './training_commands.js'
 */

const STATE_TEXT = { none: 'No model', idle: 'Ready', running: 'Training', paused: 'Paused', diverged: 'Diverged' };

export class StatusBarView {
  #store;

  /** @param {{ store: SessionStore, commands: TrainingCommands }} parts */
  constructor({ store, commands }) {
    this.#store = store;
    const button = $('status-pause', HTMLButtonElement);
    button.addEventListener('click', () => (store.train.state === State.PAUSED ? commands.resume() : commands.pause()));
    const redraw = new Redraw(() => this.draw(), { minIntervalMs: 500 });
    store.onAny(['data', 'train', 'trainer', 'chunk', 'epoch', 'runs', 'queue'], () => redraw.request());
    redraw.request();
  }

  draw() {
    const { train, trainer, runs, data, queue } = this.#store;
    const parts = [];
    if (data.status !== 'ready') parts.push(data.status === 'error' ? 'Data failed to load' : 'Loading data…');
    else {
      parts.push(STATE_TEXT[train.state] ?? train.state);
      const p = trainer?.progress;
      if (p) parts.push(`epoch ${p.epoch}${train.targetEpoch ? ` / ${train.targetEpoch}` : ''}`);
      if (p && (train.state === State.RUNNING || train.state === State.PAUSED))
        parts.push(`batch ${p.batchInEpoch} / ${p.batchesPerEpoch}`);
      const test = runs.current?.epochs.findLast((e) => e.test)?.test;
      if (test) parts.push(`test ${pct(test.accuracy, 2)}`);
      if (queue && (queue.state === 'running' || queue.state === 'paused'))
        parts.push(`experiment run ${queue.index + 1} of ${queue.items.length}`);
    }
    $('status-text').textContent = parts.join(' · ');
    const button = $('status-pause', HTMLButtonElement);
    const active = train.state === State.RUNNING || train.state === State.PAUSED;
    button.hidden = !active;
    button.textContent = train.state === State.PAUSED ? 'Resume' : 'Pause';
  }
}
