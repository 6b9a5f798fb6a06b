// trainer.save() → engine.loadModel(bytes): the same predictions, the same
// config and progress, and a resumed run that continues exactly where the
// saved one would have.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

describe('model files', () => {
  let engine;

  before(async () => {
    engine = await createTestEngine();
    engine.loadData(syntheticMnist({ train: 3000, validation: 1000, test: 1000 }));
  });

  for (const optimizer of ['sgd', 'momentum', 'nesterov', 'adam']) {
    test(`save → loadModel keeps predictions, config, progress and the ${optimizer} state`, () => {
      const config = {
        layers: [784, 32, 16, 10],
        activation: 'tanh',
        loss: 'softmax-ce',
        optimizer,
        learningRate: optimizer === 'adam' ? 0.001 : 0.05,
        seed: 123,
      };
      const original = engine.createTrainer(config);
      original.trainBatches(30); // mid-epoch: 3000 images are 24 batches, so epoch 1, batch 6
      const bytes = original.save();
      assert.ok(bytes instanceof Uint8Array && bytes.length > 4 * 25000);

      const loaded = engine.loadModel(bytes);
      assert.deepEqual(loaded.config(), original.config());
      assert.deepEqual(loaded.progress(), original.progress());
      assert.deepEqual(loaded.predictSplit('test'), original.predictSplit('test'));
      for (let k = 0; k < 3; k++) assert.deepEqual(loaded.layerWeights(k), original.layerWeights(k));
      assert.deepEqual(loaded.save(), bytes);

      // Both continue identically: same permutation, same optimiser state.
      const a = original.trainBatches(40),
        b = loaded.trainBatches(40);
      assert.deepEqual(b, a);
      assert.deepEqual(loaded.evaluate('validation'), original.evaluate('validation'));
      original.delete();
      loaded.delete();
    });
  }

  test('the file is safetensors: a JSON header with f32 tensors in PyTorch layout', () => {
    const trainer = engine.createTrainer({ layers: [784, 20, 10], seed: 1 });
    const bytes = trainer.save();
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    assert.deepEqual(header['layers.0.weight'].shape, [20, 784]);
    assert.deepEqual(header['layers.1.bias'].shape, [10]);
    assert.equal(header['layers.0.weight'].dtype, 'F32');
    // layers.0.weight equals layerWeights(0).data (both row-major [out, in]).
    const [start, end] = header['layers.0.weight'].data_offsets;
    const tensor = new Float32Array(bytes.slice(8 + headerLength + start, 8 + headerLength + end).buffer);
    assert.deepEqual(tensor, trainer.layerWeights(0).data);
    trainer.delete();
  });

  test('malformed model bytes give a specific error and the engine keeps working', () => {
    const trainer = engine.createTrainer({ seed: 2 });
    const good = trainer.save();
    const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
    const withHeader = (text) => {
      const json = new TextEncoder().encode(text);
      const out = new Uint8Array(8 + json.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const cases = [
      ['empty', new Uint8Array(0), /^model file: file is 0 bytes, too short for a safetensors header$/],
      ['too short for the header length', new Uint8Array(5), /^model file: file is 5 bytes, too short/],
      [
        'header length past the end',
        (() => {
          const b = good.slice();
          new DataView(b.buffer).setBigUint64(0, 1n << 40n, true);
          return b;
        })(),
        /^model file: header length 1099511627776 runs past the end of the file \(\d+ bytes\)$/,
      ],
      [
        'truncated tensor data',
        good.slice(0, good.length - 100),
        /^model file: tensor '.*' has data_offsets \[\d+, \d+\] outside the \d+ data bytes$/,
      ],
      ['header that is not JSON', withHeader('{not json'), /^model file: header is not valid JSON/],
      [
        'JSON without tensors',
        withHeader('{}'),
        /^model file: not a model of this trainer \(metadata 'format' must be 'mnist-mlp\/1'\)$/,
      ],
      [
        'random bytes',
        Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251),
        /^model file: header length \d+ /,
      ],
      [
        'corrupted header text',
        (() => {
          const b = good.slice();
          b.fill(0x20, 8 + 2, 8 + Math.min(60, headerLength));
          return b;
        })(),
        /^model file: header is not valid JSON/,
      ],
    ];
    for (const [what, bytes, pattern] of cases) {
      const error = thrown(() => engine.loadModel(bytes));
      assert.ok(error instanceof Error, what);
      assert.equal(error.kind, 'ModelFileError', `${what}: ${error.kind}: ${error.message}`);
      assert.match(error.message, pattern, what);
    }
    assert.match(thrown(() => engine.loadModel('not bytes')).message, /must be a Uint8Array/);

    const reloaded = engine.loadModel(good); // still works
    assert.deepEqual(reloaded.config(), trainer.config());
    trainer.delete();
    reloaded.delete();
  });
});
