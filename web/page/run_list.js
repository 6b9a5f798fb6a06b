// The run list: one line per run of the history, newest first, with its
// settings and best test accuracy, a checkbox to overlay it on the charts
// (and the report's figures) and a delete button; and which curves of the
// overlaid runs the charts draw.
import { describeConfig } from './config.js';
import { $, el, pct } from './viz.js';

export class RunList {
  #app;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    $('overlay-splits').addEventListener('change', () => {
      const { runs, stats } = this.#app;
      runs.overlaySplits = [...document.querySelectorAll('#overlay-splits input:checked')].map((i) => i.value);
      stats.drawAll();
    });
  }

  render() {
    const { runs, stats } = this.#app;
    const list = $('run-list');
    const items = [...runs.list].reverse().map((r) => {
      const best = r.epochs.reduce((b, e) => Math.max(b, e.test?.accuracy ?? -1), -1);
      const current = r === runs.current;
      const id = `overlay-${r.id}`;
      const check = el('input', {
        type: 'checkbox',
        id,
        checked: runs.overlays.has(r.id),
        disabled: current || r.epochs.length === 0,
        onchange: (e) => {
          runs.setOverlay(r.id, e.target.checked);
          stats.drawAll();
        },
      });
      const del = el('button', {
        type: 'button',
        class: 'link-button',
        'aria-label': `Delete ${r.label}`,
        text: 'Delete',
        disabled: current,
        onclick: async () => {
          await runs.remove(r);
          this.render();
          stats.drawAll();
        },
      });
      return el(
        'li',
        { class: `run${current ? ' is-current' : ''}` },
        check,
        el(
          'label',
          { for: id },
          el('strong', { text: r.label }),
          current ? el('span', { class: 'tag', text: 'current' }) : null,
          el('span', { class: 'run-desc', text: describeConfig(r.config, r.schedule) }),
          el('span', {
            class: 'run-result',
            text: r.epochs.length
              ? `${r.epochs.length} epoch${r.epochs.length > 1 ? 's' : ''}${best >= 0 ? `, best test ${pct(best, 2)}` : ''}`
              : 'no epoch yet',
          }),
        ),
        del,
      );
    });
    list.replaceChildren(...items);
    if (items.length === 0) list.replaceChildren(el('li', { class: 'empty', text: 'No runs yet.' }));
  }
}
