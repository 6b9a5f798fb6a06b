// The memory a configuration needs (core/memory_estimate.hpp) is checked in
// one place, the core: validateConfig and createTrainer refuse a network
// whose training, saving and reloading would not fit in the build's budget,
// and the page learns the verdict from the worker's checkConfig request,
// which asks the engine. Here: the two agree over a sweep of networks,
// optimisers and batch sizes; the estimate is an upper bound of what the
// heap really holds; and the largest network the engine accepts with Adam
// trains, saves and loads back in a fresh engine within the 2 GB heap.
// (Own file: wasm memory, once grown, never shrinks.)
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { requestHandlers } from '../../web/worker/requests.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

const GB = 1e9;

function loadTiny(engine, n = 16) {
  engine.loadData(syntheticMnist({ train: n, validation: 0, test: 16, learnable: false }));
}

/** What the page hears when it asks the worker to check a config (its answer): { ok, message, memory }. */
function pageVerdict(handlers, config) {
  try {
    const answer = handlers.checkConfig({ config });
    return { ok: true, memory: answer.memory };
  } catch (err) {
    return { ok: false, message: err.message, kind: err.kind };
  }
}

function engineVerdict(engine, config) {
  try {
    engine.createTrainer(config).delete();
    return { ok: true };
  } catch (err) {
    return { ok: false, message: err.message, kind: err.kind };
  }
}

// 784-h-h-10 ReLU/softmax: the widest the engine accepts with this optimiser and batch.
function widest(engine, optimizer, batchSize) {
  let lo = 16,
    hi = 65536;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    try {
      engine.validateConfig({ layers: [784, mid, mid, 10], optimizer, batchSize });
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

test('the page (through the worker) and the engine accept and refuse the same networks', async () => {
  const engine = await createTestEngine();
  loadTiny(engine);
  const handlers = requestHandlers({
    engine,
    session: null,
    experiments: null,
    inspector: null,
    emit: () => {},
    siteUrl: new URL('http://x/'),
  });
  const budget = engine.memoryEstimate({}).budget;
  assert.ok(budget > 0.5 * GB && budget < 2 * GB, `budget ${budget}`);
  let accepted = 0,
    refused = 0;
  for (const optimizer of ['sgd', 'momentum', 'adam'])
    for (const batchSize of [1, 128, 4096, 65536])
      for (const width of [16, 512, 4000, 5000, 6000, 7000, 20000]) {
        const config = { layers: [784, width, width, 10], optimizer, batchSize };
        let estimate = null; // memoryEstimate checks the fields (the parameter cap) first
        try {
          estimate = engine.memoryEstimate(config);
        } catch (err) {
          assert.match(err.message, /parameters, more than the maximum/);
        }
        const page = pageVerdict(handlers, config);
        // Only the verdict is compared here; creating what is accepted takes memory, so only small ones are built.
        const accepts = estimate !== null && estimate.peak <= budget;
        assert.equal(page.ok, accepts, `${width} ${optimizer} ${batchSize}: ${page.message}`);
        if (!estimate || estimate.peak < 0.4 * GB || !page.ok) {
          const eng = engineVerdict(engine, config);
          assert.equal(
            eng.ok,
            page.ok,
            `${width} ${optimizer} ${batchSize}: engine ${eng.message}, page ${page.message}`,
          );
          if (!eng.ok) assert.equal(eng.message, page.message);
        }
        if (page.ok) {
          accepted++;
          assert.equal(page.memory.peak, estimate.peak);
        } else {
          refused++;
          assert.equal(page.kind, 'ConfigError');
          if (estimate)
            assert.match(
              page.message,
              /needs about [\d.]+ [GM]B of memory .*more than the [\d.]+ [GM]B this engine can use/,
            );
        }
      }
  assert.ok(accepted > 10 && refused > 10, `${accepted} accepted, ${refused} refused`);
  // A live switch to an optimiser with more state is refused the same way, and changes nothing.
  const w = widest(engine, 'sgd', 128);
  const sgdOnly = Math.min(w, widest(engine, 'momentum', 128) + 500);
  if (sgdOnly > widest(engine, 'adam', 128)) {
    const t = engine.createTrainer({ layers: [784, sgdOnly, sgdOnly, 10], optimizer: 'sgd' });
    const e = thrown(() => t.setOptimizer({ optimizer: 'adam' }));
    assert.equal(e.kind, 'ConfigError');
    assert.match(e.message, /memory/);
    assert.equal(t.config().optimizer, 'sgd');
    t.delete();
  }
});

test(
  'the largest network the engine allows with Adam trains, saves and loads back within its estimate',
  { timeout: 10 * 60_000 },
  async () => {
    const engine = await createTestEngine();
    loadTiny(engine, 16);
    const h = widest(engine, 'adam', 16);
    const config = {
      layers: [784, h, h, 10],
      optimizer: 'adam',
      batchSize: 16,
      activation: 'relu',
      loss: 'softmax-ce',
      learningRate: 1e-4,
    };
    const estimate = engine.memoryEstimate(config);
    const base = engine.peakHeapBytes();
    assert.ok(estimate.parameters > 35e6, `only ${estimate.parameters} parameters fit`);

    const trainer = engine.createTrainer(config);
    assert.equal(trainer.trainBatches(1).batches, 1);
    trainer.evaluate('test');
    const bytes = trainer.save();
    const trained = engine.peakHeapBytes() - base;
    assert.ok(
      trained <= estimate.training + estimate.saving,
      `training and saving used ${trained}, estimated ${estimate.training + estimate.saving}`,
    );
    assert.ok(trained > 0.8 * estimate.training, `the estimate ${estimate.training} is far above ${trained}`);
    assert.ok(Math.abs(bytes.length - estimate.file) < 8192, `file ${bytes.length}, estimated ${estimate.file}`);
    trainer.delete();
    engine.delete();

    // A fresh engine, as after a reload or a crash: the checkpoint loads and trains on.
    const fresh = await createTestEngine();
    loadTiny(fresh, 16);
    const before = fresh.peakHeapBytes();
    const restored = fresh.loadModel(bytes);
    assert.deepEqual(restored.progress().step, 1);
    assert.equal(restored.trainBatches(1).batches, 1);
    restored.evaluate('test');
    const loaded = fresh.peakHeapBytes() - before;
    assert.ok(loaded <= estimate.peak, `loading used ${loaded}, estimated ${estimate.peak}`);
    assert.ok(fresh.memoryBytes() <= 2 ** 31);
    const again = restored.save();
    assert.equal(again.length, bytes.length);
    restored.delete();
  },
);
