// Runs and charts leaving the page, and runs coming back: CSV (one row per
// run × epoch), JSON (configuration, per-epoch results and per-batch
// curves; importable), and a chart as SVG. Pure functions (no DOM),
// unit-tested under Node; export_view.js offers them on the page. A run's
// settings are the ones it started with; its live changes go with them
// (CSV: those in effect by each epoch's end; JSON: all of them).
import { checkValue, fieldOf } from '../../shared/config_fields.js';
import { changesText } from './legend.js';
import { DYNAMICS_FIELDS, RECORD_FIELDS, deserialiseRun, emptyEma, smooth } from './run_record.js';

export const RUNS_FORMAT = 'mnist-mlp-runs';
export const RUNS_VERSION = 1;

const csvCell = (v) => {
  const s = v == null ? '' : Array.isArray(v) ? v.join('-') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * What a run of an experiment queue carries (run.experiment, report/experiments.js) as CSV columns:
 * [column, field]. Empty for other runs. The JSON export holds the whole run.experiment.
 */
export const EXPERIMENT_COLUMNS = Object.freeze([
  ['experiment', 'experiment'],
  ['experiment_key', 'key'],
  ['reading', 'reading'],
  ['experiment_seed', 'seed'],
]);

/**
 * The CSV columns: the run, the experiment it belongs to (EXPERIMENT_COLUMNS), its configuration (the
 * schema's fields, then lrDecay), the epoch's results
 * (train: the batches' means; train_set: the training images evaluated after the epoch, when they were).
 */
export function csvColumns(schema) {
  return [
    'run',
    'label',
    'source',
    ...EXPERIMENT_COLUMNS.map(([column]) => column),
    ...schema.map((f) => f.jsName),
    'lrDecay',
    'changes',
    'epoch',
    'step',
    'train_loss',
    'train_accuracy',
    'train_set_loss',
    'train_set_accuracy',
    'validation_loss',
    'validation_accuracy',
    'test_loss',
    'test_accuracy',
    'elapsed_s',
  ];
}

/** One row per run × epoch; accuracies as fractions in [0, 1], elapsed in seconds of the run's running time. */
export function runsToCsv(runs, schema) {
  const columns = csvColumns(schema);
  const lines = [columns.join(',')];
  for (const r of runs) {
    for (const e of r.epochs) {
      const m = (split, key) => e[split]?.[key] ?? null;
      const row = [
        r.number ?? '',
        r.label,
        r.source ?? '',
        ...EXPERIMENT_COLUMNS.map(([, field]) => r.experiment?.[field]),
        ...schema.map((f) => r.config?.[f.jsName]),
        r.schedule?.lrDecay ?? 1,
        changesText({ ...r, changes: (r.changes ?? []).filter((c) => c.step < e.step) }),
        e.epoch,
        e.step,
        m('train', 'loss'),
        m('train', 'accuracy'),
        m('trainSet', 'loss'),
        m('trainSet', 'accuracy'),
        m('validation', 'loss'),
        m('validation', 'accuracy'),
        m('test', 'loss'),
        m('test', 'accuracy'),
        e.runMs == null ? '' : e.runMs / 1000,
      ];
      lines.push(row.map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A small CSV reader (quoted cells, "" escapes): rows of strings. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') ((cell += '"'), i++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(cell), (cell = ''));
    else if (c === '\n') (row.push(cell), rows.push(row), (row = []), (cell = ''));
    else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length) (row.push(cell), rows.push(row));
  return rows;
}

/**
 * The runs as a JSON document: the experiment a run belongs to (run.experiment: its id, key, reading,
 * seed, queue), configuration, schedule, per-epoch results, per-batch curves, layer health, and how each
 * layer learned (dynamics, with each record's batch size, loss, gradient and step norms).
 */
export function runsToJson(runs, { exportedAt = new Date().toISOString() } = {}) {
  const doc = {
    format: RUNS_FORMAT,
    version: RUNS_VERSION,
    exportedAt,
    runs: runs.map((r) => ({
      label: r.label,
      number: r.number,
      createdAt: r.createdAt,
      source: r.source ?? null,
      experiment: r.experiment ?? null,
      config: r.config,
      schedule: r.schedule ?? { lrDecay: 1 },
      changes: r.changes ?? [],
      runMs: r.runMs ?? 0,
      progress: r.progress ?? null,
      epochs: r.epochs,
      batches: { x: Array.from(r.x), loss: Array.from(r.loss), accuracy: Array.from(r.accuracy) },
      classes: r.classes ?? null,
      confusion: r.confusion ? Array.from(r.confusion) : null,
      health: r.health ?? [],
      dynamics: dynamicsJson(r.dynamics),
    })),
  };
  return JSON.stringify(doc);
}

/**
 * A run's dynamics as plain lists (NaN, a value not recorded, as null): steps, each record's batchSize,
 * loss, gradNorm, stepNorm, and per layer its DYNAMICS_FIELDS; null without any.
 * @param {import('./run_record.js').Dynamics | undefined} d
 */
function dynamicsJson(d) {
  if (!d || d.steps.length === 0) return null;
  const list = (a) => Array.from(a ?? [], (v) => (Number.isFinite(v) ? v : null));
  return {
    steps: Array.from(d.steps),
    ...Object.fromEntries(RECORD_FIELDS.map((f) => [f, list(d[f])])),
    layers: d.layers.map((l) => Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, list(l[f])]))),
  };
}

