// Out of memory is an Error, not an abort, and the module keeps working.
// Since the core refuses any one network whose training, saving and
// reloading would not fit (tests/wasm/memory_budget.test.mjs), running out
// takes several networks at once: trainers of the largest network the
// engine allows with Adam, created and trained until the 2 GB heap is full.
// In its own file because node --test runs each file in its own process,
// and wasm memory, once grown, never shrinks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

test(
  'out of memory is an Error, at creation or in training, and the module still works',
  { timeout: 5 * 60_000 },
  async () => {
    const engine = await createTestEngine();
    engine.loadData(syntheticMnist({ train: 512, validation: 0, test: 16, learnable: false }));
    const big = { layers: [784, 5000, 5000, 10], batchSize: 16, optimizer: 'adam' };
    engine.validateConfig(big); // one of them fits
    const trainers = [];
    let failure = null,
      failedIn = null;
    for (let i = 0; i < 4 && !failure; i++) {
      const atCreation = (() => {
        try {
          trainers.push(engine.createTrainer(big));
          return null;
        } catch (err) {
          return err;
        }
      })();
      if (atCreation) {
        failure = atCreation;
        failedIn = 'creation';
        break;
      }
      const t = trainers.at(-1);
      try {
        t.trainBatches(1);
      } catch (err) {
        failure = err;
        failedIn = 'training';
        // The failed chunk changed nothing.
        assert.deepEqual(t.progress(), { epoch: 0, batchInEpoch: 0, batchesPerEpoch: 32, step: 0 });
      }
    }
    assert.ok(failure, 'the heap never filled up');
    assert.equal(failure.kind, 'OutOfMemory', failure.message);
    assert.match(failure.message, /^out of memory: .*try a smaller network or batch size/);

    // Repeating the failure neither crashes nor grows memory further.
    const memory = engine.memoryBytes(),
      heap = engine.allocatedBytes();
    for (let i = 0; i < 3; i++) {
      const again =
        failedIn === 'creation'
          ? thrown(() => engine.createTrainer(big))
          : thrown(() => trainers.at(-1).trainBatches(1));
      assert.equal(again.kind, 'OutOfMemory');
    }
    assert.equal(engine.memoryBytes(), memory);
    assert.equal(engine.allocatedBytes(), heap);

    // Everything is freed again: a normal trainer works.
    for (const t of trainers) t.delete();
    const trainer = engine.createTrainer({ layers: [784, 20, 10] });
    assert.equal(trainer.trainBatches(4).batches, 4);
    assert.equal(trainer.predict(new Float32Array(784)).length, 10);
    assert.ok(trainer.save().length > 0);
    trainer.delete();
  },
);
