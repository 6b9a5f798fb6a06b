// Run records of the report's experiments, as the page makes them
// (experiments_panel.js: a run record from run_record.js with
// run.experiment), with made-up per-epoch results: for the tests of the
// figures, the legend and the claims. Not a test file itself.
import { planQueue } from '../../web/page/report/experiment_plan.js';
import { addEpoch, appendChunk, createRun } from '../../web/page/runs/run_record.js';
import { createTestEngine } from '../wasm/support.mjs';

let engine = null;
/** The engine's schema and presets (the real ones, from build/wasm/dist). */
export async function engineTables() {
  engine ??= await createTestEngine();
  return { schema: engine.schema(), presets: engine.presets() };
}

const metrics = (accuracy, count, loss = 1 - accuracy) => ({ loss, accuracy, count });

/**
 * A run of `key` in `reading` that trained `epochs` epochs: trainSet(epoch)
 * its training-set accuracy after each (null: not evaluated), validation(epoch)
 * and test(epoch) likewise; batches per epoch `batches` of which `empty` are
 * empty slices (NaN), `images` images an epoch; `seed` its seed (1–5), `experiment` the queue's experiment id.
 */
export function experimentRun(
  tables,
  {
    key,
    reading,
    seed = 1,
    experiment = 'report',
    epochs = 100,
    number = 1,
    createdAt = number,
    batches = 23,
    empty = 0,
    images = 12_000,
    trainSet = (e) => 0.8 + e / 1000,
    validation = () => null,
    test = (e, n) => (e === n ? 0.9 : null),
  },
) {
  const [item] = planQueue({
    experiment: 'report',
    readings: [reading],
    epochs,
    seeds: seed,
    schema: tables.schema,
    presets: tables.presets,
  }).filter((i) => i.key === key && i.seed === seed);
  const run = createRun({ config: item.config, number, createdAt, label: item.label, id: `run-${number}` });
  run.experiment = { experiment, key, reading, seed, queueId: 'q', index: 0 };
  for (let e = 1; e <= epochs; e++) {
    const loss = Float32Array.from({ length: batches }, (_, i) => (i < empty ? NaN : 0.5));
    appendChunk(run, {
      epochIndex: e - 1,
      firstBatch: 1,
      batchLoss: loss,
      batchAccuracy: loss,
      batchesPerEpoch: batches,
      epoch: e,
      batchInEpoch: 0,
      step: e * batches,
      runMs: e * 10,
    });
    const t = trainSet(e, epochs);
    const v = validation(e, epochs);
    const s = test(e, epochs);
    addEpoch(run, {
      epoch: e,
      step: e * batches,
      train: metrics(0.5, images),
      trainSet: t == null ? null : metrics(t, 3000),
      validation: v == null ? null : metrics(v, 10000),
      test: s == null ? null : metrics(s, 10000),
      confusion: s == null ? null : new Int32Array(100),
      classes: 10,
      evalMs: 1,
      runMs: e * 10,
    });
  }
  return run;
}