/** An imported run's dynamics, checked (lists as long as its steps), or undefined when it has none. */
function checkDynamics(d, where) {
  if (d === null || d === undefined) return undefined;
  const bad = (what) => new ImportError(`${where}: dynamics${what}`);
  if (!isObject(d) || !Array.isArray(d.steps) || !Array.isArray(d.layers))
    throw bad(' must hold the lists steps and layers');
  if (!d.steps.every((s) => Number.isInteger(s) && s >= 0)) throw bad('.steps must be whole numbers ≥ 0');
  const n = d.steps.length;
  const numbers = (a, at) => {
    if (!Array.isArray(a) || a.length !== n) throw bad(`${at} must be a list as long as steps (${n})`);
    if (!a.every((v) => v === null || finite(v))) throw bad(`${at} holds something that is not a number`);
    return a.map((v) => v ?? NaN);
  };
  return {
    steps: d.steps,
    ...Object.fromEntries(RECORD_FIELDS.map((f) => [f, d[f] === undefined ? undefined : numbers(d[f], `.${f}`)])),
    layers: d.layers.map((l, k) => {
      if (!isObject(l)) throw bad(`.layers[${k}] is not an object`);
      return Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, numbers(l[f], `.layers[${k}].${f}`)]));
    }),
  };
}

/** An import that cannot be used: message says exactly what is wrong. */
export class ImportError extends Error {
  name = 'ImportError';
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const finite = (v) => typeof v === 'number' && Number.isFinite(v);

function checkMetrics(m, where, { nullable }) {
  if (m === null || m === undefined) {
    if (nullable) return null;
    throw new ImportError(`${where} is missing`);
  }
  if (!isObject(m)) throw new ImportError(`${where} must be an object with loss, accuracy and count`);
  if (!finite(m.loss) || m.loss < 0) throw new ImportError(`${where}.loss must be a number ≥ 0`);
  if (!finite(m.accuracy) || m.accuracy < 0 || m.accuracy > 1)
    throw new ImportError(`${where}.accuracy must be a number between 0 and 1`);
  if (m.count !== undefined && !(Number.isInteger(m.count) && m.count >= 0))
    throw new ImportError(`${where}.count must be a whole number ≥ 0`);
  return { loss: m.loss, accuracy: m.accuracy, count: m.count ?? 0 };
}

function checkRun(r, n, schema) {
  const where = `run ${n}`;
  if (!isObject(r)) throw new ImportError(`${where} is not an object`);
  if (typeof r.label !== 'string' || r.label === '') throw new ImportError(`${where} has no label`);
  if (!isObject(r.config)) throw new ImportError(`${where} (“${r.label}”) has no config object`);
  const config = {};
  for (const [k, v] of Object.entries(r.config)) {
    const field = fieldOf(schema, k);
    if (!field) throw new ImportError(`${where} (“${r.label}”): config.${k} is not a setting of this engine`);
    const problem = checkValue(field, v);
    if (problem) throw new ImportError(`${where} (“${r.label}”): config.${k}: ${problem}`);
    config[k] = v;
  }
  for (const f of schema) if (!(f.jsName in config)) config[f.jsName] = structuredClone(f.default);
  const decay = r.schedule?.lrDecay ?? 1;
  if (!finite(decay) || decay <= 0 || decay > 1)
    throw new ImportError(`${where} (“${r.label}”): schedule.lrDecay must be in (0, 1]`);
  if (!Array.isArray(r.epochs)) throw new ImportError(`${where} (“${r.label}”): epochs must be a list`);
  const epochs = r.epochs.map((e, i) => {
    const at = `${where} (“${r.label}”): epochs[${i}]`;
    if (!isObject(e)) throw new ImportError(`${at} is not an object`);
    if (!Number.isInteger(e.epoch) || e.epoch < 1) throw new ImportError(`${at}.epoch must be a whole number ≥ 1`);
    if (e.runMs !== undefined && !(finite(e.runMs) && e.runMs >= 0))
      throw new ImportError(`${at}.runMs must be a number ≥ 0`);
    return {
      epoch: e.epoch,
      x: finite(e.x) ? e.x : e.epoch,
      step: Number.isInteger(e.step) ? e.step : 0,
      train: checkMetrics(e.train, `${at}.train`, { nullable: true }),
      validation: checkMetrics(e.validation, `${at}.validation`, { nullable: true }),
      test: checkMetrics(e.test, `${at}.test`, { nullable: false }),
      runMs: e.runMs ?? 0,
    };
  });
  const changes = r.changes ?? [];
  if (!Array.isArray(changes)) throw new ImportError(`${where} (“${r.label}”): changes must be a list`);
  changes.forEach((c, i) => {
    const at = `${where} (“${r.label}”): changes[${i}]`;
    if (!isObject(c) || typeof c.field !== 'string') throw new ImportError(`${at} must be an object with a field`);
    for (const k of ['step', 'epoch', 'batchInEpoch'])
      if (!(Number.isInteger(c[k]) && c[k] >= 0)) throw new ImportError(`${at}.${k} must be a whole number ≥ 0`);
    if (!finite(c.x)) throw new ImportError(`${at}.x must be a number`);
  });
  const b = r.batches ?? { x: [], loss: [], accuracy: [] };
  if (!isObject(b) || !['x', 'loss', 'accuracy'].every((k) => Array.isArray(b[k])))
    throw new ImportError(`${where} (“${r.label}”): batches must hold the lists x, loss and accuracy`);
  if (b.loss.length !== b.x.length || b.accuracy.length !== b.x.length)
    throw new ImportError(`${where} (“${r.label}”): batches.x, loss and accuracy must have the same length`);
  for (const k of ['x', 'loss', 'accuracy'])
    if (!b[k].every((v) => finite(v) || v === null))
      throw new ImportError(`${where} (“${r.label}”): batches.${k} holds something that is not a number`);
  return {
    label: r.label,
    createdAt: finite(r.createdAt) ? r.createdAt : Date.now(),
    source: typeof r.source === 'string' ? r.source : 'imported',
    config,
    schedule: { lrDecay: decay },
    changes: changes.map(({ step, epoch, batchInEpoch, x, field, from, to }) => ({
      step,
      epoch,
      batchInEpoch,
      x,
      field,
      from,
      to,
    })),
    runMs: finite(r.runMs) ? r.runMs : (epochs.at(-1)?.runMs ?? 0),
    progress: isObject(r.progress) ? r.progress : null,
    epochs,
    x: b.x.map((v) => v ?? NaN),
    loss: b.loss.map((v) => v ?? NaN),
    accuracy: b.accuracy.map((v) => v ?? NaN),
    classes: Number.isInteger(r.classes) ? r.classes : null,
    confusion: Array.isArray(r.confusion) ? Int32Array.from(r.confusion) : null,
    health: Array.isArray(r.health) ? r.health : [],
    dynamics: checkDynamics(r.dynamics, `${where} (“${r.label}”)`),
  };
}

/**
 * Reads an exported JSON file back: run records ready for the run history
 * (new ids and numbers from `nextNumber` on, stepOffset 0). Throws an
 * ImportError that names the first problem.
 */
export function parseRunsJson(text, schema, { nextNumber = 1, now = Date.now() } = {}) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ImportError(`it is not JSON (${err.message})`);
  }
  if (!isObject(doc) || doc.format !== RUNS_FORMAT)
    throw new ImportError(`it is not a runs file of this page (its "format" should be "${RUNS_FORMAT}")`);
  if (doc.version !== RUNS_VERSION)
    throw new ImportError(`its version ${JSON.stringify(doc.version)} is not one this page reads (${RUNS_VERSION})`);
  if (!Array.isArray(doc.runs) || doc.runs.length === 0) throw new ImportError('it holds no runs');
  return doc.runs.map((r, i) => {
    const run = checkRun(r, i + 1, schema);
    const number = nextNumber + i;
    const ema = emptyEma();
    const smoothed = run.loss.map((loss, j) => smooth(ema, loss, run.accuracy[j]));
    return deserialiseRun({
      ...run,
      id: `run-${now}-import-${i}-${Math.floor(Math.random() * 1e6)}`,
      number,
      imported: true,
      stepOffset: 0,
      emaLoss: smoothed.map((m) => m.loss),
      emaAccuracy: smoothed.map((m) => m.accuracy),
    });
  });
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceTicks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * A line chart as a standalone SVG document. series: [{ label, colour, dash?,
 * xs, ys }] (null ys are gaps); the axes span the data.
 */
