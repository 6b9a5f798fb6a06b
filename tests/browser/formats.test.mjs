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

import { SHAPES, encodePng, shapeImage } from '../support/shape_images.mjs';
import { syntheticIdx } from '../support/synthetic_mnist.mjs';
import { drawSeven, pageWithData, pageWithModel, show, trainEpochs, waitForData } from './fixtures.mjs';
import { screenshot } from './harness.mjs';
import { useBrowserSuite } from './suite.mjs';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const ort = require('onnxruntime-node');
const { zipSync } = require('fflate');

const MINUTE = 60_000;
const PIXELS = 784;

/** The index of the largest value. */
const argmax = (p) => p.reduce((best, v, k) => (v > p[best] ? k : best), 0);

/** A deterministic stream of numbers in [-1, 1). */
function uniform(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/**
 * A .safetensors file as safetensors.torch.save_file writes a state_dict: the 8-byte header length, the
 * JSON header (__metadata__ {"format": "pt"} and each tensor's dtype, shape, offsets) padded with
 * spaces to a multiple of 8, then the F32 data. tensors: [[name, shape, Float32Array]].
 */
function stateDictFile(tensors) {
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + 4 * data.length] };
    offset += 4 * data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  out.write(json, 8, 'utf8');
  let at = 8 + json.length;
  for (const [, , data] of tensors) {
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, at);
    at += data.byteLength;
  }
  return out;
}

/** An nn.Sequential(Linear(784, 32), act, Linear(32, 10))'s state_dict: 0.weight, 0.bias, 2.weight, 2.bias. */
function torchMlp(seed = 3) {
  const next = uniform(seed);
  const w1 = Float32Array.from({ length: 32 * PIXELS }, () => next() * 0.1);
  const b1 = Float32Array.from({ length: 32 }, () => next() * 0.5);
  const w2 = Float32Array.from({ length: 10 * 32 }, () => next());
  const b2 = Float32Array.from({ length: 10 }, () => next() * 0.1);
  return { w1, b1, w2, b2 };
}

