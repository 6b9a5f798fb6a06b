// Models from PyTorch through the engine: engine.inspectModelFile() says what
// a file is; engine.loadForeignModel() reads a state_dict of linear layers
// (as safetensors.torch.save_file writes one) into a trainer that classifies
// as the network it came from, trains on, saves as ours and exports to ONNX;
// bad files and options are refused with specific errors, without leaking.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, thrown } from './support.mjs';

/**
 * A .safetensors file as PyTorch writes a state_dict: tensors [{ name, dtype: 'F32' | 'F64' | 'BF16', shape,
 * data: Float32Array }], the header padded with spaces to a multiple of 8. BF16 keeps each float's upper half.
 */
function stateDictFile(tensors, metadata = { format: 'pt' }) {
  const header = metadata ? { __metadata__: metadata } : {};
  const parts = [];
  let offset = 0;
  for (const { name, dtype, shape, data } of tensors) {
    let bytes;
    if (dtype === 'F32') bytes = new Uint8Array(Float32Array.from(data).buffer);
    else if (dtype === 'F64') bytes = new Uint8Array(Float64Array.from(data).buffer);
    else {
      const bits = new Uint32Array(Float32Array.from(data).buffer);
      bytes = new Uint8Array(Uint16Array.from(bits, (b) => b >>> 16).buffer);
    }
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A trainer's layers as an nn.Sequential(Flatten, Linear, act, Linear, ...) state_dict: keys 1, 3, 5... */
function asStateDict(trainer, layers, dtype = 'F32') {
  const tensors = [];
  for (let k = 0; k < layers; k++) {
    const { rows, cols, data, bias } = trainer.layerWeights(k);
    tensors.push({ name: `${1 + 2 * k}.weight`, dtype, shape: [rows, cols], data });
    tensors.push({ name: `${1 + 2 * k}.bias`, dtype, shape: [rows], data: bias });
  }
  return tensors;
}

describe('models from PyTorch', () => {
  let engine, original;
  const config = { layers: [784, 24, 12, 10], activation: 'tanh', loss: 'sigmoid-bce', learningRate: 0.3, seed: 9 };

  before(async () => {
    engine = await createTestEngine();
    engine.loadData(syntheticMnist({ train: 3000, validation: 1000, test: 1000 }));
    original = engine.createTrainer(config);
    original.trainBatches(30);
  });

  test('inspectModelFile says what a file is and what it does not say', () => {
    const ours = engine.inspectModelFile(original.save());
    assert.equal(ours.kind, 'ours');
    assert.deepEqual(ours.layers, [784, 24, 12, 10]);
    assert.equal(ours.dtype, 'F32');
    assert.deepEqual(ours.missing, []);
    assert.equal(ours.activation, 'tanh');
    assert.equal(ours.loss, 'sigmoid-bce');
    assert.deepEqual(ours.layerNames, ['layers.0', 'layers.1', 'layers.2']);
    assert.deepEqual(ours.config, original.config());

    const torch = engine.inspectModelFile(stateDictFile(asStateDict(original, 3, 'BF16')));
    assert.deepEqual(
      { ...torch, config: undefined },
      {
        kind: 'pytorch',
        layers: [784, 24, 12, 10],
        dtype: 'BF16',
        layerNames: ['1', '3', '5'],
        missing: ['activation', 'loss'],
        parameters: 784 * 24 + 24 + 24 * 12 + 12 + 12 * 10 + 10,
        activation: null,
        loss: null,
        config: undefined,
      },
    );
    assert.equal(torch.config.activation, 'relu'); // what loadForeignModel uses without options
    assert.equal(torch.config.loss, 'softmax-ce');
  });

  for (const dtype of ['F32', 'F64'])
    test(`a ${dtype} state_dict classifies as the network it came from`, () => {
      const trainer = engine.loadForeignModel(stateDictFile(asStateDict(original, 3, dtype)), {
        activation: 'tanh',
        loss: 'sigmoid-bce',
      });
      assert.deepEqual(trainer.config().layers, [784, 24, 12, 10]);
      assert.equal(trainer.config().optimizer, 'sgd'); // createTrainer's default, not the original's settings
      assert.deepEqual(trainer.progress(), { epoch: 0, batchInEpoch: 0, batchesPerEpoch: 24, step: 0 });
      for (let k = 0; k < 3; k++) assert.deepEqual(trainer.layerWeights(k), original.layerWeights(k));
      assert.deepEqual(trainer.predictSplit('test'), original.predictSplit('test'));
      assert.deepEqual(trainer.evaluate('test'), original.evaluate('test'));
      trainer.delete();
    });

  test('BF16 weights are read as the floats they hold', () => {
    const tensors = asStateDict(original, 3, 'BF16');
    const trainer = engine.loadForeignModel(stateDictFile(tensors), { activation: 'tanh', loss: 'sigmoid-bce' });
    const truncated = (a) =>
      new Float32Array(Uint32Array.from(new Uint32Array(Float32Array.from(a).buffer), (b) => (b >>> 16) << 16).buffer);
    for (let k = 0; k < 3; k++) {
      const w = trainer.layerWeights(k);
      assert.deepEqual(w.data, truncated(tensors[2 * k].data));
      assert.deepEqual(w.bias, truncated(tensors[2 * k + 1].data));
    }
    trainer.delete();
  });

  test('an imported model trains on, saves as ours, reloads and exports to ONNX', () => {
    const bytes = stateDictFile(asStateDict(original, 3));
    const trainer = engine.loadForeignModel(bytes, {
      activation: 'tanh',
      loss: 'sigmoid-bce',
      optimizer: 'adam',
      learningRate: 0.001,
    });
    assert.equal(trainer.config().optimizer, 'adam');
    const before = trainer.evaluate('validation').loss;
    for (let i = 0; i < 3; i++) trainer.trainBatches(24);
    assert.equal(trainer.progress().epoch, 3);
    assert.ok(trainer.evaluate('validation').loss < before);
    const saved = trainer.save();
    assert.equal(engine.inspectModelFile(saved).kind, 'ours');
    const reloaded = engine.loadModel(saved);
    assert.deepEqual(reloaded.predictSplit('test'), trainer.predictSplit('test'));
    assert.ok(trainer.exportOnnx().length > 4 * 784 * 24);
    trainer.delete();
    reloaded.delete();
  });

  test('ReLU and softmax + cross-entropy are what a file that does not say gets', () => {
    const trainer = engine.loadForeignModel(stateDictFile(asStateDict(original, 3), null));
    assert.equal(trainer.config().activation, 'relu');
    assert.equal(trainer.config().loss, 'softmax-ce');
    trainer.delete();
  });

  test('bad files and options are refused with specific errors, and leak nothing', () => {
    const weights = asStateDict(original, 3);
    const cases = [
      [
        'shapes that do not chain',
        stateDictFile([weights[0], weights[1], { ...weights[4], name: '3.weight' }, { ...weights[5], name: '3.bias' }]),
        "model file: layer 2's weight is [10, 12] but layer 1 outputs 24",
      ],
      [
        'a missing bias',
        stateDictFile(weights.slice(0, 5)),
        "model file: layer 3 ('5') has a weight but no bias '5.bias'",
      ],
      [
        'a gap',
        stateDictFile([...weights.slice(0, 4), { ...weights[4], name: '9.weight' }, { ...weights[5], name: '9.bias' }]),
        "model file: the layers are numbered 1, 3, 9: a gap after '3' (a missing layer? the numbers must be evenly spaced, as 0, 1, 2 or nn.Sequential's 0, 2, 4)",
      ],
      [
        'a first layer for other images',
        stateDictFile([
          { name: 'fc1.weight', dtype: 'F32', shape: [2, 3], data: new Float32Array(6) },
          { name: 'fc1.bias', dtype: 'F32', shape: [2], data: new Float32Array(2) },
        ]),
        "model file: layer 1's weight is [2, 3] but the images have 784 pixels",
      ],
      [
        'NaN weights',
        stateDictFile([
          { ...weights[0], data: Float32Array.from(weights[0].data, (x, i) => (i === 99 ? NaN : x)) },
          ...weights.slice(1),
        ]),
        "model file: layer 1's weight '1.weight' holds NaN or infinite values",
      ],
      ['a model file of ours', original.save(), /^model file: this is a model file of this trainer/],
      ['not safetensors', new Uint8Array(5), 'model file: file is 5 bytes, too short for a safetensors header'],
    ];
    const baseline = engine.allocatedBytes();
    for (let round = 0; round < 20; round++)
      for (const [what, bytes, expected] of cases) {
        const error = thrown(() => engine.loadForeignModel(bytes, { activation: 'tanh' }));
        assert.equal(error.kind, 'ModelFileError', `${what}: ${error.message}`);
        if (expected instanceof RegExp) assert.match(error.message, expected, what);
        else assert.equal(error.message, expected, what);
        if (what !== 'a model file of ours' && what !== 'NaN weights')
          assert.equal(thrown(() => engine.inspectModelFile(bytes)).message, error.message, what);
      }
    assert.equal(engine.allocatedBytes(), baseline);

    const good = stateDictFile(weights);
    const layers = thrown(() => engine.loadForeignModel(good, { layers: [784, 10] }));
    assert.equal(layers.kind, 'ConfigError');
    assert.equal(layers.message, "an imported model's layer sizes are the file's: leave out 'layers'");
    const unknown = thrown(() => engine.loadForeignModel(good, { activaton: 'relu' }));
    assert.equal(unknown.kind, 'ConfigError');
    assert.match(unknown.message, /^unknown import option field 'activaton'/);
    assert.equal(thrown(() => engine.loadForeignModel(good, { loss: 'mse' })).kind, 'ConfigError');
    assert.equal(thrown(() => engine.loadForeignModel(good, 'relu')).kind, 'ConfigError');
    assert.equal(thrown(() => engine.inspectModelFile('bytes')).kind, 'ArgumentError');
  });
});