export function chartSvg({ title, xLabel, yLabel, series, width = 720, height = 360 }) {
  const pad = { left: 64, right: 16, top: 36, bottom: 48 + 18 * Math.ceil(series.length / 3) };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const xsAll = series.flatMap((s) => s.xs.filter((x, i) => s.ys[i] != null && Number.isFinite(s.ys[i])));
  const ysAll = series.flatMap((s) => s.ys.filter((y) => y != null && Number.isFinite(y)));
  const x0 = Math.min(0, ...xsAll);
  const x1 = Math.max(1, ...xsAll);
  const y0 = ysAll.length ? Math.min(...ysAll) : 0;
  const y1 = ysAll.length ? Math.max(...ysAll) : 1;
  const yLo = y0 === y1 ? y0 - 1 : y0;
  const yHi = y0 === y1 ? y1 + 1 : y1;
  const px = (x) => pad.left + ((x - x0) / (x1 - x0)) * w;
  const py = (y) => pad.top + h - ((y - yLo) / (yHi - yLo)) * h;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${pad.left}" y="20" font-size="15" font-weight="600" fill="#111">${esc(title)}</text>`,
  ];
  for (const t of niceTicks(yLo, yHi)) {
    parts.push(
      `<line x1="${pad.left}" x2="${pad.left + w}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" stroke="#e5e7eb"/>`,
    );
    parts.push(
      `<text x="${pad.left - 6}" y="${(py(t) + 4).toFixed(1)}" text-anchor="end" fill="#374151">${esc(t)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(
      `<line x1="${px(t).toFixed(1)}" x2="${px(t).toFixed(1)}" y1="${pad.top}" y2="${pad.top + h}" stroke="#f3f4f6"/>`,
    );
    parts.push(
      `<text x="${px(t).toFixed(1)}" y="${pad.top + h + 16}" text-anchor="middle" fill="#374151">${esc(t)}</text>`,
    );
  }
  parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${w}" height="${h}" fill="none" stroke="#9ca3af"/>`);
  parts.push(
    `<text x="${pad.left + w / 2}" y="${pad.top + h + 34}" text-anchor="middle" fill="#111">${esc(xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${pad.top + h / 2}) rotate(-90)" text-anchor="middle" fill="#111">${esc(yLabel)}</text>`,
  );
  series.forEach((s, k) => {
    let d = '';
    let pen = false;
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i];
      if (y == null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(s.xs[i]).toFixed(1)} ${py(y).toFixed(1)}`;
      pen = true;
    }
    const dash = s.dash ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    if (d)
      parts.push(
        `<path d="${d}" fill="none" stroke="${esc(s.colour)}" stroke-width="1.75"${dash}><title>${esc(s.label)}</title></path>`,
      );
    const lx = pad.left + (k % 3) * (w / 3);
    const ly = pad.top + h + 52 + 18 * Math.floor(k / 3);
    parts.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${esc(s.colour)}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 24}" y="${ly}" fill="#111">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
