// Models and data in the forms people have them, in the page (Chromium): the
// model downloaded as ONNX and run by ONNX Runtime; a PyTorch state_dict
// imported through "Load a model…" with the activation it does not say; data
// as a Kaggle-layout CSV and as a zip of image folders, with bad rows and
// files reported by line and path, trained on, and the data's class names in
// the confusion matrix and the gallery. Everything on the synthetic site
// (fixtures.mjs), every file made here. Run:
//   node --test --test-concurrency=1 tests/browser/formats.test.mjs
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

import { syntheticIdx } from '../support/synthetic_mnist.mjs';
import { pageWithModel } from './fixtures.mjs';
import { show } from './fixtures.mjs';
import { useBrowserSuite } from './suite.mjs';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const ort = require('onnxruntime-node');

const MINUTE = 60_000;
const PIXELS = 784;

/** The index of the largest value. */
const argmax = (p) => p.reduce((best, v, k) => (v > p[best] ? k : best), 0);

/** `count` synthetic 28×28 digits as arrays of pixels in [0, 1]. */
function digits(count, seed = 5) {
  const { images } = syntheticIdx(count, { seed });
  return Array.from({ length: count }, (_, i) =>
    Array.from(images.subarray(16 + i * PIXELS, 16 + (i + 1) * PIXELS), (b) => b / 255),
  );
}

describe('models and data in the forms people have them', { timeout: 15 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: true });

  test(
    'the model downloads as ONNX, and ONNX Runtime classifies as the page does',
    { timeout: 2 * MINUTE },
    async () => {
      const page = await pageWithModel(suite.browser, suite.syntheticUrl, { epochs: 1 });
      await show(page, 'runs');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-download-onnx')]);
      assert.match(download.suggestedFilename(), /^mnist-784-20-10-sigmoid-sgd-epoch1\.onnx$/);
      const bytes = await readFile(await download.path());
      // An ONNX ModelProto: field 1 (ir_version, a varint) = 8 first; the graph's input and output names.
      assert.deepEqual([...bytes.subarray(0, 2)], [0x08, 0x08]);
      assert.ok(bytes.includes(Buffer.from('input')) && bytes.includes(Buffer.from('probabilities')));
      assert.match(await page.textContent('#model-status'), /Downloaded mnist-.*\.onnx \(\d+ KB, ONNX\)/);

      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      assert.deepEqual(session.inputNames, ['input']);
      assert.deepEqual(session.outputNames, ['probabilities']);
      const images = digits(8);
      const input = new ort.Tensor('float32', Float32Array.from(images.flat()), [images.length, PIXELS]);
      const out = (await session.run({ input })).probabilities.data;
      let largest = 0;
      for (const [i, image] of images.entries()) {
        const ours = await page.evaluate((pixels) => window.mnist.predict(pixels), image);
        const theirs = Array.from(out.subarray(i * 10, (i + 1) * 10));
        assert.equal(argmax(theirs), argmax(ours), `image ${i}: ONNX Runtime ${theirs} vs the page ${ours}`);
        for (let k = 0; k < 10; k++) largest = Math.max(largest, Math.abs(theirs[k] - ours[k]));
      }
      assert.ok(largest < 1e-5, `largest |Δp| ${largest}`);
      console.log(
        `ONNX: ${bytes.length} bytes; ${images.length} images, the same class, largest |Δp| ${largest.toExponential(2)}`,
      );
    },
  );
});
