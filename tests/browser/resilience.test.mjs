// Faults and bad inputs in Chromium. The worker lost mid-epoch in every way
// (an error event, closing itself, hanging, killed without a word) is found
// and replaced by itself, with the data it trained on and its checkpoint; a
// reload mid-training on the user's own files comes back on those files;
// a full quota and a missing IndexedDB are shown while training goes on.
// The bad-input matrix: each case shows its own message, and afterwards the
// engine still answers and its heap holds what it held before.
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { idxFile, syntheticIdx } from '../support/synthetic_mnist.mjs';
import { createTestEngine } from '../wasm/support.mjs';
import { freshPage, pageWithData, show, waitForData } from './fixtures.mjs';
import { ROOT, screenshot } from './harness.mjs';
import { useBrowserSuite } from './suite.mjs';

const MINUTE = 60_000;
const BIG = 600 * 2 ** 20;

describe('resilience in Chromium', { timeout: 30 * MINUTE }, () => {
  const suite = useBrowserSuite({ real: false, synthetic: join(ROOT, 'build', 'test-site-resilience') });
  let dir;
  let page;

  const files = {};
  const write = (name, bytes) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mnist-bad-'));
    // A 600 MB file, sparse on disk: never read, never in memory.
    const fd = openSync(join(dir, 'huge.idx'), 'w');
    ftruncateSync(fd, BIG);
    closeSync(fd);
    files.huge = join(dir, 'huge.idx');
    // The user's own data: 8×8 images of 8 classes.
    const make = (n, seed) => syntheticIdx(n, { rows: 8, cols: 8, classes: 8, seed });
    const train = make(600, 1),
      test = make(100, 2);
    files.own = {
      trainImages: write('own-train-images', train.images),
      trainLabels: write('own-train-labels', train.labels),
      testImages: write('own-test-images.gz', gzipSync(test.images)),
      testLabels: write('own-test-labels', test.labels),
    };
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const memory = () => page.evaluate(() => window.mnist.memory());
  const waitState = (s, timeout = MINUTE) =>
    page.waitForFunction((want) => document.body.dataset.trainState === want, s, { timeout });

  async function loadOwn(set = files.own, validation = '100') {
    await page.evaluate(() => {
      document.getElementById('own-data').open = true;
      document.getElementById('idx-error').textContent = '';
    });
    for (const [role, path] of Object.entries(set)) await page.setInputFiles(`#idx-form input[name="${role}"]`, path);
    await page.fill('#idx-form input[name="validation"]', validation);
    await page.click('#idx-form button[type="submit"]');
  }

  async function trainOwnUntil(step) {
    await loadOwn();
    await page.waitForFunction(() => /8×8/.test(document.getElementById('data-status').textContent), null, {
      timeout: MINUTE,
    });
    await page.selectOption('#f-preset', 'report');
    await page.fill('#f-batchSize', '8'); // 63 batches an epoch: the loss comes mid-epoch
    await page.fill('#f-epochs', '1000');
    await page.click('#btn-train');
    await page.waitForFunction((n) => (window.mnist.trainer?.progress.step ?? 0) >= n && window.mnist.lastSaved, step, {
      timeout: MINUTE,
    });
  }

  for (const [how, hook, reason] of [
    ['fails with an error event', 'crashWorker', /simulated worker crash/],
    ['closes itself (no error event)', 'closeWorker', /stopped answering/],
    ['is killed without a word', 'killWorker', /stopped answering/],
    ['hangs', 'hangWorker', /stopped answering/],
  ]) {
    test(
      `a worker that ${how} mid-epoch is replaced within 2 s, on the user's own data, from its checkpoint`,
      { timeout: 3 * MINUTE },
      async () => {
        // The worker that fails with an error event may log it: expected in these four tests only.
        suite.expectConsoleErrors(/simulated worker crash/);
        page = await pageWithData(suite.browser, suite.syntheticUrl);
        await trainOwnUntil(40);
        const before = await page.evaluate(() => ({
          step: window.mnist.trainer.progress.step,
          saved: window.mnist.lastSaved.step,
          ref: window.mnist.dataRef,
        }));
        assert.equal(before.ref.kind, 'idx');
        const t0 = await page.evaluate((h) => {
          window.__lostAt = performance.now();
          window.mnist[h]();
          return window.__lostAt;
        }, hook);
        await page.waitForFunction(
          () => document.getElementById('badge-engine').textContent === 'Engine: restarting…',
          null,
          { timeout: 10_000 },
        );
        const detectedMs = (await page.evaluate(() => performance.now())) - t0;
        await page.waitForFunction(() => window.mnist.recovery !== null, null, { timeout: MINUTE });
        const r = await page.evaluate(() => ({
          report: window.mnist.recovery,
          ref: window.mnist.dataRef,
          info: window.mnist.dataInfo,
          state: window.mnist.state,
          trainer: window.mnist.trainer?.progress,
          alert: document.getElementById('alert-text').textContent,
        }));
        console.log(`worker that ${how}: noticed within ${detectedMs.toFixed(0)} ms; ${r.alert}`);
        // Killed from the page, the worker is gone at once: found within 2 s (+ margin for a loaded
        // machine). The others die once the worker reads the hook; the watchdog says how long it heard nothing.
        if (hook === 'killWorker') assert.ok(detectedMs < 2500, `noticed after ${detectedMs} ms`);
        else assert.ok(detectedMs < 10_000, `noticed after ${detectedMs} ms`);
        const silence = r.alert.match(/nothing for ([\d.]+) s/);
        if (silence) assert.ok(Number(silence[1]) <= 2.0, `silent for ${silence[1]} s before it was noticed`);
        assert.match(r.report.reason, reason);
        assert.deepEqual(r.ref, before.ref, 'the same data as before');
        assert.equal(r.info.rows, 8);
        assert.equal(r.state, 'idle');
        assert.ok(r.trainer.step >= before.saved, `restored step ${r.trainer.step}, saved ${before.saved}`);
        assert.equal(r.report.restoredStep, r.trainer.step);
        assert.match(
          r.alert,
          /was replaced\. Your model is back from its last checkpoint \(epoch \d+, batch \d+\)(; the \d+ batch(es)? trained after it were lost|; nothing was lost)/,
        );
        assert.ok(r.report.lostBatches === before.step - r.trainer.step || r.report.lostBatches >= 0);
        // It trains on.
        await page.click('#btn-train');
        await page.waitForFunction((n) => window.mnist.trainer.progress.step > n, r.trainer.step, { timeout: MINUTE });
        await page.evaluate(
          () => document.getElementById('btn-stop').disabled || document.getElementById('btn-stop').click(),
        );
        await waitState('idle');
      },
    );
  }

  test(
    'a reload mid-training on the user’s own files comes back on them, with the model',
    { timeout: 3 * MINUTE },
    async () => {
      page = await pageWithData(suite.browser, suite.syntheticUrl);
      await trainOwnUntil(30);
      const saved = await page.evaluate(() => window.mnist.lastSaved.step);
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.dataState === 'ready' && window.mnist.trainer, null, {
        timeout: MINUTE,
      });
      const r = await page.evaluate(() => ({
        ref: window.mnist.dataRef,
        info: window.mnist.dataInfo,
        step: window.mnist.trainer.progress.step,
        status: document.getElementById('data-status').textContent,
      }));
      assert.equal(r.ref.kind, 'idx');
      assert.equal(r.info.rows, 8);
      assert.ok(r.step >= saved);
      assert.match(r.status, /your IDX files/);
      assert.match(await page.inputValue('#f-layers'), /^64-/);
    },
  );

  test('a full quota is shown and training goes on', { timeout: 3 * MINUTE }, async () => {
    page = await freshPage(suite.browser, { origin: new URL(suite.syntheticUrl).origin });
    await page.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (value, key) {
        if (key === 'model') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.call(this, value, key);
      };
    });
    await page.goto(suite.syntheticUrl);
    await waitForData(page);
    await page.fill('#f-epochs', '2');
    await page.click('#btn-train');
    await page.waitForFunction(() => window.mnist.saveError !== null, null, { timeout: MINUTE });
    assert.match(await page.textContent('#model-status'), /storage for this page is full.*Training goes on/);
    assert.match(await page.textContent('#alert-text'), /full/);
    await page.waitForFunction(() => window.mnist.state === 'idle' && window.mnist.run.epochs.length === 2, null, {
      timeout: 2 * MINUTE,
    });
    assert.equal(await page.evaluate(() => window.mnist.lastSaved), null);
  });

  test('without IndexedDB (a private window) the page says so and trains', { timeout: 3 * MINUTE }, async () => {
    page = await freshPage(suite.browser, { origin: new URL(suite.syntheticUrl).origin });
    await page.addInitScript(() => {
      Object.defineProperty(window, 'indexedDB', { value: undefined });
    });
    await page.goto(suite.syntheticUrl);
    await waitForData(page);
    await page.fill('#f-epochs', '1');
    await page.click('#btn-train');
    await page.waitForFunction(() => window.mnist.state === 'idle' && window.mnist.run?.epochs.length === 1, null, {
      timeout: 2 * MINUTE,
    });
    assert.match(await page.textContent('#model-status'), /does not let the page store data/);
    // A lost worker is still replaced from the checkpoint kept in memory.
    await page.evaluate(() => window.mnist.killWorker());
    await page.waitForFunction(() => window.mnist.recovery !== null && window.mnist.state === 'idle', null, {
      timeout: MINUTE,
    });
    assert.match(await page.textContent('#alert-text'), /back from its last checkpoint/);
  });

  test(
    'bad inputs: each has its own message, the engine still works and its heap is unchanged',
    { timeout: 10 * MINUTE },
    async () => {
      page = await pageWithData(suite.browser, suite.syntheticUrl);
      // A trained model to keep (and to mutate into bad model files).
      await page.click('#btn-step');
      await page.waitForFunction(() => window.mnist.state === 'paused', null, { timeout: MINUTE });
      await page.click('#btn-stop');
      await waitState('idle');
      await page.evaluate(() => window.mnist.memory()); // warm
      // predict() keeps its input buffer between calls (no allocation per call): in place before the heap is measured.
      await page.evaluate(() => window.mnist.predict(new Array(784).fill(0)));
      const engine = await createTestEngine();
      const good = engine.createTrainer({ layers: [784, 20, 10] }).save();
      const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
      const header = new TextDecoder().decode(good.subarray(8, 8 + headerLength));
      const withHeader = (text) => {
        const t = new TextEncoder().encode(text.padEnd(headerLength, ' '));
        const out = new Uint8Array(good);
        out.set(t.subarray(0, headerLength), 8);
        return out;
      };
      const nanWeights = new Uint8Array(good);
      new DataView(nanWeights.buffer).setFloat32(8 + headerLength + 64, NaN, true);
      const small = await createTestEngine();
      const sixtyFour = small.createTrainer({ layers: [64, 20, 10] }).save();
      const firstKey = header.match(/"(layers\.0\.bias)":(\{[^}]*\})/);
      const duplicate = (() => {
        let text = header.trimEnd().replace(firstKey[0], `${firstKey[0]},"${firstKey[1]}":${firstKey[2]}`);
        text = text.padEnd(Math.ceil(text.length / 8) * 8, ' ');
        const t = new TextEncoder().encode(text);
        const out = new Uint8Array(8 + t.length + good.length - 8 - headerLength);
        new DataView(out.buffer).setBigUint64(0, BigInt(t.length), true);
        out.set(t, 8);
        out.set(good.subarray(8 + headerLength), 8 + t.length);
        return out;
      })();

      const own = files.own;
      const idxBytes = (dims, type = 8) => {
        const b = idxFile(dims, new Uint8Array(dims.reduce((a, x) => a * x, 1)));
        b[2] = type;
        return b;
      };
      const labelsOutOfRange = idxFile([600], new Uint8Array(600).fill(200));
      const promise = idxBytes([100, 8, 8]).subarray(0, 16 + 10);
      const bombHead = idxBytes([600, 8, 8]).subarray(0, 16);
      const bombBody = new Uint8Array(64e6);
      bombBody.set(bombHead);
      const bomb = gzipSync(bombBody, { level: 9 });

      const idxCases = [
        [
          'truncated file',
          { trainImages: write('trunc', idxBytes([600, 8, 8]).subarray(0, 1000)) },
          /Training images.*truncated/,
        ],
        [
          'wrong magic',
          { trainLabels: write('magic', Uint8Array.from([7, 7, 8, 1, 0, 0, 2, 88])) },
          /Training labels.*not an IDX file/,
        ],
        ['wrong dims', { testImages: write('dims', idxBytes([100, 64])) }, /Test images.*2 dimensions; images need 3/],
        [
          'count mismatch',
          { testLabels: write('count', idxFile([99], new Uint8Array(99))) },
          /has 100 images but Test labels.* has 99 labels/,
        ],
        ['labels out of range', { trainLabels: write('range', labelsOutOfRange) }, /label/i],
        [
          'a header promising more than the file',
          { testImages: write('promise', promise) },
          /header announces 100 images of 8×8 .* truncated/,
        ],
        [
          'wrong dtype',
          { trainImages: write('dtype', idxBytes([600, 8, 8], 0x0d)) },
          /float values .*only unsigned bytes/,
        ],
        [
          'a gzip bomb',
          { trainImages: write('bomb.gz', bomb) },
          /decompresses to more than the 38,416 bytes its header announces/,
        ],
        ...['trainImages', 'trainLabels', 'testImages', 'testLabels'].map((role) => [
          `a 600 MB file as ${role}`,
          { [role]: files.huge },
          /629 MB; at most 128 MB are accepted/,
        ]),
      ];
      const modelCases = [
        ['truncated model', write('m-trunc.safetensors', good.subarray(0, good.length - 100)), /truncated/],
        ['wrong dtype', write('m-dtype.safetensors', withHeader(header.replaceAll('"F32"', '"F16"'))), /F16/],
        [
          'architecture mismatch',
          write('m-64.safetensors', sixtyFour),
          /takes 64 inputs but the loaded images have 28×28|784 pixels, the network expects 64/,
        ],
        ['NaN weights', write('m-nan.safetensors', nanWeights), /NaN/],
        [
          'non-UTF-8 header',
          write(
            'm-utf8.safetensors',
            (() => {
              const b = new Uint8Array(good);
              b[12] = 0xff;
              return b;
            })(),
          ),
          /not UTF-8/,
        ],
        ['duplicate tensor names', write('m-dup.safetensors', duplicate), /twice/],
        ['a 600 MB model file', files.huge, /629 MB; the largest model this page can train is/],
      ];

      const trainerBefore = await page.evaluate(() => window.mnist.trainer.progress.step);
      const checkEngine = async (name, heap) => {
        // The engine still answers (a prediction) and holds what it held before.
        const probs = await page.evaluate(() => window.mnist.predict(new Array(784).fill(0)));
        assert.equal(probs.length, 10, `${name}: the engine does not predict`);
        assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-3 || probs.every((p) => p >= 0 && p <= 1));
        const after = await memory();
        assert.equal(
          after.allocatedBytes,
          heap.allocatedBytes,
          `${name}: heap ${heap.allocatedBytes} → ${after.allocatedBytes}`,
        );
        assert.equal(
          await page.evaluate(() => window.mnist.trainer.progress.step),
          trainerBefore,
          `${name}: the model changed`,
        );
        assert.equal(await page.evaluate(() => window.mnist.dataInfo.rows), 28, `${name}: the data changed`);
      };
      let cases = 0;
      for (const [name, replace, message] of idxCases) {
        const heap = await memory();
        await loadOwn({ ...own, ...replace });
        await page.waitForFunction(() => document.getElementById('idx-error').textContent !== '', null, {
          timeout: MINUTE,
        });
        const text = await page.textContent('#idx-error');
        console.log(`  ${name}: ${text}`);
        assert.match(text, message, name);
        await checkEngine(name, heap);
        cases++;
      }
      // Model files are loaded in the Runs view, the settings are in the Train view.
      await show(page, 'runs');
      for (const [name, path, message] of modelCases) {
        const heap = await memory();
        await page.evaluate(() => (document.getElementById('model-error').textContent = ''));
        await page.setInputFiles('#model-file', path);
        await page.waitForFunction(() => document.getElementById('model-error').textContent !== '', null, {
          timeout: MINUTE,
        });
        const text = await page.textContent('#model-error');
        console.log(`  ${name}: ${text}`);
        assert.match(text, message, name);
        await checkEngine(name, heap);
        cases++;
      }
      // Hyperparameters: each refused next to its field, by the page or by the engine (memory).
      const formCases = [
        ['zero learning rate', 'learningRate', '0', /learning rate/i],
        ['negative learning rate', 'learningRate', '-1', /learning rate/i],
        ['NaN learning rate', 'learningRate', 'NaN', /learning rate/i],
        ['huge learning rate', 'learningRate', '1e300', /learning rate/i],
        ['zero batch', 'batchSize', '0', /batch size/i],
        ['huge batch', 'batchSize', '1e12', /batch size/i],
        ['negative L2', 'l2', '-0.5', /L2|λ/],
        ['NaN momentum', 'momentum', 'NaN', /momentum/i, 'momentum'],
        // The weight count is the engine's to check (its message; the page no longer counts them itself).
        [
          'too many parameters',
          'layers',
          '784-9000-9000-10',
          /784-9000-9000-10 has 88164010 parameters, more than the maximum \d+/,
        ],
        [
          'more memory than the engine has (Adam)',
          'layers',
          '784-6400-6400-10',
          /needs about 1\.\d+ GB of memory .*more than the 1\.50 GB this engine can use/,
        ],
      ];
      await show(page, 'train');
      for (const [name, field, value, message, optimizer = 'adam'] of formCases) {
        // The form's optimiser (the memory check counts Adam's moments). The stopped run keeps its own: the
        // form changes a trainer only while it trains or is paused, else Train would start a new network.
        await page.selectOption('#f-optimizer', optimizer);
        const offersNewNetwork = () => document.getElementById('btn-train').textContent === 'Train new network';
        await page.waitForFunction(offersNewNetwork, null, { timeout: 10_000 });
        assert.equal(
          await page.evaluate(() => window.mnist.trainer.config.optimizer),
          'sgd',
          'the run keeps its optimiser',
        );
        const heap = await memory();
        await page.evaluate(
          ([f, v]) => {
            const input = document.getElementById(`f-${f}`);
            input.value = v;
            input.dispatchEvent(new Event('input', { bubbles: true }));
          },
          [field, value],
        );
        await page.waitForFunction((f) => document.getElementById(`err-${f}`).textContent !== '', field, {
          timeout: 10_000,
        });
        const text = await page.textContent(`#err-${field}`);
        console.log(`  ${name}: ${text}`);
        assert.match(text, message, name);
        // Train is refused, nothing is created or trained: by its button (off while the form is invalid) and by
        // its shortcut (Space, which the page still hears).
        if (await page.isEnabled('#btn-train')) await page.click('#btn-train');
        await page.evaluate(() => document.activeElement?.blur());
        await page.keyboard.press('Space');
        await page.waitForTimeout(300);
        assert.equal(await page.evaluate(() => window.mnist.state), 'idle');
        await page.evaluate(
          ([f, v]) => {
            const input = document.getElementById(`f-${f}`);
            input.value = v;
            input.dispatchEvent(new Event('input', { bubbles: true }));
          },
          [
            field,
            field === 'layers'
              ? '784-20-10'
              : await page.evaluate((f) => String(window.mnist.trainer.config[f]), field),
          ],
        );
        await page.waitForFunction((f) => document.getElementById(`err-${f}`).textContent === '', field, {
          timeout: 10_000,
        });
        await checkEngine(name, heap);
        cases++;
      }
      console.log(`bad-input cases: ${cases}`);
      assert.equal(cases, idxCases.length + modelCases.length + formCases.length);
      await screenshot(page, 'resilience-bad-inputs');
      engine.delete();
      small.delete();
    },
  );
});
