// The Experiments form's choices as this browser keeps them, so that a
// reload finds the form as the user left it: the experiment, the epochs and
// seeds per run, what each epoch evaluates, the sweep's grid and its cost
// axis. One record in the page's key-value store (runs/storage.js); only
// valid values are written, and a record read back (stale, or written by
// someone else) is checked field by field against the form's own ranges:
// a field that is not valid is dropped and its default used. Fails soft:
// without IndexedDB the form starts from its defaults.
//
//   'experimentChoices'  { experiment, epochs, seeds, evaluation, grid: { widths, depths }, axis }
import { checkValue } from '../../shared/config_fields.js';
import { EVALUATIONS, EXPERIMENT_EPOCHS, EXPERIMENT_SEEDS, allExperiments, defaultEpochs } from './experiment_plan.js';
import { COST_AXES, SWEEP_DEPTHS, SWEEP_WIDTHS, parseGrid } from './sweep_study.js';

/**
 * @import { KeyValue } from '../lr_finder/lr_finder.js'
 * @import { SweepGrid } from './sweep_study.js'
 */
/**
 * The form's choices: evaluation one of EVALUATIONS, axis one of COST_AXES' ids.
 * @typedef {{ experiment: string, epochs: number, seeds: number, evaluation: string, grid: SweepGrid,
 *   axis: string }} ExperimentChoices
 */
/**
 * What a view is given: the saved choices (every field valid, defaults where nothing valid was saved),
 * and a way to save some of them (those not valid are not saved).
 * @typedef {{ load(): Promise<ExperimentChoices>, save(part: Partial<Record<keyof ExperimentChoices, unknown>>):
 *   Promise<void> }} ChoicesPort
 */

/** The IndexedDB key-value key of the record. */
export const CHOICES_KEY = 'experimentChoices';

/** A saved grid as the sweep panel's fields would read it (parseGrid: sorted, each once), or undefined. */
function validGrid(/** @type {any} */ v) {
  const list = (/** @type {unknown} */ xs) => Array.isArray(xs) && xs.every((x) => typeof x === 'number');
  if (!v || typeof v !== 'object' || !list(v.widths) || !list(v.depths)) return undefined;
  const parsed = parseGrid(v.widths.join(' '), v.depths.join(' '));
  return 'grid' in parsed ? parsed.grid : undefined;
}

/** Each field's check: the value as the form takes it, or undefined when it is not valid. */
const FIELDS = Object.freeze({
  experiment: (v) => (allExperiments().some((x) => x.id === v) ? v : undefined),
  epochs: (v) => (checkValue(EXPERIMENT_EPOCHS, v) === null ? v : undefined),
  seeds: (v) => (checkValue(EXPERIMENT_SEEDS, v) === null ? v : undefined),
  evaluation: (v) => (EVALUATIONS.includes(v) ? v : undefined),
  grid: validGrid,
  axis: (v) => (COST_AXES.some((a) => a.id === v) ? v : undefined),
});

/**
 * The valid fields of a record (anything: what IndexedDB held, or what the form has now); the others left out.
 * @param {unknown} record
 * @returns {Partial<ExperimentChoices>}
 */
export function validChoices(record) {
  if (!record || typeof record !== 'object' || Array.isArray(record)) return {};
  /** @type {Record<string, any>} */
  const out = {};
  for (const [name, check] of Object.entries(FIELDS)) {
    if (!Object.hasOwn(record, name)) continue;
    const value = check(/** @type {Record<string, any>} */ (record)[name]);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The form's choices from a saved record: each valid field as saved, each other its default — the epochs
 * the chosen experiment's own (defaultEpochs) unless valid epochs were saved.
 * @param {unknown} record
 * @returns {ExperimentChoices}
 */
export function restoredChoices(record) {
  const saved = validChoices(record);
  const experiment = saved.experiment ?? allExperiments()[0].id;
  return {
    experiment,
    epochs: saved.epochs ?? defaultEpochs(experiment),
    seeds: saved.seeds ?? EXPERIMENT_SEEDS.default,
    evaluation: saved.evaluation ?? EVALUATIONS[0],
    grid: saved.grid ?? { widths: [...SWEEP_WIDTHS], depths: [...SWEEP_DEPTHS] },
    axis: saved.axis ?? COST_AXES[0].id,
  };
}

/**
 * The record in a key-value store (runs/storage.js): read once, then each save merges its valid fields into
 * what was saved and writes the whole record at once (a reload right after a change finds it).
 * @implements {ChoicesPort}
 */
export class StoredChoices {
  #kv;
  /** @type {Promise<Partial<ExperimentChoices>> | null} the valid fields saved */
  #saved = null;
  #warned = false;

  /** @param {KeyValue} kv */
  constructor(kv) {
    this.#kv = kv;
  }

  #read() {
    this.#saved ??= this.#kv.getKey(CHOICES_KEY).then(validChoices, () => ({}));
    return this.#saved;
  }

  /** @returns {Promise<ExperimentChoices>} */
  async load() {
    return restoredChoices(await this.#read());
  }

  /** @param {Partial<Record<keyof ExperimentChoices, unknown>>} part */
  async save(part) {
    const valid = validChoices(part);
    if (Object.keys(valid).length === 0) return;
    // Merged in the order the saves were asked for: the record each writes holds every earlier one.
    const next = this.#read().then((saved) => ({ ...saved, ...valid }));
    this.#saved = next;
    try {
      await this.#kv.setKey(CHOICES_KEY, await next);
    } catch (err) {
      if (!this.#warned) console.warn('could not save the experiment form’s choices', err);
      this.#warned = true;
    }
  }
}
