// Prints the README's table of the spike study (scripts/spike-study.sh) from
// build/spike-study/<intervention>/seed<N>.jsonl (epochs and the final line,
// whose `spikes` are the engine's detector's, --eval-train) and
// seed<N>.steps.jsonl (--record-steps: every step's batch size, loss, norms
// and per-layer ratios): per intervention the seeds with a spike, spikes per
// seed, the largest jump, the drops of a trained network, final training and
// test accuracy, and the steps of drop epochs against the epochs without a
// spike (largest and median step and batch); then the explanation the page generates from the
// same numbers (web/page/report/spike_study.js).
//   node scripts/spike-study-table.mjs [DIR]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  INTERVENTIONS,
  LEARNED,
  explain,
  interventionSummary,
  spikeEpochComparison,
} from '../web/page/report/spike_study.js';

const [dir = 'build/spike-study'] = process.argv.slice(2);

const lines = (file) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** A CLI step record as the study reads it (spike_study.js StepRecord). */
const stepRecord = (s) => ({
  step: s.step,
  epoch: s.epoch,
  batchSize: s.batch_size,
  loss: s.loss,
  gradNorm: s.grad_norm,
  stepNorm: s.step_norm,
  layers: s.layers.map((l) => ({ updateRatio: l.update_ratio, saturated: l.saturated })),
});

/** The engine's spike rule ({ threshold, after }), from the wasm build the page loads. */
async function spikeRule() {
  const dist = new URL('../build/wasm/dist/', import.meta.url);
  const { createEngine } = await import(new URL('engine.mjs', dist).href);
  const engine = await createEngine({ wasmBinary: readFileSync(new URL('mlp.wasm', dist)) });
  return engine.spikeRule();
}

/** The runs of the study, and how many diverged per intervention. */
function load() {
  const runs = [];
  /** @type {Record<string, number>} */
  const diverged = {};
  for (const { key } of INTERVENTIONS) {
    const folder = join(dir, key);
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder)) {
      const seed = Number(/^seed(\d+)\.(diverged\.)?jsonl$/.exec(f)?.[1]);
      if (!seed) continue;
      if (f.includes('diverged')) {
        diverged[key] = (diverged[key] ?? 0) + 1;
        continue;
      }
      const all = lines(join(folder, f));
      const final = all.find((l) => l.final);
      if (!final) continue;
      if (!Array.isArray(final.spikes))
        throw new Error(`${f}: the final line has no spikes (an mlp_train without the detector?)`);
      const epochs = all.filter((l) => l.epoch && !l.final);
      const stepsFile = join(folder, `seed${seed}.steps.jsonl`);
      runs.push({
        variant: key,
        seed,
        accuracies: epochs.map((l) => l.train_eval_accuracy),
        spikes: final.spikes,
        finalTrain: epochs.at(-1)?.train_eval_accuracy ?? null,
        finalTest: final.test_accuracy ?? null,
        steps: existsSync(stepsFile) ? lines(stepsFile).map(stepRecord) : [],
      });
    }
  }
  return { runs, diverged };
}

const pct = (x) => (x == null ? '–' : (100 * x).toFixed(2));
const num = (x) => (x == null ? '–' : Math.abs(x) >= 100 ? String(Math.round(x)) : Number(x.toPrecision(3)).toString());
const spreadText = (s, f) => (!s ? '–' : s.n === 1 ? f(s.mean) : `${f(s.mean)} [${f(s.min)}–${f(s.max)}]`);

const rule = await spikeRule();
const { runs, diverged } = load();
const rows = interventionSummary(runs);
console.log(
  `Spikes: the engine's rule — training accuracy changing by more than ${100 * rule.threshold} points between two epochs after epoch ${rule.after}. 784-80-40-20-10, report's code, η = 0.001 unless changed; ${Math.max(...rows.map((r) => r.epochs))} epochs.\n`,
);
console.log(
  `| intervention | seeds with spikes | spikes per seed | largest jump (points) | seeds with drops of a trained network (accuracy ≥ ${100 * LEARNED} % before) | drops per seed | final train acc. % | final test acc. % | drop epochs / others: largest step | … its batch | … its ‖g‖ | … largest batch | … median step |`,
);
console.log(`|${'---|'.repeat(13)}`);
for (const r of rows) {
  const c = spikeEpochComparison(
    runs.filter((x) => x.variant === r.key),
    rule,
  );
  const vs = (a, b) => `${c.drop.epochs ? num(a) : '–'} / ${c.other.epochs ? num(b) : '–'}`;
  const div = diverged[r.key] ? ` (+${diverged[r.key]} diverged)` : '';
  const one = (x) => Number(x.toFixed(1)).toString();
  console.log(
    `| ${r.label} | ${r.withSpikes}/${r.seeds}${div} | ${spreadText(r.spikesPerSeed, one)} | ${r.largest ? `${r.largest.change > 0 ? '+' : '−'}${(100 * Math.abs(r.largest.change)).toFixed(1)} (seed ${r.largest.seed}, epoch ${r.largest.epoch})` : '–'} | ${r.withDrops}/${r.seeds} | ${spreadText(r.dropsPerSeed, one)} | ${spreadText(r.finalTrain, pct)} | ${spreadText(r.finalTest, pct)} | ${vs(c.drop.largestStep, c.other.largestStep)} | ${vs(c.drop.largestStepBatch, c.other.largestStepBatch)} | ${vs(c.drop.largestStepGrad, c.other.largestStepGrad)} | ${vs(c.drop.largestBatch, c.other.largestBatch)} | ${vs(c.drop.stepNorm, c.other.stepNorm)} |`,
  );
}
for (const [key, n] of Object.entries(diverged))
  if (!rows.some((r) => r.key === key))
    console.log(`| ${INTERVENTIONS.find((i) => i.key === key)?.label} | all ${n} diverged | | | | | | | | | | |`);

const comparison = spikeEpochComparison(
  runs.filter((r) => r.variant === 'baseline'),
  rule,
);
console.log('\nThe explanation (spike_study.js explain, from these numbers):\n');
for (const s of explain({ rows, comparison, rule })) console.log(`- ${s}`);
