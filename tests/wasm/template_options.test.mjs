// The course template's options through the engine: the presets the page
// offers, the training-set size, slice batching (empty slices have no loss)
// and the evaluation of the images a trainer trains on.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

describe('the report’s code in the engine', () => {
  let engine;
  before(async () => {
    engine = await createTestEngine();
    engine.loadData(syntheticMnist({ train: 3000, validation: 500, test: 500 }));
  });

  test('presets set the template’s fields and validate', () => {
    const presets = Object.fromEntries(engine.presets().map((p) => [p.name, p]));
    assert.deepEqual(Object.keys(presets), ['report-code', 'proper-mean', 'proper-sum']);
    assert.deepEqual(presets['report-code'].config, {
      trainLimit: 3000,
      init: 'gaussian',
      batching: 'slices',
      gradient: 'half',
    });
    for (const p of Object.values(presets)) {
      const config = engine.validateConfig(p.config);
      for (const [k, v] of Object.entries(p.config)) assert.equal(config[k], v, `${p.name}.${k}`);
      assert.ok(p.label && p.description.length > 40);
    }
  });

  test('slices: 23 batches an epoch over the first 3,000 images, empty slices without a loss', () => {
    const trainer = engine.createTrainer({ ...engine.presets()[0].config, layers: [784, 20, 10], seed: 3 });
    const r = trainer.trainBatches(100);
    assert.equal(r.batches, 23);
    assert.equal(r.batchesPerEpoch, 23);
    assert.ok(r.epochFinished);
    const empty = r.batchLoss.filter((x) => Number.isNaN(x)).length;
    assert.ok(empty > 0 && empty < 23, `${empty} empty slices of 23`);
    assert.equal(r.batchAccuracy.filter((x) => Number.isNaN(x)).length, empty);
    assert.ok(r.samples > 3000, 'the slices overlap: more samples than images');
    assert.ok(Number.isFinite(r.loss) && Number.isFinite(r.accuracy));
    const trained = trainer.evaluateTraining();
    assert.equal(trained.count, 3000);
    assert.equal(trainer.evaluateTraining(100).count, 100);
    assert.equal(trainer.evaluate('train').count, 3000, 'the train split holds exactly the first 3,000 here');
    const copy = engine.loadModel(trainer.save());
    assert.deepEqual(copy.config(), trainer.config());
    copy.delete();
    trainer.delete();
  });

  test('a training-set size caps the epoch; slices need more images than a batch', () => {
    const trainer = engine.createTrainer({ trainLimit: 1000, batchSize: 100 });
    assert.equal(trainer.trainBatches(1).batchesPerEpoch, 10);
    trainer.delete();
    const error = thrown(() => engine.createTrainer({ trainLimit: 100, batchSize: 128, batching: 'slices' }));
    assert.match(
      error.message,
      /slice batching needs more training images than the batch size \(100 images, batches of 128\)/,
    );
  });
});
