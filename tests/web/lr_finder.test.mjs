// web/page/lr_finder/lr_finder.js on a real SessionStore with a fake client
// and a fake key-value storage: the range test runs for the form's settings
// (a fresh network of them), its result goes to the store and to storage,
// comes back after a reload for the same settings (η aside), and failures and
// locks are said in short sentences.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SessionStore } from '../../web/page/app/session_store.js';
import {
  LrFinder,
  STORAGE_KEY,
  findingPoints,
  lossRange,
  roundedEta,
  settingsKey,
  shortMessage,
} from '../../web/page/lr_finder/lr_finder.js';

const RESULT = {
  rates: [1e-4, 1e-3, 1e-2, 1e-1],
  losses: [2.3, 2.2, 1.9, Infinity],
  smoothed: [2.3, 2.25, 2.1, NaN],
  pick: 0.0031622,
  pickIndex: 1,
  reason: 'the smoothed loss falls fastest around η = 3.2e-3',
};
const CONFIG = { layers: [784, 20, 10], learningRate: 0.001, batchSize: 128, optimizer: 'sgd' };

function setup({ fail = null, saved = undefined } = {}) {
  const store = new SessionStore();
  store.engine = /** @type {any} */ ({ schema: [] });
  store.data = { ...store.data, status: 'ready' };
  store.setSettings({ config: { ...CONFIG }, epochs: 1, schedule: { lrDecay: 1 }, errors: {} });
  const sent = [];
  const client = {
    async request(type, payload) {
      sent.push({ type, payload });
      if (fail) throw fail;
      return structuredClone(RESULT);
    },
  };
  const kv = new Map(saved ? [[STORAGE_KEY, saved]] : []);
  const storage = {
    getKey: async (k) => kv.get(k),
    setKey: async (k, v) => void kv.set(k, structuredClone(v)),
  };
  const topics = [];
  store.on('lrFinder', () => topics.push(store.lrFinder.status));
  return { store, sent, kv, storage, topics, finder: new LrFinder({ store, client, storage }) };
}

test('the range test runs for the form’s settings; its result is the store’s and is kept', async () => {
  const { store, sent, kv, topics, finder } = setup();
  assert.equal(finder.blocked, null);
  const found = await finder.find();
  assert.deepEqual(
    sent,
    [{ type: 'lrRangeTest', payload: { config: CONFIG } }],
    'a fresh network of the form’s settings; the engine’s defaults',
  );
  assert.deepEqual(topics, ['running', 'idle']);
  assert.equal(store.lrFinder.last, found);
  assert.equal(finder.current, found);
  assert.equal(kv.get(STORAGE_KEY).result.pick, RESULT.pick);
  // The form takes the pick: η changes, the result still holds (the test sweeps η).
  store.setSettings({ ...store.settings, config: { ...CONFIG, learningRate: roundedEta(RESULT.pick) } });
  assert.equal(finder.current, found);
  // Other settings: not this result.
  store.setSettings({ ...store.settings, config: { ...CONFIG, batchSize: 64 } });
  assert.equal(finder.current, null);
});

test('after a reload the kept result is shown again for the same settings', async () => {
  const first = setup();
  await first.finder.find();
  const { finder, store } = setup({ saved: first.kv.get(STORAGE_KEY) });
  assert.equal(finder.current, null, 'not before it is restored');
  await finder.restoreOnce();
  assert.equal(finder.current?.result.reason, RESULT.reason);
  assert.equal(store.lrFinder.status, 'idle');
});

test('a failing test says why in a sentence; locks and form errors keep it from running', async () => {
  const diverged = Object.assign(new Error('the range test diverged before the loss fell'), { kind: 'DivergedError' });
  const { finder, store, sent } = setup({ fail: diverged });
  assert.equal(await finder.find(), null);
  assert.equal(store.lrFinder.status, 'error');
  assert.equal(store.lrFinder.error, 'The range test diverged before the loss fell.');
  assert.equal(store.lrFinder.errorKey, settingsKey(CONFIG));
  store.setLock('The report’s experiments are training');
  assert.equal(finder.blocked, 'Not while the experiments train.');
  assert.equal(await finder.find(), null);
  assert.equal(sent.length, 1, 'nothing asked while the experiments train');
  store.setLock(null);
  store.setSettings({ config: null, epochs: null, schedule: null, errors: { layers: 'bad' } });
  assert.equal(finder.blocked, 'Fix the settings above first.');
});

test('the key leaves η out and does not depend on the fields’ order; points are finite or null', () => {
  assert.equal(settingsKey({ b: 1, a: 2, learningRate: 3 }), settingsKey({ a: 2, learningRate: 4, b: 1 }));
  assert.notEqual(settingsKey({ a: 1 }), settingsKey({ a: 2 }));
  assert.equal(roundedEta(0.0031622), 0.0032);
  const p = findingPoints(RESULT);
  assert.deepEqual(p.losses, [2.3, 2.2, 1.9, null]);
  assert.deepEqual(p.smoothed, [2.3, 2.25, 2.1, null]);
  assert.equal(shortMessage(new Error('start must be below end')), 'Start must be below end.');
  const [lo, hi] = lossRange(p.smoothed);
  assert.ok(
    Math.abs(lo - (2.1 - 0.01)) < 1e-12 && Math.abs(hi - (2.3 + 0.01)) < 1e-12,
    'the smoothed curve’s, 5 % wider',
  );
  assert.equal(lossRange([null]), null);
});
