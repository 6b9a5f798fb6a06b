// The declared types of the engine's boundary (wasm/mlp.d.mts, re-exported by
// wasm/engine.mjs's JSDoc) against what the built module really returns:
// every result of every call is written out as a TypeScript object literal
// and assigned to its declared type, and tsc (strict) must accept the file.
// Object literals get TypeScript's excess-property check, so a field the
// module returns but the types lack fails, as does a declared field it no
// longer returns, a wrong type, or a string outside a declared union.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine, DIST } from './support.mjs';

const ROOT = new URL('../../', import.meta.url);
const OUT = new URL('build/types-test/', ROOT);
const TSC = fileURLToPath(new URL('web/node_modules/.bin/tsc', ROOT));

/** A value written out as only its type: an Embind handle has no fields to compare. */
class Opaque {
  constructor(type) {
    this.type = type;
  }
}

/** A JS value as a TypeScript expression of the same shape (typed arrays by their length). */
function literal(value) {
  if (value instanceof Opaque) return `null as unknown as ${value.type}`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `a non-finite number ${value}`);
    return String(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (ArrayBuffer.isView(value)) {
    assert.ok(value.buffer instanceof ArrayBuffer, 'a typed array over shared memory');
    return `new ${value.constructor.name}(${value.length})`;
  }
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  assert.equal(Object.getPrototypeOf(value), Object.prototype, 'a plain object');
  return `{ ${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${literal(v)}`)
    .join(', ')} }`;
}

test('every value the module returns has its declared type (tsc --strict on the values written out)', async () => {
  const { default: createMlpModule } = await import(new URL('mlp.mjs', DIST));
  const m = await createMlpModule({ wasmBinary: await readFile(new URL('mlp.wasm', DIST)) });
  /** [declared type, value] */
  const checks = [];
  const check = (type, value) => checks.push([type, value]);
  /** A result holding a trainer handle: the handle as an opaque TrainerHandle. */
  const handle = (result) => {
    if (!result.ok) return result;
    assert.ok(result.value instanceof m.Trainer);
    result.value.delete();
    return { ok: true, value: new Opaque('M.TrainerHandle') };
  };

  check('M.SchemaField[]', m.configSchema());
  check('M.Preset[]', m.configPresets());
  check('M.RawResult<M.Config>', m.validateConfig({}));
  check('M.RawResult<M.Config>', m.validateConfig({ learningrate: 1 }));
  check('M.RawResult<M.MemoryEstimate>', m.memoryEstimate({ layers: [784, 30, 10], optimizer: 'adam' }));
  check('M.Limits', m.limits());
  check('M.Constants', m.constants());
  check('M.RawResult<number>', m.parameterCount([784, 20, 10]));
  check('M.ThreadInfo', m.threadInfo());
  check('M.RawResult<number>', m.initThreads(1));
  check('M.RawResult<number>', m.setThreads(1));
  check('M.SpikeRule', m.spikeRule());
  check(
    'M.RawResult<M.Spike[]>',
    m.detectSpikes([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9], undefined),
  );
  check('M.RawResult<M.Spike[]>', m.detectSpikes([0.5], { threshold: -1 }));
  check('M.RawResult<M.TrainingCost>', m.trainingCost([784, 20, 10]));
  const points = [
    { cost: 1, value: 0.8 },
    { cost: 2, value: 0.9 },
    { cost: 4, value: 0.91 },
  ];
  check('M.RawResult<number[]>', m.paretoFront(points));
  check('M.RawResult<M.Knee>', m.paretoKnee(points, 0.05));
  check('M.LrRangeDefaults', m.lrRangeDefaults());
  check('M.RawResult<M.LrPick>', m.pickLearningRate([1e-3, 1e-2, 1e-1, 1, 10], [2, 1.9, 1.5, 1, 3]));
  check('boolean', m.simd());
  check('boolean', m.eigenVectorized());
  check('number', m.memoryBytes());
  check('number', m.allocatedBytes());
  check('number', m.peakHeapBytes());

  const engine = new m.Engine();
  check('M.DataInfo | null', engine.dataInfo());
  check('M.RawResult<M.DataInfo>', engine.loadData(syntheticMnist({ train: 300, validation: 100, test: 100 })));
  check('M.DataInfo | null', engine.dataInfo());
  check('M.RawResult<M.DataInfo>', engine.loadData({}));
  check('M.RawResult<Uint8Array<ArrayBuffer>>', engine.splitImages('test', 0, 2));
  check('M.RawResult<M.TrainerHandle>', handle(engine.createTrainer({ optimizer: 'nope' })));

  const made = engine.createTrainer({ layers: [784, 12, 8, 10], seed: 3 });
  assert.ok(made.ok);
  const trainer = made.value;
  const image = new Float32Array(784).fill(0.5);
  check('M.RawResult<M.TrainResult>', trainer.trainBatches(3));
  check('M.Timing', trainer.timing());
  check('M.RawResult<M.Metrics>', trainer.evaluate('test'));
  check('M.RawResult<M.Metrics>', trainer.evaluate('nope'));
  check('M.RawResult<M.Metrics>', trainer.evaluateTraining(undefined));
  check('M.RawResult<Float32Array<ArrayBuffer>>', trainer.predict(image));
  check('M.RawResult<M.Predictions>', trainer.predictSplit('validation'));
  check('M.RawResult<M.LayerWeights>', trainer.layerWeights(1));
  check('M.RawResult<M.Trace>', trainer.traceDigit(image));
  check('M.RawResult<M.Health>', trainer.inspectHealth('validation', undefined, undefined, undefined));
  check('M.RawResult<undefined>', trainer.setLearningRate(0.01));
  check('M.RawResult<undefined>', trainer.setOptimizer({ optimizer: 'adam', beta1: 0.8 }));
  check('M.RawResult<M.Config>', trainer.config());
  assert.ok(trainer.setDynamics(1, undefined).ok);
  trainer.trainBatches(2);
  check('M.RawResult<M.DynamicsSeries>', trainer.takeDynamics());
  check('M.RawResult<M.LrRangeResult>', trainer.lrRangeTest({ batches: 10, end: 1 }));
  check('M.RawResult<M.Progress>', trainer.progress());
  const saved = trainer.save();
  check('M.RawResult<Uint8Array<ArrayBuffer>>', saved);
  check('M.RawResult<M.TrainerHandle>', handle(engine.loadModel(saved.value)));
  check('M.RawResult<M.TrainerHandle>', handle(engine.loadModel(new Uint8Array(3))));
  trainer.delete();
  engine.delete();

  // The wrapper's own shapes.
  const wrapped = await createTestEngine();
  check('E.Threads', wrapped.threads);
  const { threadSupport } = await import(new URL('engine.mjs', DIST));
  check('E.ThreadSupport', threadSupport());

  const lines = [
    '// Written by tests/wasm/types.test.mjs: values the module returned, as their declared types.',
    "import type * as M from '../../wasm/mlp.mjs';",
    "import type * as E from '../../wasm/engine.mjs';",
    // Every type engine.mjs exports by name, so that page code can import it.
    'export type Exported = [E.Engine, E.Trainer, E.EngineError, E.EngineOptions, E.ErrorKind, E.Split, E.Config,',
    '  E.ConfigInput, E.OptimizerSettings, E.SchemaField, E.Preset, E.DataFiles, E.DataInfo, E.Progress,',
    '  E.TrainResult, E.Timing, E.Metrics, E.EvaluateResult, E.Predictions, E.LayerWeights, E.Trace,',
    '  E.LayerHealth, E.Health, E.MemoryEstimate, E.Limits, E.Constants, E.Threads, E.ThreadSupport,',
    '  E.SpikeRule, E.Spike, E.TrainingCost, E.ParetoPoint, E.Knee, E.LrRangeOptions, E.LrRangeDefaults, E.LrPick,',
    '  E.LrRangeResult, E.DynamicsSeries];',
    ...checks.map(([type, value], i) => `export const v${i}: ${type} = ${literal(value)};`),
  ];
  await mkdir(OUT, { recursive: true });
  const file = fileURLToPath(new URL('values.ts', OUT));
  await writeFile(file, lines.join('\n') + '\n');
  const args = ['--noEmit', '--strict', '--allowJs', '--checkJs', '--target', 'es2023', '--module', 'esnext'];
  args.push('--moduleResolution', 'bundler', '--lib', 'es2023,dom', '--types', 'node');
  args.push('--typeRoots', fileURLToPath(new URL('web/node_modules/@types', ROOT)), file);
  const result = await promisify(execFile)(TSC, args, { cwd: fileURLToPath(ROOT) }).then(
    () => ({ code: 0, stdout: '' }),
    (err) => ({ code: err.code, stdout: err.stdout }),
  );
  assert.equal(result.code, 0, `tsc found values that do not have their declared types (${file}):\n${result.stdout}`);
});
