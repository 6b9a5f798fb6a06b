// web/page/report/experiment_choices.js: the Experiments form's choices kept
// over a reload. A valid record comes back as saved; each field that is not
// valid (out of range, of the wrong type, unknown) falls back to its default
// on its own; a record that is not an object, or no IndexedDB, gives the
// defaults; a save writes only valid fields, merged into what was saved.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CHOICES_KEY, StoredChoices, restoredChoices, validChoices } from '../../web/page/report/experiment_choices.js';
import {
  EXPERIMENT_EPOCHS,
  EXPERIMENT_SEEDS,
  REPORT_EXPERIMENTS,
  defaultEpochs,
} from '../../web/page/report/experiment_plan.js';
import {
  COST_AXES,
  MAX_DEPTH,
  MAX_NETWORKS,
  MAX_WIDTH,
  SWEEP_DEPTHS,
  SWEEP_EPOCHS,
  SWEEP_ID,
  SWEEP_WIDTHS,
} from '../../web/page/report/sweep_study.js';
import * as storage from '../../web/page/runs/storage.js';
import { FakeIndexedDB } from './fake_indexeddb.mjs';

const DEFAULTS = Object.freeze({
  experiment: REPORT_EXPERIMENTS[0].id,
  epochs: EXPERIMENT_EPOCHS.default,
  seeds: EXPERIMENT_SEEDS.default,
  evaluation: 'figures',
  grid: { widths: [...SWEEP_WIDTHS], depths: [...SWEEP_DEPTHS] },
  axis: COST_AXES[0].id,
});

const SAVED = Object.freeze({
  experiment: SWEEP_ID,
  epochs: 3,
  seeds: 3,
  evaluation: 'all',
  grid: { widths: [32, 64, 128], depths: [1, 2] },
  axis: 'parameters',
});

/** A key-value store in memory (runs/storage.js's getKey / setKey). */
function memoryKv(initial = {}) {
  const data = new Map(Object.entries(structuredClone(initial)));
  const writes = [];
  return {
    data,
    writes,
    async getKey(key) {
      return structuredClone(data.get(key));
    },
    async setKey(key, value) {
      writes.push(structuredClone(value));
      data.set(key, structuredClone(value));
    },
  };
}

test('a valid record comes back as saved', async () => {
  assert.deepEqual(restoredChoices(structuredClone(SAVED)), SAVED);
  const choices = new StoredChoices(memoryKv({ [CHOICES_KEY]: SAVED }));
  assert.deepEqual(await choices.load(), SAVED);
});

test('nothing saved: the defaults, the epochs the chosen experiment’s own', () => {
  assert.deepEqual(restoredChoices(undefined), DEFAULTS);
  assert.deepEqual(restoredChoices({}), DEFAULTS);
  // A study with epochs of its own: they, unless epochs were saved.
  assert.equal(restoredChoices({ experiment: SWEEP_ID }).epochs, SWEEP_EPOCHS);
  assert.equal(defaultEpochs(SWEEP_ID), SWEEP_EPOCHS);
  assert.equal(restoredChoices({ experiment: SWEEP_ID, epochs: 7 }).epochs, 7);
  assert.equal(restoredChoices({ experiment: SWEEP_ID, epochs: 0 }).epochs, SWEEP_EPOCHS);
});

test('each field that is not valid falls back to its default on its own', () => {
  const bad = {
    experiment: ['no-such-experiment', '', 3, null, { id: SWEEP_ID }, '__proto__'],
    epochs: [0, EXPERIMENT_EPOCHS.max + 1, 2.5, '3', NaN, Infinity, -1, null, [3]],
    seeds: [0, EXPERIMENT_SEEDS.max + 1, 1.5, '2', NaN, null, true],
    evaluation: ['some', '', 0, null, ['all']],
    grid: [
      null,
      'w8-d1',
      [8, 16],
      { widths: [8, 16] },
      { widths: [], depths: [1] },
      { widths: [8], depths: [0] },
      { widths: [8], depths: [MAX_DEPTH + 1] },
      { widths: [MAX_WIDTH + 1], depths: [1] },
      { widths: [8.5], depths: [1] },
      { widths: ['8 16'], depths: [1] },
      { widths: [8], depths: ['1'] },
      { widths: Array.from({ length: MAX_NETWORKS + 1 }, (_, i) => i + 1), depths: [1] },
      { widths: [8], depths: [Infinity] },
    ],
    axis: ['joules', '', null, 1, ['flops']],
  };
  for (const [field, values] of Object.entries(bad))
    for (const value of values) {
      const record = { ...structuredClone(SAVED), [field]: value };
      const expected = { ...structuredClone(SAVED), [field]: DEFAULTS[field] };
      // Only the experiment falls back: the saved epochs stand. Only the epochs: the saved experiment's own.
      if (field === 'experiment') expected.epochs = SAVED.epochs;
      if (field === 'epochs') expected.epochs = SWEEP_EPOCHS;
      assert.deepEqual(restoredChoices(record), expected, `${field}: ${JSON.stringify(value)}`);
      assert.equal(field in validChoices(record), false, `${field}: ${JSON.stringify(value)}`);
    }
});

