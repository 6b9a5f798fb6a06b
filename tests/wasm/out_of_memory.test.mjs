// Networks that pass the core's size checks (in the browser build at most 50 M
// parameters, engine.schema()) but do not fit in the 2 GB WebAssembly heap: the failure is an out-of-memory Error,
// not an abort, and the module keeps working. In its own file because
// node --test runs each file in its own process, and wasm memory, once grown,
// never shrinks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

test('out of memory is an Error, at creation or in training, and the module still works', async () => {
  const engine = await createTestEngine();
  engine.loadData(syntheticMnist({ train: 512, validation: 0, test: 64, learnable: false }));

  // 784-6000-6000-10 has 40.8 M parameters, under the cap; with batches of
  // 65,536 its activations and their gradients alone need 6.3 GB.
  const giant = { layers: [784, 6000, 6000, 10], batchSize: 65536 };
  const atCreation = thrown(() => engine.createTrainer(giant));
  assert.ok(atCreation instanceof Error);
  assert.equal(atCreation.kind, 'OutOfMemory', atCreation.message);
  assert.match(atCreation.message, /^out of memory/);

  // Repeating the failure neither crashes nor grows memory further.
  const memory = engine.memoryBytes(), heap = engine.allocatedBytes();
  for (let i = 0; i < 3; i++) assert.equal(thrown(() => engine.createTrainer(giant)).kind, 'OutOfMemory');
  assert.equal(engine.memoryBytes(), memory);
  assert.equal(engine.allocatedBytes(), heap);

  // 784-8000-5000-10 (46.3 M parameters) with Adam and batches of 8192 fits
  // (1.6 GB), but training keeps a copy of the weights and the moments to
  // recover from divergence (0.56 GB more), which does not.
  const big = engine.createTrainer({ layers: [784, 8000, 5000, 10], batchSize: 8192, optimizer: 'adam' });
  const inTraining = thrown(() => big.trainBatches(1));
  assert.equal(inTraining.kind, 'OutOfMemory', inTraining.message);
  assert.deepEqual(big.progress(), { epoch: 0, batchInEpoch: 0, batchesPerEpoch: 1, step: 0 });
  big.delete();

  // Everything was freed again: a normal trainer works.
  const trainer = engine.createTrainer({ layers: [784, 20, 10] });
  assert.equal(trainer.trainBatches(4).batches, 4);
  assert.equal(trainer.predict(new Float32Array(784)).length, 10);
  assert.ok(trainer.save().length > 0);
  trainer.delete();
});
