// The per-epoch results table of the current run: a row appended per epoch,
// the whole table again when another run becomes current. Rows wait while
// the table is out of sight (another view, its panel closed) and are added
// together when it is shown.
import { $, el } from '../ui/dom.js';
import { duration, loss, pct } from '../ui/format.js';
import { Redraw, whenOpen } from '../ui/redraw.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { EpochEntry, Run } from '../runs/run_record.js'
 */

const acc = (m) => (m ? pct(m.accuracy, 2) : '–');

export class EpochTableView {
  #store;
  #body = $('epoch-table', HTMLTableElement).tBodies[0];
  /** @type {Run | null} the run the rows are of */
  #run = null;
  #rows = 0;

  /** @param {{ store: SessionStore, visibility: Visibility }} parts */
  constructor({ store, visibility }) {
    this.#store = store;
    const details = /** @type {HTMLDetailsElement} */ ($('epoch-table').closest('details'));
    const redraw = new Redraw(() => this.draw(), { visibility: whenOpen(details, visibility) });
    store.onAny(['epoch', 'runs'], () => redraw.request());
    redraw.request();
  }

  draw() {
    const run = this.#store.runs.current;
    if (run !== this.#run || (run?.epochs.length ?? 0) < this.#rows) {
      this.#run = run;
      this.#rows = 0;
      this.#body.replaceChildren();
    }
    const epochs = run?.epochs ?? [];
    for (; this.#rows < epochs.length; this.#rows++) this.#body.append(row(epochs[this.#rows]));
  }
}

/** @param {EpochEntry} e */
function row(e) {
  return el(
    'tr',
    {},
    el('th', { scope: 'row', text: String(e.epoch) }),
    el('td', { text: loss(e.train?.loss) }),
    el('td', { text: acc(e.train) }),
    el('td', { text: loss(e.trainSet?.loss) }),
    el('td', { text: acc(e.trainSet) }),
    el('td', { text: loss(e.validation?.loss) }),
    el('td', { text: acc(e.validation) }),
    el('td', { text: loss(e.test?.loss) }),
    el('td', { text: acc(e.test) }),
    el('td', { text: duration(e.runMs ?? 0) }),
  );
}
