// The run's numbers as they come in: each chunk's and epoch's results go
// into the current run record, and this module draws them — the stats
// line, the loss/accuracy charts (at most 5 times a second), the epoch
// table and the confusion matrix — each epoch-end view in a task of its own.
import { State } from '../shared/protocol.js';
import { Charts } from './charts.js';
import { legendLabels } from './legend.js';
import { addEpoch, appendChunk } from './run_record.js';
import { later } from './tasks.js';
import { $, el, pct } from './viz.js';

/** Chart redraws while training: at most one per this many milliseconds. */
export const DRAW_INTERVAL_MS = 200;

export function fmtTime(ms) {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Stats {
  #app;
  #charts = null;
  #drawQueued = false;
  #lastDraw = 0;

  constructor(app) {
    this.#app = app;
  }

  /** The loss and accuracy charts (charts.js), for exporting them. */
  get charts() {
    return this.#charts;
  }

  setup() {
    this.#charts = new Charts($('chart-loss'), $('chart-acc'));
    this.#charts.onSchemeChange = () => {
      this.drawAll();
      this.#app.views.markWeightsStale();
      this.#app.views.refreshWeights();
    };
  }

  /** A `chunk` message. */
  onChunk(m) {
    const run = this.#app.runs.current;
    if (!run) return;
    const progress = appendChunk(run, m);
    this.#app.controls.chunkProgress(progress, m.samplesPerSecond);
    this.scheduleDraw();
  }

  /** An `epoch` message. */
  onEpoch(m) {
    const { runs, views, pad, runList, notices } = this.#app;
    const run = runs.current;
    if (!run) return;
    const entry = addEpoch(run, m);
    // Each view is drawn in its own task so that no single task on this thread
    // grows long (the page must stay responsive while the worker trains).
    // (Each only while the run is still the current one: an experiment queue moves on to its next run at once.)
    const current = () => runs.current === run;
    later(() => current() && this.#app.confusion.onEpoch(m));
    later(() => current() && this.#addEpochRow(entry));
    later(() => {
      views.markStale();
      views.refresh();
      pad.redraw();
    });
    later(() => runList.render());
    const said = [
      m.test ? `test accuracy ${pct(m.test.accuracy, 2)}` : null,
      m.validation ? `validation ${pct(m.validation.accuracy, 2)}` : null,
      m.trainSet ? `training set ${pct(m.trainSet.accuracy, 2)}` : null,
      m.test ? `loss ${m.test.loss.toFixed(4)}` : null,
    ].filter(Boolean);
    notices.announce(`Epoch ${m.epoch}${said.length ? `: ${said.join(', ')}` : ''}.`);
    this.scheduleDraw();
  }

  /** Redraws soon, at most every DRAW_INTERVAL_MS, in an animation frame. */
  scheduleDraw() {
    if (this.#drawQueued) return;
    this.#drawQueued = true;
    const wait = Math.max(0, DRAW_INTERVAL_MS - (performance.now() - this.#lastDraw));
    setTimeout(
      () =>
        requestAnimationFrame(() => {
          this.#drawQueued = false;
          this.#lastDraw = performance.now();
          this.drawAll();
        }),
      wait,
    );
  }

  /** The stats line and the charts (with the overlaid runs, named by what differs from the current one). */
  drawAll() {
    this.#app.slow.time('draw', () => {
      const { runs, controls } = this.#app;
      this.drawStats();
      const overlays = runs.overlaid();
      const named = runs.current ? [runs.current, ...overlays] : overlays;
      const labels = overlays.length
        ? legendLabels(named, { presets: controls.engine?.presets ?? [] }).slice(named.length - overlays.length)
        : [];
      this.#charts.update(runs.current, overlays, { labels, splits: runs.overlaySplits });
    });
  }

  drawStats() {
    const { controls, runs } = this.#app;
    const run = runs.current;
    const p = controls.trainer?.progress ?? run?.progress;
    const active = controls.state === State.RUNNING || controls.state === State.PAUSED;
    const target = active ? controls.targetEpoch : null;
    $('stat-epoch').textContent = p ? (target ? `${p.epoch} / ${target}` : String(p.epoch)) : '–';
    $('stat-batch').textContent = p ? `${p.batchInEpoch} / ${p.batchesPerEpoch}` : '–';
    $('stat-batch').dataset.step = p ? String(p.step) : '';
    $('stat-rate').textContent =
      controls.state === State.RUNNING && controls.samplesPerSecond
        ? Math.round(controls.samplesPerSecond).toLocaleString('en')
        : '–';
    $('stat-elapsed').textContent = run ? fmtTime(run.runMs ?? 0) : '–';
    // The latest epoch that evaluated each split (a queue's run may evaluate some only at its end).
    const v = run?.epochs.findLast((x) => x.validation);
    const e = run?.epochs.findLast((x) => x.test);
    $('stat-val').textContent = v ? pct(v.validation.accuracy, 2) : '–';
    $('stat-test').textContent = e ? pct(e.test.accuracy, 2) : '–';
    $('stat-test').dataset.value = e ? String(e.test.accuracy) : '';
  }

  /** The epoch table and the confusion matrix of the current run, from scratch; then the charts. */
  resetViews() {
    const run = this.#app.runs.current;
    $('epoch-table').tBodies[0].replaceChildren();
    for (const e of run?.epochs ?? []) this.#addEpochRow(e);
    this.#app.confusion.reset(run);
    this.#app.inspector?.resetRun(run);
    this.drawAll();
  }

  #addEpochRow(e) {
    const f = (x, d = 4) => (x == null ? '–' : x.toFixed(d));
    const tr = el(
      'tr',
      {},
      el('th', { scope: 'row', text: String(e.epoch) }),
      el('td', { text: f(e.train?.loss) }),
      el('td', { text: e.train ? pct(e.train.accuracy, 2) : '–' }),
      el('td', { text: f(e.trainSet?.loss) }),
      el('td', { text: e.trainSet ? pct(e.trainSet.accuracy, 2) : '–' }),
      el('td', { text: f(e.validation?.loss) }),
      el('td', { text: e.validation ? pct(e.validation.accuracy, 2) : '–' }),
      el('td', { text: f(e.test?.loss) }),
      el('td', { text: e.test ? pct(e.test.accuracy, 2) : '–' }),
      el('td', { text: fmtTime(e.runMs ?? 0) }),
    );
    $('epoch-table').tBodies[0].append(tr);
  }
}
