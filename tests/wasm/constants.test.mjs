// engine.constants(): the engine's fixed facts, each from its one home in the
// core (or the build), which the page reads instead of repeating them. Every
// constant is checked against the behaviour it names — the default loadData
// and inspectHealth really use, the limits they really enforce, the real size
// of a network — so a constant that drifts from its use, or a default that is
// lost, fails here. parameterCount() is checked against the network itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, NATIVE_DIR, thrown } from './support.mjs';

const NAMES = [
  'validationImages',
  'healthSample',
  'healthBins',
  'maxHealthSample',
  'maxHealthBins',
  'maxParameters',
  'memoryBudget',
  'maxModelFileBytes',
  'maxModelHeaderBytes',
  'maximumMemory',
];

/** The tensors of a .safetensors file: { name: shape }. */
function tensorShapes(file) {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
  delete header.__metadata__;
  return Object.fromEntries(Object.entries(header).map(([name, t]) => [name, t.shape]));
}

/** The same model file with its JSON header padded with spaces to `length` bytes (data offsets are relative). */
function withHeaderLength(file, length) {
  const n = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  const data = file.subarray(8 + n);
  const out = new Uint8Array(8 + length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), true);
  out.set(file.subarray(8, 8 + n), 8);
  out.fill(0x20, 8 + n, 8 + length);
  out.set(data, 8 + length);
  return out;
}

