// trainer.exportOnnx() run by ONNX Runtime (onnxruntime-node, the CPU
// binary): for every hidden activation × output, a network trained on real
// MNIST gives the same probabilities in ONNX Runtime as the engine's own
// predict(), image by image over the 10,000 test images: the same predicted
// class for every one, probabilities within 1e-5.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, test } from 'node:test';

import { createTestEngine, requireMnist } from './support.mjs';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const ort = require('onnxruntime-node');

const PIXELS = 784;
const CLASSES = 10;

/** The class of largest probability of each image (the first of equals). */
function argmax(p, n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < CLASSES; k++) if (p[i * CLASSES + k] > p[i * CLASSES + best]) best = k;
    out[i] = best;
  }
  return out;
}

describe('ONNX export run by ONNX Runtime', () => {
  let engine, images, count;

  before(async () => {
    engine = await createTestEngine();
    engine.loadData({ ...(await requireMnist()), validation: 10000 });
    count = engine.dataInfo().test;
    // The test images as training scales them (byte / 255), the one input both runtimes get.
    images = Float32Array.from(engine.splitImages('test', 0, count), (b) => b / 255);
  });

  for (const activation of ['sigmoid', 'tanh', 'relu'])
    for (const loss of ['sigmoid-bce', 'softmax-ce'])
      test(`${activation} + ${loss}: ONNX Runtime's probabilities are predict()'s on all 10,000 test images`, async (t) => {
        const trainer = engine.createTrainer({
          layers: [784, 64, 32, 10],
          activation,
          loss,
          optimizer: 'adam',
          learningRate: 0.005,
          batchSize: 32,
          trainLimit: 12000,
          seed: 11,
        });
        while (!trainer.trainBatches(100).epochFinished);
        const accuracy = trainer.evaluate('test').accuracy;
        assert.ok(accuracy > 0.85, `a trained network: test accuracy ${accuracy}`);
        const ours = trainer.predict(images);

        const bytes = trainer.exportOnnx();
        assert.ok(bytes instanceof Uint8Array && bytes.length > 4 * (784 * 64 + 64 * 32 + 32 * 10));
        const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
        assert.deepEqual(session.inputNames, ['input']);
        assert.deepEqual(session.outputNames, ['probabilities']);
        const { probabilities } = await session.run({ input: new ort.Tensor('float32', images, [count, PIXELS]) });
        assert.deepEqual(probabilities.dims, [count, CLASSES]);
        const theirs = probabilities.data;

        let maxDelta = 0;
        for (let i = 0; i < ours.length; i++) maxDelta = Math.max(maxDelta, Math.abs(ours[i] - theirs[i]));
        const a = argmax(ours, count),
          b = argmax(theirs, count);
        let differing = 0;
        for (let i = 0; i < count; i++) if (a[i] !== b[i]) differing++;
        t.diagnostic(
          `${count} images: ${differing} predicted differently, max |Δp| ${maxDelta.toExponential(2)}, test accuracy ${accuracy}`,
        );
        assert.equal(differing, 0);
        assert.ok(maxDelta <= 1e-5, `max |Δp| ${maxDelta}`);

        // The batch dimension is dynamic: one image alone gives its row of the batch.
        const one = await session.run({ input: new ort.Tensor('float32', images.slice(0, PIXELS), [1, PIXELS]) });
        assert.deepEqual(one.probabilities.dims, [1, CLASSES]);
        for (let k = 0; k < CLASSES; k++) assert.ok(Math.abs(one.probabilities.data[k] - theirs[k]) <= 1e-6);
        await session.release();
        trainer.delete();
      });

  test('the exported model says what it is', async () => {
    const trainer = engine.createTrainer({ layers: [784, 16, 10], activation: 'tanh', loss: 'softmax-ce', seed: 3 });
    const session = await ort.InferenceSession.create(trainer.exportOnnx());
    // ONNX Runtime reads the graph's declared shapes: a symbolic batch, 784 pixels in, 10 classes out.
    const [input] = session.inputMetadata,
      [output] = session.outputMetadata;
    assert.equal(input.name, 'input');
    assert.deepEqual(input.shape, ['N', 784]);
    assert.equal(input.type, 'float32');
    assert.deepEqual(output.shape, ['N', 10]);
    await session.release();
    const text = new TextDecoder().decode(trainer.exportOnnx());
    assert.match(text, /divided by 255, in \[0, 1\]/);
    trainer.delete();
  });
});
