// Hostile model files at the wasm boundary: deep JSON nesting (a stack
// overflow natively, a RangeError that escaped and leaked the wasm stack
// here), oversized headers, absurd sizes. Each must come back from
// engine.loadModel as a ModelFileError with a short message, and 100 tries
// must leave the wasm heap as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createTestEngine, thrown } from './support.mjs';

/** A safetensors file: 8-byte little-endian header length, the header, then `data`. */
function safetensors(header, data = new Uint8Array(0)) {
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function headerOf(bytes) {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

describe('hostile model files at the wasm boundary', () => {
  let engine, cases;

  before(async () => {
    engine = await createTestEngine();
    const trainer = engine.createTrainer({ layers: [2, 3, 2], batchSize: 2 });
    const good = trainer.save();
    trainer.delete();
    const metadata = headerOf(good).__metadata__;
    const withMetadata = (changes) => safetensors(JSON.stringify({ __metadata__: { ...metadata, ...changes } }));
    const section = (key, changes) => JSON.stringify({ ...JSON.parse(metadata[key]), ...changes });
    const nested = (n) => '['.repeat(n) + ']'.repeat(n);
    const inShape = (n) =>
      safetensors(
        `{"__metadata__":${JSON.stringify(metadata)},"layers.0.weight":{"dtype":"F32","shape":${nested(n)},"data_offsets":[0,0]}}`,
      );
    cases = [
      ['nesting 10,000 deep in a shape (20 KB)', inShape(10_000)],
      ['nesting 100,000 deep in a shape (200 KB)', inShape(100_000)],
      ['nesting 1,000 deep in a shape', inShape(1_000)],
      ['nesting in a metadata value', safetensors(`{"__metadata__":{"format":${nested(50_000)}}}`)],
      ['nesting in the architecture text', withMetadata({ architecture: nested(50_000) })],
      [
        'a header length above 1 MB',
        (() => {
          const b = safetensors('{}', new Uint8Array(16));
          new DataView(b.buffer).setBigUint64(0, (1n << 20n) + 1n, true);
          return b;
        })(),
      ],
      [
        'a 1.2 MB header',
        safetensors(`{"w":{"dtype":"F32","shape":[${'1,'.repeat(600_000)}1],"data_offsets":[0,4]}}`, new Uint8Array(4)),
      ],
      [
        'a shape of 400,001 dimensions',
        safetensors(`{"w":{"dtype":"F32","shape":[${'1,'.repeat(400_000)}1],"data_offsets":[0,4]}}`, new Uint8Array(4)),
      ],
      [
        'sizes [65536, 4095] and no tensors',
        withMetadata({ architecture: section('architecture', { sizes: [65536, 4095] }) }),
      ],
      ['a 300 KB tensor name', safetensors(`{"${'x'.repeat(300_000)}":{"dtype":"F32"}}`)],
      ['an epoch of 1e300', withMetadata({ progress: section('progress', { epoch: 1e300 }) })],
      ['a step of "-1"', withMetadata({ progress: section('progress', { step: '-1' }) })],
      ['a seed of " 12abc"', withMetadata({ training: section('training', { seed: ' 12abc' }) })],
    ];
  });

  after(() => engine?.delete());

  test('each is a ModelFileError with a short message', () => {
    for (const [what, bytes] of cases) {
      const error = thrown(() => engine.loadModel(bytes));
      assert.ok(error instanceof Error, what);
      assert.equal(error.kind, 'ModelFileError', `${what}: ${error.kind}: ${String(error.message).slice(0, 200)}`);
      assert.ok(error.message.length < 450, `${what}: a message of ${error.message.length} characters`);
      assert.match(error.message, /^model file: /, what);
    }
  });

  test('100 tries leave the wasm heap as it was, and the engine working', () => {
    const tryAll = () => {
      for (const [, bytes] of cases) thrown(() => engine.loadModel(bytes));
    };
    tryAll(); // first use may grow allocator pools once
    const before = engine.allocatedBytes();
    for (let i = 0; i < 100; i += cases.length) tryAll();
    for (let i = 0; i < 100; i++) thrown(() => engine.loadModel(cases[1][1])); // the 200 KB nesting alone
    assert.equal(engine.allocatedBytes(), before);
    const trainer = engine.createTrainer({ layers: [2, 3, 2] });
    const loaded = engine.loadModel(trainer.save());
    assert.deepEqual(loaded.config(), trainer.config());
    trainer.delete();
    loaded.delete();
  });
});
