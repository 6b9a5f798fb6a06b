// The learning-rate finder in the Train view, beside the η field: "Find a
// learning rate" runs the range test for the form's settings (lr_finder.js;
// off while the experiments train), then a chart of the smoothed loss (and
// each batch's) against η on a log axis with the engine's pick marked, the
// engine's reason, a "Use η = …" button that writes the pick into the form
// (whose live settings apply it as any edit of η), and a table of the points.
// Draws through a Redraw: at most once a frame, only while the Train view is
// shown.
import { epochAxes, fittedPlot } from '../ui/chart_axes.js';
import { PALETTE, cssVar } from '../ui/colour.js';
import { $, el } from '../ui/dom.js';
import { count, sci } from '../ui/format.js';
import { Redraw } from '../ui/redraw.js';
import { findingPoints, lossRange, roundedEta, settingsKey, shortMessage } from './lr_finder.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import { LrFinder, LrFinding } from './lr_finder.js'
 * @import uPlot from '../../vendor/uPlot.esm.js'
 */
/** @typedef {{ write(values: Record<string, string>): void }} SettingsPort */

const HEIGHT = 220;

export class LrFinderView {
  #store;
  #finder;
  #notices;
  #redraw;
  /** @type {uPlot | null} */
  #plot = null;
  /** @type {LrFinding | null} the finding the chart and table show */
  #drawn = null;
  /** @type {[number, number] | null} the loss axis: the smoothed curve's (batch losses beyond it are cut) */
  #range = null;
  #find = $('btn-lr-find', HTMLButtonElement);
  #use = $('btn-lr-use', HTMLButtonElement);

  /**
   * @param {{ store: SessionStore, finder: LrFinder, settings: SettingsPort, notices: Notices,
   *   visibility: Visibility }} parts settings: the form, whose η "Use" sets
   */
  constructor({ store, finder, settings, notices, visibility }) {
    this.#store = store;
    this.#finder = finder;
    this.#notices = notices;
    this.#redraw = new Redraw(() => this.#draw(), { visibility });
    this.#find.addEventListener('click', async () => {
      const found = await finder.find();
      if (found) notices.announce(`Range test done: ${found.result.reason}`);
    });
    this.#use.addEventListener('click', () => {
      const found = finder.current;
      if (!found) return;
      const eta = String(roundedEta(found.result.pick));
      settings.write({ learningRate: eta });
      this.#notices.announce(`Learning rate set to ${eta}.`);
      this.#redraw.flush(); // the user acted: the button and the reason change at once
    });
    store.onAny(['lrFinder', 'settings', 'train', 'data', 'engine'], () => this.#redraw.request());
    this.#redraw.request();
  }

  /** The chart is built again (presentation mode changes its fonts). */
  restyle() {
    this.#plot?.destroy();
    this.#plot = null;
    this.#drawn = null;
    this.#redraw.request();
  }

  #draw() {
    const state = this.#store.lrFinder;
    const running = state.status === 'running';
    const blocked = this.#finder.blocked;
    this.#find.disabled = Boolean(blocked);
    this.#find.setAttribute('aria-busy', String(running));
    this.#find.textContent = running ? 'Finding a learning rate…' : 'Find a learning rate';
    $('lr-find-status').textContent = running
      ? 'Running the range test on a fresh network of these settings…'
      : blocked && blocked !== 'The range test is running…'
        ? blocked
        : '';
    const found = this.#finder.current;
    const config = this.#store.settings.config;
    const failed =
      state.status === 'error' && (state.errorKey === null || state.errorKey === (config && settingsKey(config)));
    $('lr-find-error').textContent = failed ? (state.error ?? '') : '';
    const box = $('lr-find-result');
    box.hidden = !found;
    if (!found) return;
    const eta = roundedEta(found.result.pick);
    this.#use.textContent = `Use η = ${eta}`;
    const inForm = config?.learningRate === eta;
    this.#use.disabled = inForm;
    $('lr-find-reason').textContent = `${shortMessage(found.result.reason)}${inForm ? ` The form’s η is ${eta}.` : ''}`;
    if (found !== this.#drawn) {
      this.#drawn = found;
      this.#chart(found);
      this.#table(found);
    }
  }

  /** @param {LrFinding} found */
  #chart(found) {
    const p = findingPoints(found.result);
    const container = $('lr-find-chart');
    const pick = p.rates.map((_, i) => (i === p.pickIndex ? (p.smoothed[i] ?? p.losses[i]) : null));
    const data = /** @type {uPlot.AlignedData} */ (/** @type {unknown} */ ([p.rates, p.smoothed, p.losses, pick]));
    if (!this.#plot) this.#plot = this.#makeChart(container);
    this.#range = lossRange(p.smoothed);
    this.#plot.setData(data);
    container.setAttribute(
      'aria-label',
      `Smoothed loss against the learning rate η, from ${sci(p.rates[0])} to ${sci(p.rates.at(-1))} over ` +
        `${count(p.rates.length)} batches; the pick, η = ${sci(found.result.pick)}, is marked. The table below has the points.`,
    );
  }

  /** @param {HTMLElement} container */
  #makeChart(container) {
    const width = Math.max(240, container.clientWidth || 320);
    const [x, y] = epochAxes({
      axis: cssVar('--fg-muted'),
      grid: cssVar('--grid'),
      xSize: 36,
      ySize: 56,
      values: (u, v) => v.map((t) => sci(t)),
    });
    const value = (u, v) => (v == null ? '–' : sci(v));
    const opts = {
      width,
      height: HEIGHT,
      scales: {
        x: { time: false, distr: 3 },
        y: { range: (u, min, max) => this.#range ?? [min, max] },
      },
      axes: [
        {
          ...x,
          label: 'learning rate η (log scale)',
          // Labels at the powers of ten only (the log axis splits between them too).
          values: (u, v) => v.map((t) => (Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9 ? sci(t, 1) : '')),
        },
        y,
      ],
      legend: { live: true },
      series: [
        { label: 'η', value },
        { label: 'smoothed loss', stroke: PALETTE[0].hex, width: 2, points: { show: false }, spanGaps: true, value },
        { label: 'batch loss', stroke: cssVar('--fg-muted'), width: 1, dash: [2, 3], points: { show: false }, value },
        {
          label: 'pick',
          stroke: PALETTE[1].hex,
          fill: PALETTE[1].hex,
          width: 2,
          points: { show: true, size: 11, fill: PALETTE[1].hex },
          value,
        },
      ],
    };
    return fittedPlot(opts, [[], [], [], []], container);
  }

  /** @param {LrFinding} found */
  #table(found) {
    const p = findingPoints(found.result);
    const rows = p.rates.map((rate, i) =>
      el(
        'tr',
        i === p.pickIndex ? { class: 'is-pick', 'aria-current': 'true' } : {},
        el('td', { text: String(i + 1) }),
        el('td', { text: sci(rate) }),
        el('td', { text: sci(p.losses[i], 4) }),
        el('td', { text: sci(p.smoothed[i], 4) }),
        el('td', { text: i === p.pickIndex ? 'pick' : '' }),
      ),
    );
    $('lr-find-table').replaceChildren(
      el(
        'table',
        { class: 'data-table' },
        el('caption', { text: `Range test: ${count(p.rates.length)} batches, η rising each batch` }),
        el(
          'thead',
          {},
          el('tr', {}, ...['batch', 'η', 'loss', 'smoothed loss', ''].map((t) => el('th', { scope: 'col', text: t }))),
        ),
        el('tbody', {}, ...rows),
      ),
    );
  }
}
