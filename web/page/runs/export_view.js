// Export and import on the page (export.js does the formats): the runs
// ticked in the Share panel as CSV or JSON, the loss and accuracy charts as
// PNG or SVG, and an exported JSON file brought back as runs of the history,
// overlaid on the charts for comparison (a bad file gets a message that
// names its first problem). The list of runs follows the run history.
import { $, el } from '../ui/dom.js';
import { Redraw } from '../ui/redraw.js';
import { ImportError, chartSvg, parseRunsJson, runsToCsv, runsToJson } from './export.js';
import { download } from '../ui/download.js';
import { nextRunNumber } from './run_record.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Notices } from '../ui/notices.js'
 * @import { Visibility } from '../ui/redraw.js'
 * @import uPlot from '../../vendor/uPlot.esm.js'
 */

const TITLES = { loss: 'Loss', accuracy: 'Accuracy (%)' };

export class ExportView {
  #store;
  #notices;
  #plots;
  #selected = new Set();
  #known = new Set();
  #touched = new Set(); // runs the user ticked or unticked: left as they are

  /**
   * @param {{ store: SessionStore, notices: Notices, visibility: Visibility,
   *   plots: { loss: uPlot | null, accuracy: uPlot | null } }} parts
   *   plots: the training charts (exported as PNG or SVG)
   */
  constructor({ store, notices, visibility, plots }) {
    this.#store = store;
    this.#notices = notices;
    this.#plots = plots;
    $('btn-export-csv').addEventListener('click', () => this.#exportCsv());
    $('btn-export-json').addEventListener('click', () => this.#exportJson());
    $('import-file').addEventListener('change', (e) =>
      this.importFile(/** @type {HTMLInputElement} */ (e.target).files[0]),
    );
    for (const b of document.querySelectorAll('[data-chart][data-format]')) {
      const { chart, format } = /** @type {HTMLElement} */ (b).dataset;
      b.addEventListener('click', () => this.#exportChart(chart, format));
    }
    const redraw = new Redraw(() => this.render(), { visibility });
    store.onAny(['runs', 'epoch'], () => redraw.request());
    redraw.request();
  }

  /** The runs ticked for export, oldest first. */
  selectedRuns() {
    return this.#store.runs.list.filter((r) => this.#selected.has(r.id));
  }

  render() {
    const { runs } = this.#store;
    // An import is ticked when first seen, the current run whenever it is current (unless the user
    // ticked or unticked it).
    for (const r of runs.list) {
      if (!this.#known.has(r.id) && r.imported) this.#selected.add(r.id);
      this.#known.add(r.id);
    }
    if (runs.current && !this.#touched.has(runs.current.id)) this.#selected.add(runs.current.id);
    const items = [...runs.list].reverse().map((r) => {
      const id = `export-${r.id}`;
      return el(
        'div',
        { class: 'export-run' },
        el('input', {
          type: 'checkbox',
          id,
          checked: this.#selected.has(r.id),
          'data-run': r.id,
          onchange: (e) => {
            this.#touched.add(r.id);
            if (e.target.checked) this.#selected.add(r.id);
            else this.#selected.delete(r.id);
          },
        }),
        el('label', { for: id, text: `${r.label} (${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'})` }),
      );
    });
    $('export-runs').replaceChildren(...(items.length ? items : [el('p', { class: 'empty', text: 'No runs yet.' })]));
  }

  #status(text) {
    $('export-status').textContent = text;
  }

  #chosen() {
    this.render();
    const runs = this.selectedRuns();
    if (runs.length === 0) this.#status('Tick at least one run to export.');
    return runs;
  }

  #exportCsv() {
    const runs = this.#chosen();
    if (!runs.length) return;
    download('mnist-runs.csv', new Blob([runsToCsv(runs, this.#store.engine.schema)], { type: 'text/csv' }));
    this.#status(
      `Exported ${runs.length} run${runs.length > 1 ? 's' : ''} as CSV (${runs.reduce((n, r) => n + r.epochs.length, 0)} rows).`,
    );
  }

  #exportJson() {
    const runs = this.#chosen();
    if (!runs.length) return;
    download('mnist-runs.json', new Blob([runsToJson(runs)], { type: 'application/json' }));
    this.#status(`Exported ${runs.length} run${runs.length > 1 ? 's' : ''} as JSON.`);
  }

  /** Reads an exported JSON file back into the run history. */
  async importFile(file) {
    $('import-error').textContent = '';
    if (!file) return;
    const { runs, engine } = this.#store;
    const notices = this.#notices;
    try {
      if (!engine) throw new ImportError('the engine is not ready yet');
      const imported = parseRunsJson(await file.text(), engine.schema, { nextNumber: nextRunNumber(runs.list) });
      for (const run of imported) {
        runs.list.push(run);
        runs.setOverlay(run.id, true);
        await runs.persist(run);
      }
      this.#store.runsChanged();
      const text = `Imported ${imported.length} run${imported.length > 1 ? 's' : ''} from ${file.name}: ${imported.map((r) => r.label).join(', ')}; overlaid on the charts.`;
      this.#status(text);
      notices.announce(text);
    } catch (err) {
      const message = `Could not import ${file.name}: ${err instanceof ImportError ? err.message : `unexpected error (${err.message})`}.`;
      $('import-error').textContent = message;
      notices.announce(message);
    } finally {
      $('import-file', HTMLInputElement).value = '';
    }
  }

  #exportChart(metric, format) {
    const plot = this.#plots[metric];
    if (!plot) return;
    const name = `mnist-${metric}.${format}`;
    if (format === 'svg') {
      const series = plot.series.slice(1).map((s, i) => ({
        label: s.label,
        colour: typeof s.stroke === 'function' ? s.stroke(plot, i + 1) : s.stroke,
        dash: s.dash,
        xs: plot.data[0],
        ys: plot.data[i + 1] ?? [],
      }));
      const svg = chartSvg({ title: TITLES[metric], xLabel: 'epoch', yLabel: TITLES[metric], series });
      download(name, new Blob([svg], { type: 'image/svg+xml' }));
    } else {
      const src = plot.ctx.canvas;
      const out = document.createElement('canvas');
      out.width = src.width;
      out.height = src.height + 40;
      const ctx = out.getContext('2d');
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, out.width, out.height);
      ctx.fillStyle = '#111111';
      ctx.font = `${Math.round(16 * (devicePixelRatio || 1))}px system-ui, sans-serif`;
      ctx.fillText(TITLES[metric], 12, 26);
      ctx.drawImage(src, 0, 40);
      out.toBlob((blob) => blob && download(name, blob), 'image/png');
    }
    this.#status(`Saved the ${metric} chart as ${format.toUpperCase()}.`);
  }
}
