// web/page/runs/storage.js on a fake IndexedDB (fake_indexeddb.mjs): a checkpoint
// is one transaction, run record first and the current-run pointer last; a
// tab closed mid-write keeps the previous checkpoint whole; a full quota and
// a missing IndexedDB reject with a StorageError that says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DYNAMICS_FIELDS,
  RECORD_FIELDS,
  appendChunk,
  appendDynamics,
  assembleRun,
  createRun,
  runHeader,
  runSegment,
} from '../../web/page/runs/run_record.js';
import * as storage from '../../web/page/runs/storage.js';
import { FakeIndexedDB } from './fake_indexeddb.mjs';

const model = (step, size = 100) => ({
  bytes: new ArrayBuffer(size),
  runId: 'run-1',
  progress: { step },
  data: { kind: 'mnist', id: 'MNIST' },
});
// A run's part of a checkpoint: its header and the segment of points since its last save.
const run = (step, seq = 0) => ({
  header: { id: 'run-1', createdAt: 1, progress: { step }, segmentCount: seq + 1 },
  segment: { runId: 'run-1', seq, from: 0, epochsFrom: 0, points: { x: new Float64Array(step) }, epochs: [] },
});

test('a checkpoint is written in one transaction: the run first, the model, the pointer last', async () => {
  const idb = new FakeIndexedDB();
  storage.useIndexedDB(idb);
  await storage.saveCheckpoint({ runs: [run(5)], model: model(5) });
  assert.deepEqual(idb.commits, [
    { store: 'runs', op: 'put', key: 'run-1' },
    { store: 'segments', op: 'put', key: 'run-1/000000' },
    { store: 'kv', op: 'put', key: 'model' },
    { store: 'kv', op: 'put', key: 'currentRun' },
  ]);
  assert.equal((await storage.getKey('model')).progress.step, 5);
  assert.deepEqual((await storage.getKey('model')).data, { kind: 'mnist', id: 'MNIST' });
  assert.equal(await storage.getKey('currentRun'), 'run-1');
  const [stored] = await storage.listRuns();
  assert.equal(stored.header.progress.step, 5);
  assert.equal(stored.segments[0].points.x.length, 5);
});

test('a run’s segments come back in order with its header; deleting the run deletes them', async () => {
  const idb = new FakeIndexedDB();
  storage.useIndexedDB(idb);
  await storage.saveCheckpoint({ runs: [run(5, 0)], model: model(5) });
  await storage.saveCheckpoint({ runs: [run(9, 1)], model: model(9) });
  await storage.putRun({ header: { id: 'run-2', createdAt: 0, progress: { step: 1 } } });
  const runs = await storage.listRuns();
  assert.deepEqual(
    runs.map((r) => [r.header.id, r.segments.map((s) => s.seq)]),
    [
      ['run-2', []],
      ['run-1', [0, 1]],
    ],
    'oldest first, each with its segments in the order they were written',
  );
  await storage.deleteRun('run-1', 2);
  assert.deepEqual(
    (await storage.listRuns()).map((r) => r.header.id),
    ['run-2'],
  );
  assert.equal(idb.stores.get('segments').data.size, 0, 'no segment is left behind');
});

test('a tab closed in the middle of a checkpoint keeps the previous one, model and run alike', async () => {
  for (let cut = 0; cut < 3; cut++) {
    const idb = new FakeIndexedDB();
    storage.useIndexedDB(idb);
    await storage.saveCheckpoint({ runs: [run(5)], model: model(5) });
    idb.closeAfterOps = cut; // the tab closes after `cut` of the next transaction's writes
    const pending = storage.saveCheckpoint({ runs: [run(9, 1)], model: model(9) });
    await new Promise((r) => setTimeout(r, 20));
    idb.closeAfterOps = Infinity;
    // A new tab reads what was committed.
    storage.useIndexedDB(idb);
    assert.equal((await storage.getKey('model')).progress.step, 5, `cut after ${cut} writes`);
    const [stored] = await storage.listRuns();
    assert.equal(stored.header.progress.step, 5);
    assert.deepEqual(
      stored.segments.map((x) => x.seq),
      [0],
      `cut after ${cut} writes: the new segment is not stored either`,
    );
    assert.equal(await storage.getKey('currentRun'), 'run-1');
    void pending;
  }
});

test('quota exceeded: the checkpoint is refused with a StorageError, the previous one stays', async () => {
  const idb = new FakeIndexedDB({ quotaBytes: 5000 });
  storage.useIndexedDB(idb);
  await storage.saveCheckpoint({ runs: [run(5)], model: model(5) });
  const err = await storage.saveCheckpoint({ runs: [run(6, 1)], model: model(6, 10_000) }).then(
    () => null,
    (e) => e,
  );
  assert.ok(err instanceof storage.StorageError, String(err));
  assert.equal(err.reason, 'quota');
  assert.match(err.message, /full|quota/);
  assert.equal((await storage.getKey('model')).progress.step, 5);
  assert.equal(
    (await storage.listRuns())[0].header.progress.step,
    5,
    'the run record of the refused checkpoint is not kept either',
  );
});

test('without IndexedDB every call rejects with a StorageError saying so', async () => {
  storage.useIndexedDB(undefined);
  for (const call of [
    () => storage.getKey('model'),
    () => storage.saveCheckpoint({ runs: [run(1)], model: model(1) }),
    () => storage.listRuns(),
  ]) {
    const err = await call().then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof storage.StorageError);
    assert.equal(err.reason, 'unavailable');
    assert.match(err.message, /does not let the page store data/);
  }
  // An IndexedDB whose open() throws (as some private modes do) is the same.
  storage.useIndexedDB({
    open: () => {
      throw Object.assign(new Error('denied'), { name: 'SecurityError' });
    },
  });
  const err = await storage.getKey('model').then(
    () => null,
    (e) => e,
  );
  assert.equal(err?.reason, 'unavailable');
});

test('a run’s dynamics, with each record’s batch size, loss, gradient and step norms, are stored and restored', async () => {
  const idb = new FakeIndexedDB();
  storage.useIndexedDB(idb);
  const live = createRun({ config: {}, number: 1, id: 'run-1', createdAt: 1 });
  appendChunk(live, {
    epochIndex: 0,
    firstBatch: 1,
    batchesPerEpoch: 4,
    batchLoss: [1, 0.9, 0.8, 0.7],
    batchAccuracy: [0.1, 0.2, 0.3, 0.4],
    epoch: 1,
    batchInEpoch: 0,
    step: 4,
    runMs: 10,
  });
  const layer = (n) => Object.fromEntries(DYNAMICS_FIELDS.map((f) => [f, new Float32Array(n).fill(0.5)]));
  appendDynamics(live, {
    steps: Int32Array.from([2, 4]),
    layers: [layer(2)],
    batchSize: Int32Array.from([32, 32]),
    loss: Float32Array.from([0.875, 0.75]),
    gradNorm: Float32Array.from([4, 3]),
    stepNorm: Float32Array.from([0.25, 0.125]),
  });
  const { segment } = runSegment(live, null, { points: 0, epochs: 0, segments: 0 });
  await storage.saveCheckpoint({ runs: [{ header: runHeader(live), segment }], model: model(4) });
  const [stored] = await storage.listRuns();
  const back = assembleRun(stored.header, stored.segments);
  for (const f of RECORD_FIELDS) assert.deepEqual(back.dynamics[f], live.dynamics[f], f);
  assert.deepEqual(back.dynamics.stepNorm, [0.25, 0.125]);
});
