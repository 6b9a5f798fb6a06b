// The run list: one line per run of the history, newest first, with the
// settings it started with, every live change and where it took effect, its
// best test accuracy, a checkbox to overlay it on the charts (and the
// report's figures) and a delete button; and which curves of the overlaid
// runs the charts draw. Drawn while the Runs view is shown.
import { describeConfig } from '../settings/settings.js';
import { $, el } from '../ui/dom.js';
import { pct, plural } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';
import { changesText } from './legend.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { Run } from './run_record.js'
 */

export class RunListView {
  #store;

  /** @param {{ store: SessionStore, visibility: Visibility }} parts */
  constructor({ store, visibility }) {
    this.#store = store;
    $('overlay-splits').addEventListener('change', () => {
      store.runs.overlaySplits = [...document.querySelectorAll('#overlay-splits input:checked')].map(
        (i) => /** @type {HTMLInputElement} */ (i).value,
      );
      store.runsChanged();
    });
    const redraw = new Redraw(() => this.draw(), { visibility, minIntervalMs: 500 });
    store.onAny(['runs', 'epoch'], () => redraw.request());
    redraw.request();
  }

  draw() {
    const { runs } = this.#store;
    const items = [...runs.list].reverse().map((r) => this.#item(r));
    $('run-list').replaceChildren(...(items.length ? items : [el('li', { class: 'empty', text: 'No runs yet.' })]));
  }

  /** @param {Run} r */
  #item(r) {
    const { runs } = this.#store;
    const best = r.epochs.reduce((b, e) => Math.max(b, e.test?.accuracy ?? -1), -1);
    const current = r === runs.current;
    const id = `overlay-${r.id}`;
    const changes = changesText(r);
    return el(
      'li',
      { class: `run${current ? ' is-current' : ''}`, 'data-run': r.id },
      el('input', {
        type: 'checkbox',
        id,
        checked: runs.overlays.has(r.id),
        disabled: current || r.epochs.length === 0,
        onchange: (e) => {
          runs.setOverlay(r.id, e.target.checked);
          this.#store.runsChanged();
        },
      }),
      el(
        'label',
        { for: id },
        el('strong', { text: r.label }),
        current ? el('span', { class: 'tag', text: 'current' }) : null,
        el('span', { class: 'run-desc', text: describeConfig(r.config, r.schedule) }),
        changes ? el('span', { class: 'run-changes', text: `Changed live: ${changes}` }) : null,
        el('span', {
          class: 'run-result',
          text: r.epochs.length
            ? `${plural(r.epochs.length, 'epoch')}${best >= 0 ? `, best test ${pct(best, 2)}` : ''}`
            : 'no epoch yet',
        }),
      ),
      el('button', {
        type: 'button',
        class: 'link-button',
        'aria-label': `Delete ${r.label}`,
        text: 'Delete',
        disabled: current,
        onclick: async () => {
          await runs.remove(r);
          this.#store.runsChanged();
        },
      }),
    );
  }
}