/** What PyTorch computes: softmax(W2 · act(W1 x + b1) + b2). */
function torchForward({ w1, b1, w2, b2 }, x, act) {
  const h = Array.from({ length: 32 }, (_, j) => {
    let a = b1[j];
    for (let i = 0; i < PIXELS; i++) a += w1[j * PIXELS + i] * x[i];
    return act(a);
  });
  const z = Array.from({ length: 10 }, (_, k) => h.reduce((sum, v, j) => sum + w2[k * 32 + j] * v, b2[k]));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

/** `count` synthetic 28×28 digits as arrays of pixels in [0, 1]. */
function digits(count, seed = 5) {
  const { images } = syntheticIdx(count, { seed });
  return Array.from({ length: count }, (_, i) =>
    Array.from(images.subarray(16 + i * PIXELS, 16 + (i + 1) * PIXELS), (b) => b / 255),
  );
}

/** `count` learnable synthetic digits as CSV rows in Kaggle's layout (label, 784 pixels), with a header. */
function kaggleCsv(count, seed = 1) {
  const { images, labels } = syntheticIdx(count, { seed });
  const header = ['label', ...Array.from({ length: PIXELS }, (_, p) => `pixel${p}`)].join(',');
  const rows = Array.from({ length: count }, (_, i) =>
    [labels[8 + i], ...images.subarray(16 + i * PIXELS, 16 + (i + 1) * PIXELS)].join(','),
  );
  return [header, ...rows];
}

/** Chooses a format of the data panel's own-data forms (the Train view, its details opened). */
async function chooseFormat(page, format) {
  await page.evaluate(() => (document.getElementById('own-data').open = true));
  await page.check(`input[name="own-format"][value="${format}"]`);
  await page.waitForSelector(`#${format}-form:not([hidden])`);
}

/** An element's text with its white space folded, as it reads. */
const textOf = async (page, selector) => (await page.textContent(selector)).replace(/\s+/g, ' ').trim();

/** What a part of the page says: its visible text, then its elements' aria-labels (what a screen reader adds). */
const wordsOf = (page, selector) =>
  page.$eval(selector, (root) =>
    [root.innerText, ...[...root.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label'))].join('\n'),
  );

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

  test(
    'a PyTorch state_dict imports with the activation chosen, classifies a drawing, and saves as ours',
    {
      timeout: 2 * MINUTE,
    },
    async () => {
      const page = await pageWithData(suite.browser, suite.syntheticUrl);
      await show(page, 'runs');
      const net = torchMlp();
      const file = stateDictFile([
        ['0.weight', [32, PIXELS], net.w1],
        ['0.bias', [32], net.b1],
        ['2.weight', [10, 32], net.w2],
        ['2.bias', [10], net.b2],
      ]);
      // A file without one of its biases: the engine's message, next to the control; nothing changes.
      const broken = stateDictFile([
        ['0.weight', [32, PIXELS], net.w1],
        ['0.bias', [32], net.b1],
        ['2.weight', [10, 32], net.w2],
      ]);
      await page.setInputFiles('#model-file', {
        name: 'broken.safetensors',
        mimeType: 'application/octet-stream',
        buffer: broken,
      });
      await page.waitForFunction(() => document.getElementById('model-error').textContent !== '', null, {
        timeout: 10_000,
      });
      const refused = await page.textContent('#model-error');
      console.log(`  ${refused}`);
      assert.match(
        refused,
        /^Could not load broken\.safetensors: model file: layer 2 \('2'\) has a weight but no bias '2\.bias'/,
      );
      assert.ok(await page.locator('#foreign-form').isHidden());
      assert.equal(await page.evaluate(() => window.mnist.trainer), null);

      // The file: the form says what it holds and asks the rest, ReLU and softmax + CE chosen at first.
      await page.setInputFiles('#model-file', {
        name: 'torch_mlp.safetensors',
        mimeType: 'application/octet-stream',
        buffer: file,
      });
      await page.waitForSelector('#foreign-form:not([hidden])');
      assert.equal(await page.textContent('#model-error'), '');
      const about = await page.textContent('#foreign-about');
      console.log(`  ${about}`);
      assert.match(
        about,
        /torch_mlp\.safetensors: a PyTorch state_dict of 2 linear layers, 784-32-10 \(25,450 parameters\), F32; tensors 0\.weight\/\.bias, 2\.weight\/\.bias\./,
      );
      assert.equal(await page.inputValue('#foreign-activation'), 'relu');
      assert.equal(await page.inputValue('#foreign-loss'), 'softmax-ce');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'foreign-activation');
      // Labelled controls (their accessible names).
      const form = page.locator('#foreign-form');
      assert.equal(
        await form.getByLabel('Hidden activation', { exact: true }).getAttribute('id'),
        'foreign-activation',
      );
      assert.equal(await form.getByLabel('Output and loss', { exact: true }).getAttribute('id'), 'foreign-loss');
      assert.equal(await form.getByRole('button', { name: 'Load', exact: true }).count(), 1);
      assert.equal(await form.getByRole('button', { name: 'Cancel', exact: true }).count(), 1);
      // Cancel leaves everything as it was; the same file again, and tanh.
      await page.click('#foreign-cancel');
      assert.ok(await page.locator('#foreign-form').isHidden());
      assert.match(await page.textContent('#model-status'), /torch_mlp\.safetensors was not imported/);
      assert.equal(await page.evaluate(() => window.mnist.trainer), null);
      await page.setInputFiles('#model-file', {
        name: 'torch_mlp.safetensors',
        mimeType: 'application/octet-stream',
        buffer: file,
      });
      await page.waitForSelector('#foreign-form:not([hidden])');
      await page.selectOption('#foreign-activation', 'tanh');
      await page.click('#foreign-form button[type="submit"]');
      await page.waitForFunction(() => /^Imported /.test(document.getElementById('model-status').textContent), null, {
        timeout: 10_000,
      });
      assert.ok(await page.locator('#foreign-form').isHidden());
      const trainer = await page.evaluate(() => window.mnist.trainer);
      assert.deepEqual(trainer.config.layers, [784, 32, 10]);
      assert.equal(trainer.config.activation, 'tanh');
      assert.equal(trainer.config.loss, 'softmax-ce');
      assert.equal(await page.evaluate(() => window.mnist.run.label), 'Imported torch_mlp.safetensors');

      // It computes what PyTorch would with tanh between the layers.
      let largest = 0;
      for (const image of digits(4, 9)) {
        const ours = await page.evaluate((pixels) => window.mnist.predict(pixels), image);
        const theirs = torchForward(net, image, Math.tanh);
        assert.equal(argmax(ours), argmax(theirs));
        for (let k = 0; k < 10; k++) largest = Math.max(largest, Math.abs(ours[k] - theirs[k]));
      }
      assert.ok(largest < 1e-5, `largest |Δp| against the forward pass in JS: ${largest}`);
      // It classifies a drawing, and what is saved is a model file of ours (the same network).
      await show(page, 'classify');
      const said = await drawSeven(page);
      console.log(`  the drawn 7: ${said}; largest |Δp| against PyTorch's forward pass ${largest.toExponential(2)}`);
      assert.match(said, /^Looks like a \d \(/);
      await show(page, 'runs');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#btn-download')]);
      assert.match(download.suggestedFilename(), /^mnist-784-32-10-tanh-sgd-epoch0\.safetensors$/);
      const saved = await readFile(await download.path());
      const header = JSON.parse(saved.subarray(8, 8 + Number(saved.readBigUInt64LE(0))).toString('utf8'));
      assert.equal(header.__metadata__.format, 'mnist-mlp/1');
      assert.deepEqual(header['layers.0.weight'].shape, [32, 784]);
      // After a reload it is back, as the run it is.
      await page.reload();
      await page.waitForFunction(
        () =>
          window.mnist.run?.label === 'Imported torch_mlp.safetensors' &&
          window.mnist.trainer?.config.activation === 'tanh',
        null,
        { timeout: MINUTE },
      );
    },
  );

  test(
    'a Kaggle-layout CSV loads with a share held out, its bad rows reported by line; trains; survives a reload',
    {
      timeout: 3 * MINUTE,
    },
    async () => {
      const page = await pageWithData(suite.browser, suite.syntheticUrl);
      await chooseFormat(page, 'csv');
      const file = (name, lines) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\r\n')}\r\n`) });
      // Kaggle's test.csv has no labels: refused as a whole, with what to do instead.
      const kaggleTest = kaggleCsv(20).map((line) => line.slice(line.indexOf(',') + 1));
      await page.setInputFiles('#csv-form input[name="train"]', file('test.csv', kaggleTest));
      await page.click('#csv-form button[type="submit"]');
      await page.waitForFunction(() => document.getElementById('csv-error').textContent !== '', null, {
        timeout: 10_000,
      });
      const refused = await page.textContent('#csv-error');
      console.log(`  ${refused}`);
      assert.match(refused, /^test\.csv: every row has 784 values and no label, as Kaggle’s test\.csv/);
      assert.match(await page.textContent('#data-status'), /^Synthetic data:/, 'the data loaded before stays');

      // 600 rows and a header; three bad rows at lines 4, 11 and 31.
      const lines = kaggleCsv(600, 3);
      lines[3] = lines[3].replace(/,\d+$/, ''); // 784 values
      lines[10] = `12${lines[10].slice(1)}`; // label 12
      lines[30] = lines[30].replace(',', ',abc,'); // a word among the pixels
      await page.fill('#csv-form input[name="testShare"]', '20');
      await page.fill('#csv-form input[name="validationShare"]', '10');
      await page.setInputFiles('#csv-form input[name="train"]', file('train.csv', lines));
      await page.click('#csv-form button[type="submit"]');
      await page.waitForFunction(() => /^Loaded /.test(document.getElementById('csv-status').textContent), null, {
        timeout: 30_000,
      });
      const status = await page.textContent('#csv-status');
      console.log(`  ${status}`);
      assert.equal(await page.textContent('#csv-error'), '');
      // 597 rows: every fifth held out for test (119), a tenth of the rest for validation (47).
      assert.match(status, /^Loaded 431 training, 47 validation and 119 test images\. 3 skipped\./);
      assert.deepEqual(await page.locator('#csv-status li').allTextContents(), [
        'train.csv, line 4: 784 values; a row is a label and 784 pixels (785 values)',
        'train.csv, line 11: the label is 12, not a digit 0–9',
        'train.csv, line 31: 786 values; a row is a label and 784 pixels (785 values)',
      ]);
      assert.match(
        await page.textContent('#data-status'),
        /^your CSV \(train\.csv\): 431 training, 47 validation, 119 test images of 28×28\.$/,
      );
      assert.deepEqual(await page.evaluate(() => window.mnist.dataInfo), {
        train: 431,
        validation: 47,
        test: 119,
        rows: 28,
        cols: 28,
      });
      await trainEpochs(page, 2);
      const accuracy = await page.evaluate(() => window.mnist.run.epochs.at(-1).test.accuracy);
      console.log(`  test accuracy after 2 epochs on the CSV's 431 images: ${(100 * accuracy).toFixed(1)} %`);
      assert.ok(accuracy >= 0.2, `it learns (chance: 10 %): ${accuracy}`);
      await show(page, 'classify');
      await page.waitForSelector('#confusion table');
      assert.deepEqual(
        await page.locator('#confusion thead tr:nth-child(2) th:not(.corner):not(.recall)').allTextContents(),
        ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      );
      // A reload reads the CSV again, the same way, and restores the model on it.
      const step = await page.evaluate(() => window.mnist.trainer.progress.step);
      await page.reload();
      await waitForData(page);
      await page.waitForFunction((s) => window.mnist.trainer?.progress.step === s, step, { timeout: MINUTE });
      assert.match(
        await page.textContent('#data-status'),
        /^your CSV \(train\.csv\): 431 training, 47 validation, 119 test/,
      );
      assert.equal(await page.evaluate(() => window.mnist.dataRef.kind), 'csv');
    },
  );

  test(
    'a zip of image folders loads with its class names, a non-image reported by path; trains; survives a reload',
    {
      timeout: 4 * MINUTE,
    },
    async () => {
      const page = await pageWithData(suite.browser, suite.syntheticUrl);
      // MNIST-like data: one image is a digit.
      assert.equal(await textOf(page, '#gallery-title'), 'Test digits');
      assert.equal(await textOf(page, '#gallery-cell-clear'), 'Show all digits');
      // PNGs of three shapes in folders named after them, of many sizes, dark on light and light on dark; a
      // few JPEGs the browser encodes; a note and a blank image among them; a folder around it all.
      const files = {};
      for (const shape of SHAPES)
        for (let i = 0; i < 40; i++) {
          const width = 32 + ((i * 7) % 48);
          const height = 28 + ((i * 5) % 40);
          const light = i % 3 !== 0;
          const rgba = shapeImage(shape, {
            width,
            height,
            seed: 100 * SHAPES.indexOf(shape) + i + 1,
            ink: light ? [30, 20, 90, 255] : [250, 250, 250, 255],
            background: light ? [245, 240, 220, 255] : [10, 10, 10, 255],
          });
          files[`shapes/${shape}/${i}.png`] = new Uint8Array(encodePng(rgba, width, height));
        }
      const jpegs = await page.evaluate(async () => {
        const out = [];
        for (let i = 0; i < 3; i++) {
          const canvas = new OffscreenCanvas(64, 48);
          const ctx = canvas.getContext('2d');
          ctx.fillStyle = '#fff';
          ctx.fillRect(0, 0, 64, 48);
          ctx.strokeStyle = '#000';
          ctx.lineWidth = 5;
          ctx.beginPath();
          ctx.arc(32 + 2 * i, 24, 14 - i, 0, 2 * Math.PI);
          ctx.stroke();
          const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
          out.push([...new Uint8Array(await blob.arrayBuffer())]);
        }
        return out;
      });
      jpegs.forEach((bytes, i) => (files[`shapes/circle/photo${i}.jpg`] = Uint8Array.from(bytes)));
      files['shapes/circle/notes.txt'] = new TextEncoder().encode('these are circles');
      files['shapes/square/empty.png'] = new Uint8Array(encodePng(new Uint8Array(30 * 30 * 4).fill(255), 30, 30));
      const zip = Buffer.from(zipSync(files));

      await chooseFormat(page, 'zip');
      await page.fill('#zip-form input[name="testShare"]', '25');
      await page.fill('#zip-form input[name="validationShare"]', '10');
      await page.setInputFiles('#zip-form input[name="zip"]', {
        name: 'shapes.zip',
        mimeType: 'application/zip',
        buffer: zip,
      });
      await page.click('#zip-form button[type="submit"]');
      await page.waitForFunction(() => /^Loaded /.test(document.getElementById('zip-status').textContent), null, {
        timeout: MINUTE,
      });
      const status = await page.textContent('#zip-status');
      console.log(`  ${status}`);
      assert.equal(await page.textContent('#zip-error'), '');
      // 123 images: a quarter held out for test (30), a tenth of the rest for validation (9).
      assert.match(
        status,
        /^Loaded 84 training, 9 validation and 30 test images in 3 classes \(circle, cross, square\)\. 2 skipped\./,
      );
      assert.deepEqual(await page.locator('#zip-status li').allTextContents(), [
        'shapes/circle/notes.txt: not a PNG or JPEG image',
        'shapes/square/empty.png: no ink: the image is blank',
      ]);
      assert.match(
        await page.textContent('#data-status'),
        /^your images \(shapes\.zip\): 84 training, 9 validation, 30 test images of 28×28 in 3 classes \(circle, cross, square\)\.$/,
      );
      // Named classes: one image is an image wherever index.html names one (ui/item_words_view.js).
      assert.equal(await textOf(page, '#gallery-title'), 'Test images');
      assert.equal(await textOf(page, '#gallery-cell-clear'), 'Show all images');
      assert.equal(await textOf(page, '#path-status'), 'Select an image in the gallery below, or draw one.');
      assert.equal(await textOf(page, '#bp-status'), 'Select an image in the Classify view’s gallery.');
      assert.equal(await textOf(page, '#path-panel summary'), 'One image’s path');
      assert.equal(await textOf(page, 'label:has(> #bp-index)'), 'Test image №');
      assert.match(
        await textOf(page, '#confusion-help'),
        /^Rows: the true class; .* to see those images in the gallery/,
      );
      assert.equal(
        await page.getAttribute('#pad', 'aria-label'),
        'Drawing area: draw an image here with a mouse, finger or pen',
      );
      assert.equal(await page.getAttribute('#path-panel [role="radiogroup"]', 'aria-label'), 'Which image');
      // The fast preset (ReLU, softmax, Adam), in batches no larger than the 84 training images (the form
      // holds a batch to them).
      await page.selectOption('#f-preset', 'fast');
      await page.fill('#f-batchSize', '16');
      await trainEpochs(page, 10);
      const accuracy = await page.evaluate(() => window.mnist.run.epochs.at(-1).test.accuracy);
      console.log(`  test accuracy after 10 epochs on 84 shapes: ${(100 * accuracy).toFixed(1)} %`);
      assert.ok(accuracy >= 0.6, `the shapes are learnt: ${accuracy}`);

      // The class names in the confusion matrix, the gallery and the drawing's probabilities.
      await show(page, 'classify');
      await page.waitForSelector('#confusion table');
      assert.deepEqual(
        await page
          .locator('#confusion thead tr:nth-child(2) th:not(.corner):not(.recall):not(.other)')
          .allTextContents(),
        SHAPES.slice().sort(),
      );
      assert.deepEqual(await page.locator('#confusion tbody th').allTextContents(), ['circle', 'cross', 'square']);
      assert.match(await page.textContent('#confusion thead .axis'), /predicted class/);
      assert.match(
        await page.getAttribute('#confusion button.cell >> nth=1', 'aria-label'),
        /^true circle, predicted cross: \d+ images?$/,
      );
      await page.waitForSelector('#gallery .tile');
      assert.match(await page.textContent('#gallery-count'), /^30 test images, \d+ misclassified/);
      const captions = await page.locator('#gallery .tile strong').allTextContents();
      assert.equal(captions.length, 30);
      assert.ok(
        captions.every((c) => SHAPES.includes(c)),
        captions.join(' '),
      );
      await page.click('#gallery .tile >> nth=0');
      assert.match(
        await page.textContent('#gallery-detail .detail-text'),
        /^Test image #\d+: true label (circle|cross|square), predicted (circle|cross|square)/,
      );
      assert.deepEqual(await page.locator('#gallery-detail .probs-digit').allTextContents(), [
        'circle',
        'cross',
        'square',
      ]);
      // A cell of the matrix opens its images in the gallery, named.
      await page.click('#confusion button.cell[data-true="2"][data-predicted="2"]');
      await page.waitForFunction(
        () => /^True square, predicted square: /.test(document.getElementById('gallery-count').textContent),
        null,
        {
          timeout: 10_000,
        },
      );
      await screenshot(page, 'formats-zip-classes');
      // A drawing is classified as one of the classes.
      const said = await drawSeven(page);
      console.log(`  a drawn 7 on the shapes' network: ${said}`);
      assert.match(said, /^Looks like: (circle|cross|square|output \d) \(/);
      assert.deepEqual(await page.locator('#draw-bars .probs-digit').allTextContents(), ['circle', 'cross', 'square']);
      // Nothing in the Classify view calls these images digits: not its text, not its labels.
      await page.waitForSelector('#draw-backprop:not([hidden])');
      const words = await wordsOf(page, '#classify');
      assert.match(words, /Show all images/);
      assert.match(words, /Follow your drawing’s backward pass/);
      assert.doesNotMatch(words, /\bdigits?\b/i, words);

      // A reload converts the zip again, the same way, and restores the model on it.
      const step = await page.evaluate(() => window.mnist.trainer.progress.step);
      await page.reload();
      await waitForData(page, MINUTE);
      await page.waitForFunction((s) => window.mnist.trainer?.progress.step === s, step, { timeout: MINUTE });
      assert.match(
        await page.textContent('#data-status'),
        /^your images \(shapes\.zip\): 84 training, 9 validation, 30 test .* \(circle, cross, square\)/,
      );
      assert.equal(await page.evaluate(() => window.mnist.dataRef.kind), 'zip');
      await show(page, 'classify');
      await page.waitForSelector('#confusion table');
      assert.deepEqual(await page.locator('#confusion tbody th').allTextContents(), ['circle', 'cross', 'square']);
      assert.equal(await textOf(page, '#gallery-title'), 'Test images');
      assert.doesNotMatch(await wordsOf(page, '#classify'), /\bdigits?\b/i);
    },
  );
});