test('a saved grid is read as the panel reads it: sorted, each once', () => {
  assert.deepEqual(restoredChoices({ grid: { widths: [64, 32, 64], depths: [2, 1] } }).grid, {
    widths: [32, 64],
    depths: [1, 2],
  });
});

test('a record that is not an object gives the defaults', () => {
  for (const record of [null, undefined, 'sweep', 42, true, [SAVED], () => SAVED])
    assert.deepEqual(restoredChoices(record), DEFAULTS, String(record));
  // Fields inherited, not its own, are not read.
  assert.deepEqual(restoredChoices(Object.create(SAVED)), DEFAULTS);
});

test('a store that cannot be read gives the defaults', async () => {
  const failing = { getKey: async () => Promise.reject(new Error('no')), setKey: async () => {} };
  assert.deepEqual(await new StoredChoices(failing).load(), DEFAULTS);
});

test('without IndexedDB (runs/storage.js): the defaults, and a save fails soft', async (t) => {
  storage.useIndexedDB(null);
  t.mock.method(console, 'warn', () => {});
  const choices = new StoredChoices(storage);
  assert.deepEqual(await choices.load(), DEFAULTS);
  await choices.save({ seeds: 2 });
  await choices.save({ seeds: 3 });
  assert.equal(/** @type {any} */ (console.warn).mock.callCount(), 1, 'said once');
});

test('with IndexedDB (runs/storage.js): saved choices come back after a reload', async () => {
  const idb = new FakeIndexedDB();
  storage.useIndexedDB(idb);
  const before = new StoredChoices(storage);
  await before.save({ experiment: SWEEP_ID, epochs: 3, seeds: 3, evaluation: 'all' });
  await before.save({ grid: { widths: [32, 64, 128], depths: [1, 2] } });
  await before.save({ axis: 'parameters' });
  storage.useIndexedDB(idb); // a reload: the database opened again
  assert.deepEqual(await new StoredChoices(storage).load(), SAVED);
});

test('a save writes only the valid fields, merged into what was saved', async () => {
  const kv = memoryKv({ [CHOICES_KEY]: SAVED });
  const choices = new StoredChoices(kv);
  // Not awaited one by one: each record written holds the earlier saves.
  await Promise.all([
    choices.save({ seeds: 2, epochs: 0 }),
    choices.save({ grid: { widths: [8], depths: [0] }, axis: 'seconds' }),
    choices.save({ evaluation: 'nonsense' }),
  ]);
  const expected = { ...SAVED, seeds: 2, axis: 'seconds' };
  assert.deepEqual(kv.data.get(CHOICES_KEY), expected);
  assert.deepEqual(kv.writes, [
    { ...SAVED, seeds: 2 },
    { ...SAVED, seeds: 2, axis: 'seconds' },
  ]);
  assert.deepEqual(await choices.load(), expected);
  assert.deepEqual(await new StoredChoices(kv).load(), expected);
});

test('a hostile record saved is cleaned on the next save', async () => {
  const kv = memoryKv({ [CHOICES_KEY]: { ...SAVED, seeds: 1e9, extra: 'x'.repeat(10) } });
  await new StoredChoices(kv).save({ axis: 'flops' });
  const { seeds: _, ...rest } = SAVED;
  assert.deepEqual(kv.data.get(CHOICES_KEY), { ...rest, axis: 'flops' });
});