describe('engine.constants()', () => {
  let engine, c;

  before(async () => {
    engine = await createTestEngine();
    c = engine.constants();
  });

  test('every fact, a positive number; limits() and the schema say the same', () => {
    assert.deepEqual(Object.keys(c).sort(), [...NAMES].sort());
    for (const name of NAMES) assert.ok(Number.isFinite(c[name]) && c[name] > 0, `${name} = ${c[name]}`);
    assert.deepEqual(engine.limits(), { memoryBudget: c.memoryBudget, maxModelFileBytes: c.maxModelFileBytes });
    assert.equal(engine.schema().find((f) => f.jsName === 'layers').maxParameters, c.maxParameters);
    assert.equal(engine.memoryEstimate({}).budget, c.memoryBudget);
    assert.ok(c.memoryBudget < c.maximumMemory, 'the budget leaves room in the heap for the data');
    assert.ok(engine.memoryBytes() <= c.maximumMemory);
    assert.ok(c.healthSample <= c.maxHealthSample && c.healthBins <= c.maxHealthBins);
  });

  test('loadData without `validation` holds out exactly the last validationImages training images', () => {
    const extra = 300;
    const { validation: _, ...files } = syntheticMnist({
      train: c.validationImages + extra,
      validation: 0,
      test: 50,
      learnable: false,
    });
    const info = engine.loadData(files);
    assert.deepEqual(info, { train: extra, validation: c.validationImages, test: 50, rows: 28, cols: 28 });
    const held = engine.splitImages('validation', 0, c.validationImages);
    const last = files.trainImages.subarray(16 + extra * 784);
    assert.equal(held.length, last.length);
    assert.ok(Buffer.from(held).equals(Buffer.from(last)), 'the validation split is the training file’s tail');
  });

  test('mlp_train --help gives the same default hold-out (the CLI and the engine share the core’s)', async () => {
    const cli = fileURLToPath(new URL('core/mlp_train', NATIVE_DIR));
    await access(cli).catch(() => {
      throw new Error(`${cli} is missing: cmake --preset native-release && cmake --build --preset native-release`);
    });
    const { stdout } = await promisify(execFile)(cli, ['--help']);
    const line = stdout.split('\n').find((l) => l.trimStart().startsWith('--validation'));
    assert.match(line, new RegExp(`\\(default ${c.validationImages}\\)`));
  });

  describe('inspectHealth’s defaults and limits', () => {
    let trainer;

    before(() => {
      engine.loadData(syntheticMnist({ train: c.maxHealthSample + 100, validation: c.healthSample + 44, test: 100 }));
      trainer = engine.createTrainer({ layers: [784, 12, 10], seed: 4 });
      trainer.trainBatches(3);
    });

    test('without count and bins: healthSample images from the first, healthBins bins', () => {
      const h = trainer.inspectHealth('validation');
      assert.equal(h.samples, c.healthSample);
      assert.equal(h.layers[0].histogram.length, c.healthBins);
      assert.equal(
        h.layers[0].histogram.reduce((a, b) => a + b, 0),
        12 * c.healthSample,
      );
      assert.deepEqual(h, trainer.inspectHealth('validation', 0, c.healthSample, c.healthBins));
      assert.deepEqual(trainer.inspectHealth('validation', 0), h);
    });

    test('without count, fewer images than the sample when the split has fewer from start', () => {
      assert.equal(trainer.inspectHealth('test', 60).samples, 40);
      const e = thrown(() => trainer.inspectHealth('test', 100));
      assert.equal(e.kind, 'ArgumentError');
      assert.equal(e.message, 'the test split has no images from index 100 on');
    });

    test('at most maxHealthSample images and maxHealthBins bins', () => {
      assert.equal(trainer.inspectHealth('train', 0, c.maxHealthSample).samples, c.maxHealthSample);
      let e = thrown(() => trainer.inspectHealth('train', 0, c.maxHealthSample + 1));
      assert.equal(e.kind, 'ArgumentError');
      assert.equal(e.message, `count must be between 1 and ${c.maxHealthSample}, got ${c.maxHealthSample + 1}`);
      assert.equal(trainer.inspectHealth('test', 0, 5, c.maxHealthBins).layers[0].histogram.length, c.maxHealthBins);
      e = thrown(() => trainer.inspectHealth('test', 0, 5, c.maxHealthBins + 1));
      assert.equal(e.message, `bins must be between 1 and ${c.maxHealthBins}, got ${c.maxHealthBins + 1}`);
    });
  });

  test('parameterCount is the network’s real size: its layers, its model file, memoryEstimate', () => {
    for (const layers of [
      [784, 10],
      [784, 20, 10],
      [784, 80, 40, 20, 10],
      [784, 300, 100, 10],
    ]) {
      const trainer = engine.createTrainer({ layers, seed: 1 });
      let real = 0;
      for (let k = 0; k < layers.length - 1; k++) {
        const w = trainer.layerWeights(k);
        real += w.data.length + w.bias.length;
      }
      const shapes = tensorShapes(trainer.save());
      const inFile = Object.entries(shapes)
        .filter(([name]) => /^layers\.\d+\.(weight|bias)$/.test(name))
        .reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
      assert.equal(engine.parameterCount(layers), real, layers.join('-'));
      assert.equal(inFile, real);
      assert.equal(engine.memoryEstimate({ layers }).parameters, real);
      trainer.delete();
    }
  });

  test('parameterCount counts too large a network instead of refusing it, and refuses what is not sizes', () => {
    const huge = [784, 65536, 65536, 10];
    assert.equal(engine.parameterCount(huge), 65536 * 785 + 65536 * 65537 + 10 * 65537);
    assert.ok(engine.parameterCount(huge) > c.maxParameters);
    let e = thrown(() => engine.parameterCount([784, 0, 10]));
    assert.equal(e.kind, 'ConfigError');
    assert.equal(e.message, 'layers[1] must be at least 1, got 0');
    e = thrown(() => engine.parameterCount('784-20-10'));
    assert.equal(e.kind, 'ConfigError');
    assert.match(e.message, /^layers must be an array of sizes/);
  });

  test('maxModelHeaderBytes: a model file’s header may be that long, and not a byte longer', () => {
    const trainer = engine.createTrainer({ layers: [784, 8, 10], seed: 2 });
    const file = trainer.save();
    const loaded = engine.loadModel(withHeaderLength(file, c.maxModelHeaderBytes));
    assert.deepEqual(loaded.layerWeights(1), trainer.layerWeights(1));
    const e = thrown(() => engine.loadModel(withHeaderLength(file, c.maxModelHeaderBytes + 1)));
    assert.equal(e.kind, 'ModelFileError');
    assert.match(e.message, new RegExp(`header length ${c.maxModelHeaderBytes + 1} is larger than`));
    loaded.delete();
    trainer.delete();
  });

  test('maxModelFileBytes: the model file of the widest network the engine accepts fits under it', () => {
    for (const optimizer of ['sgd', 'momentum', 'adam']) {
      let lo = 16,
        hi = 65536; // 784-h-h-10: accepted at lo, refused at hi
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        try {
          engine.validateConfig({ layers: [784, mid, mid, 10], optimizer, batchSize: 1 });
          lo = mid;
        } catch {
          hi = mid;
        }
      }
      const file = engine.memoryEstimate({ layers: [784, lo, lo, 10], optimizer, batchSize: 1 }).file;
      assert.ok(file <= c.maxModelFileBytes, `${optimizer} 784-${lo}-${lo}-10: ${file} > ${c.maxModelFileBytes}`);
    }
  });
});
