// The study "Why the deep network spikes" (issue 18): the report's
// 784-80-40-20-10 in the report's code reading, whose training accuracy
// jumps by more than 2 points between epochs, trained again with one factor
// changed at a time (the interventions below), every batch's step recorded
// (dynamicsEvery: 1). Given the runs, the engine's detected spikes
// (engine.detectSpikes, its rule engine.spikeRule()) and the per-step
// records, this module computes per intervention how many seeds spike, how
// often and how far; the steps around each spike; the steps of spike epochs
// against the others; and the explanation, generated from those numbers.
// Pure: unit-tested under Node (tests/web/spike_study.test.mjs); the page's
// view (spike_study_view.js) and the native study's table
// (scripts/spike-study-table.mjs) both read it.
import { REPORT_EPOCHS, REPORT_LEARNING_RATE, formatEta, registerStudy } from './experiment_plan.js';
import { spread } from './seed_bands.js';

/** The study's id in the Experiments view and on its runs (run.experiment.experiment). */
export const SPIKE_STUDY = 'spikes';
/** The network that spikes: 784-80-40-20-10 (the report's Fig. 4, 5 layers). */
export const SPIKE_HIDDEN = Object.freeze([80, 40, 20]);
/** The report-code preset's training images (its train_limit): the slices' lengths are 0 … n − 1. */
export const REPORT_CODE_IMAGES = 3000;
/**
 * η for the mean gradient that matches the report code's average step: that code steps by η·½·Σ over a
 * slice; a non-empty slice between two random indices of n holds n/3 images on average, so its step is
 * η·n/6 times the mean gradient. The measured batch sizes (baseline's median non-empty slice) check it.
 */
export const MATCHED_MEAN_ETA = (REPORT_LEARNING_RATE * REPORT_CODE_IMAGES) / 6;
/**
 * The global gradient norm the clipping intervention caps the step's gradient at (clipNorm, on the
 * gradient the optimiser steps on: ½·Σ over the slice). Chosen from the baseline's measured steps (the
 * native study, seed 1: ‖g‖ of the non-empty steps after epoch 10 has median 68, 90th percentile 192,
 * largest 2,900), so that it caps the larger half and the whole tail.
 */
export const CLIP_NORM = 50;

/**
 * The interventions, each one factor changed on the report's code (config overrides on top of the
 * 'report-code' preset), with what it changes in words. `native`: the CLI's flags for the same (the
 * native study, scripts/spike-study.sh, reads them from here).
 * @type {readonly { key: string, label: string, changes: string, overrides: Record<string, any>, native: string }[]}
 */
export const INTERVENTIONS = Object.freeze([
  {
    key: 'baseline',
    label: 'the report’s code',
    changes: 'nothing: slices of 0–2,999 images, η/2 × the summed gradient, N(0,1)/√fan-in weights',
    overrides: {},
    native: '',
  },
  {
    key: 'shuffled',
    label: 'regular batches of 128',
    changes:
      'batching: shuffled — batches of 128 (the last 56) that see each image once an epoch, in place of the slices (0–2,999 images, ~11,700 an epoch); the step is still η/2 × the sum, so its average size drops ~8×',
    overrides: { batching: 'shuffled' },
    native: '--batching shuffled',
  },
  {
    key: 'shuffled-matched',
    label: 'batches of 128, η scaled ×1000/128',
    changes:
      'batching: shuffled with η × 1000/128: regular batches, the average non-empty slice’s step size (1,000 images × η/2) kept',
    overrides: { batching: 'shuffled', learningRate: (REPORT_LEARNING_RATE * REPORT_CODE_IMAGES) / 3 / 128 },
    native: `--batching shuffled --lr ${(REPORT_LEARNING_RATE * REPORT_CODE_IMAGES) / 3 / 128}`,
  },
  {
    key: 'mean',
    label: 'mean gradient',
    changes:
      'gradient: mean — η × the slice’s mean gradient: every step’s size independent of the slice, and ~500× smaller',
    overrides: { gradient: 'mean' },
    native: '--gradient mean',
  },
  {
    key: 'mean-matched',
    label: `mean gradient, η = ${formatEta(MATCHED_MEAN_ETA)}`,
    changes: `gradient: mean with η = ${formatEta(MATCHED_MEAN_ETA)} (η·n/6): the same average step, without its variation with the slice’s length`,
    overrides: { gradient: 'mean', learningRate: MATCHED_MEAN_ETA },
    native: `--gradient mean --lr ${MATCHED_MEAN_ETA}`,
  },
  {
    key: 'lr1e-4',
    label: 'η = 1e-4',
    changes: 'η = 0.0001: every step 10× smaller',
    overrides: { learningRate: 0.0001 },
    native: '--lr 0.0001',
  },
  {
    key: 'glorot',
    label: 'Glorot initialisation',
    changes: 'init: uniform — Glorot weights and zero biases in place of N(0,1)/√fan-in weights and N(0,1) biases',
    overrides: { init: 'uniform' },
    native: '--init uniform',
  },
  {
    key: 'momentum',
    label: 'momentum 0.9',
    changes: 'optimizer: momentum (0.9): steps averaged over ~10 batches (and ~10× larger on a steady gradient)',
    overrides: { optimizer: 'momentum', momentum: 0.9 },
    native: '--optimizer momentum --momentum 0.9',
  },
  {
    key: 'adam',
    label: 'Adam',
    changes: 'optimizer: adam (η = 0.001): each weight’s step scaled by its gradient’s running size',
    overrides: { optimizer: 'adam' },
    native: '--optimizer adam',
  },
  {
    key: 'clip',
    label: `gradient clipped at ‖g‖ ≤ ${CLIP_NORM}`,
    changes: `clipNorm: ${CLIP_NORM} — the step’s gradient scaled down to a global norm of ${CLIP_NORM} when larger`,
    overrides: { clipNorm: CLIP_NORM },
    native: `--clip-norm ${CLIP_NORM}`,
  },
]);

/**
 * The study's variants: the deep network at the report's η, one per intervention, every step recorded.
 * @returns {import('./experiment_plan.js').Variant[]}
 */
export function spikeVariants() {
  return INTERVENTIONS.map((i) => ({
    key: i.key,
    hidden: [...SPIKE_HIDDEN],
    label: `784-80-40-20-10, ${i.label}`,
    overrides: { learningRate: REPORT_LEARNING_RATE, ...i.overrides },
    options: { dynamicsEvery: 1 },
  }));
}

registerStudy({
  id: SPIKE_STUDY,
  label: 'Why the deep network spikes',
  help: `784-80-40-20-10 in the report’s code, and with one factor changed at a time (${INTERVENTIONS.length - 1} interventions), every step recorded`,
  readings: ['report-code'],
  epochs: REPORT_EPOCHS,
  variants: spikeVariants,
});

// ---- The study's runs in one form ------------------------------------------------------

/**
 * One recorded step: its batch's size, the loss before it, the global norms of the gradient stepped on
 * and of the step, and per weight layer the update-to-weight ratio and the saturated share.
 * @typedef {{ step: number, epoch: number, batchSize: number, loss: number, gradNorm: number,
 *   stepNorm: number, layers: { updateRatio: number, saturated: number }[] }} StepRecord
 */
/**
 * A run of the study as this module reads it, whether the page trained it or the CLI: its intervention,
 * seed, training accuracy after each epoch (index 0: epoch 1), the engine's spikes in it, its final
 * training and test accuracy, and its steps.
 * @typedef {{ variant: string, seed: number, accuracies: number[], spikes: Spike[], finalTrain: number | null,
 *   finalTest: number | null, steps: StepRecord[] }} StudyRun
 * @typedef {{ epoch: number, change: number }} Spike
 * @typedef {{ threshold: number, after: number }} SpikeRule
 */

/** The training accuracy after each epoch of a page's run (null where it was not evaluated). */
export function accuraciesOf(/** @type {import('../runs/run_record.js').Run} */ run) {
  return run.epochs.map((e) => e.trainSet?.accuracy ?? null);
}

/**
 * A page's run's recorded steps (run.dynamics with the per-record extras), each placed in its epoch: the
 * first epoch whose end (entry.step, counted from the run's start) it does not pass.
 * @param {import('../runs/run_record.js').Run} run
 * @returns {StepRecord[]}
 */
export function stepsOfRun(run) {
  const d = /** @type {Record<string, any> | undefined} */ (run.dynamics);
  if (!d || !d.steps?.length) return [];
  const offset = run.stepOffset ?? 0;
  const ends = run.epochs.map((e) => e.step - offset);
  const out = [];
  let e = 0;
  for (let i = 0; i < d.steps.length; i++) {
    const step = d.steps[i] - offset;
    while (e < ends.length && ends[e] < step) e++;
    out.push({
      step,
      epoch: e < ends.length ? run.epochs[e].epoch : (run.epochs.at(-1)?.epoch ?? 0) + 1,
      batchSize: d.batchSize?.[i] ?? NaN,
      loss: d.loss?.[i] ?? NaN,
      gradNorm: d.gradNorm?.[i] ?? NaN,
      stepNorm: d.stepNorm?.[i] ?? NaN,
      layers: d.layers.map((l) => ({ updateRatio: l.updateRatio[i], saturated: l.saturated[i] })),
    });
  }
  return out;
}

/**
 * The study's runs from the page's run records grouped by seed (seed_bands.js seedGroups: "reading key" →
 * runs) and the engine's spikes for each run (by run id).
 * @param {Map<string, import('../runs/run_record.js').Run[]>} groups
 * @param {Map<string, Spike[]>} spikesByRun
 * @returns {StudyRun[]}
 */
export function studyRunsOf(groups, spikesByRun) {
  const out = [];
  for (const runs of groups.values())
    for (const r of runs) {
      const accuracies = accuraciesOf(r);
      const last = r.epochs.at(-1);
      out.push({
        variant: r.experiment.key,
        seed: r.experiment.seed ?? 1,
        accuracies,
        spikes: spikesByRun.get(r.id) ?? [],
        finalTrain: last?.trainSet?.accuracy ?? null,
        finalTest: r.epochs.findLast((e) => e.test)?.test?.accuracy ?? null,
        steps: stepsOfRun(r),
      });
    }
  return out;
}

// ---- Statistics ------------------------------------------------------------------------

/**
 * A network below this training accuracy has not learned yet (or at all): its jumps are the climb out of
 * the plateau where it predicts the classes' prior (loss ≈ 3.25), and its lack of spikes says nothing.
 */
export const LEARNED = 0.5;

/**
 * A run's drops: the spikes that lowered the training accuracy of a network that had learned (its
 * accuracy after the epoch before at least LEARNED) — the report's "lost consistency".
 * @param {StudyRun} r
 */
export function dropsOf(r) {
  return r.spikes.filter((s) => s.change < 0 && (r.accuracies[s.epoch - 2] ?? 0) >= LEARNED);
}

/**
 * Per intervention (in INTERVENTIONS' order, those with runs): seeds with at least one spike out of N,
 * spikes per seed, the largest jump (signed, with its seed and epoch), final training and test accuracy.
 * @param {StudyRun[]} runs
 */
export function interventionSummary(runs) {
  return INTERVENTIONS.filter((i) => runs.some((r) => r.variant === i.key)).map((i) => {
    const mine = runs.filter((r) => r.variant === i.key).sort((a, b) => a.seed - b.seed);
    let largest = null;
    for (const r of mine)
      for (const s of r.spikes)
        if (!largest || Math.abs(s.change) > Math.abs(largest.change)) largest = { ...s, seed: r.seed };
    return {
      key: i.key,
      label: i.label,
      changes: i.changes,
      seeds: mine.length,
      withSpikes: mine.filter((r) => r.spikes.length > 0).length,
      spikesPerSeed: spread(mine.map((r) => r.spikes.length)),
      largest,
      withDrops: mine.filter((r) => dropsOf(r).length > 0).length,
      dropsPerSeed: spread(mine.map((r) => dropsOf(r).length)),
      finalTrain: spread(mine.map((r) => r.finalTrain)),
      finalTest: spread(mine.map((r) => r.finalTest)),
      epochs: Math.max(0, ...mine.map((r) => r.accuracies.length)),
    };
  });
}
/** @typedef {ReturnType<typeof interventionSummary>[number]} SummaryRow */

/**
 * Every detected spike with the steps around it: those of the spike's epoch and the `before` epochs
 * before it (the accuracy after epoch e − 1 against after e: what epoch e's steps did).
 * @param {StudyRun[]} runs
 * @param {{ before?: number }} [options]
 */
export function spikeWindows(runs, { before = 2 } = {}) {
  return runs.flatMap((r) =>
    r.spikes.map((s) => ({
      variant: r.variant,
      seed: r.seed,
      epoch: s.epoch,
      change: s.change,
      steps: r.steps.filter((x) => x.epoch >= s.epoch - before && x.epoch <= s.epoch),
    })),
  );
}

const median = (/** @type {number[]} */ xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/**
 * Medians of a set of steps — batch size, ‖g‖, step norm, loss, per layer update ratio and saturated share —
 * over those that stepped (an empty slice moves nothing and has no loss).
 */
function stepMedians(/** @type {StepRecord[]} */ all, layers) {
  const steps = all.filter((s) => s.batchSize > 0);
  return {
    steps: steps.length,
    batchSize: median(steps.map((s) => s.batchSize)),
    gradNorm: median(steps.map((s) => s.gradNorm)),
    stepNorm: median(steps.map((s) => s.stepNorm)),
    loss: median(steps.map((s) => s.loss)),
    layers: Array.from({ length: layers }, (_, k) => ({
      updateRatio: median(steps.map((s) => s.layers[k]?.updateRatio)),
      saturated: median(steps.map((s) => s.layers[k]?.saturated)),
    })),
  };
}

/**
 * The steps of spike epochs against those of the other epochs, in a network that had learned (its training
 * accuracy after the epoch before at least LEARNED) and after the rule's first `after` epochs: drops (spikes
 * down), rises (spikes up) and the others, over the runs given (one intervention's): step medians, and per
 * epoch its largest batch, its largest step (and that step's batch and ‖g‖) and the images it trained on
 * (medians over epochs).
 * @param {StudyRun[]} runs
 * @param {SpikeRule} rule
 */
export function spikeEpochComparison(runs, rule) {
  const layers = Math.max(0, ...runs.flatMap((r) => r.steps.map((s) => s.layers.length)));
  const SIDES = /** @type {const} */ (['drop', 'rise', 'other']);
  /** @type {Record<string, StepRecord[]>} */
  const steps = { drop: [], rise: [], other: [] };
  /** @type {Record<string, { batch: number, step: number, images: number, bigBatch: number, bigGrad: number }[]>} */
  const epochMax = { drop: [], rise: [], other: [] };
  for (const r of runs) {
    const change = new Map(r.spikes.map((s) => [s.epoch, s.change]));
    /** @type {Map<number, StepRecord[]>} */
    const byEpoch = new Map();
    for (const s of r.steps) {
      if (s.epoch <= rule.after || !((r.accuracies[s.epoch - 2] ?? 0) >= LEARNED)) continue;
      byEpoch.set(s.epoch, [...(byEpoch.get(s.epoch) ?? []), s]);
    }
    for (const [epoch, ss] of byEpoch) {
      const c = change.get(epoch);
      const side = c == null ? 'other' : c < 0 ? 'drop' : 'rise';
      steps[side].push(...ss);
      const big = ss.reduce((a, s) => (s.stepNorm > a.stepNorm ? s : a));
      epochMax[side].push({
        batch: Math.max(...ss.map((s) => s.batchSize)),
        step: big.stepNorm,
        images: ss.reduce((n, s) => n + (s.batchSize || 0), 0),
        bigBatch: big.batchSize,
        bigGrad: big.gradNorm,
      });
    }
  }
  const side = (/** @type {string} */ k) => ({
    ...stepMedians(steps[k], layers),
    epochs: epochMax[k].length,
    largestBatch: median(epochMax[k].map((e) => e.batch)),
    largestStep: median(epochMax[k].map((e) => e.step)),
    images: median(epochMax[k].map((e) => e.images)),
    largestStepBatch: median(epochMax[k].map((e) => e.bigBatch)),
    largestStepGrad: median(epochMax[k].map((e) => e.bigGrad)),
  });
  return /** @type {Record<'drop' | 'rise' | 'other', ReturnType<typeof side>>} */ (
    Object.fromEntries(SIDES.map((k) => [k, side(k)]))
  );
}
/** @typedef {ReturnType<typeof spikeEpochComparison>} Comparison */

// ---- The explanation -------------------------------------------------------------------

const pts = (/** @type {number} */ x) => (100 * x).toFixed(1);
const fmt = (/** @type {number | null} */ x, digits = 3) =>
  x == null ? '–' : Math.abs(x) >= 100 ? String(Math.round(x)) : Number(x.toPrecision(digits)).toString();
const list = (/** @type {string[]} */ xs) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;

/**
 * Which interventions remove the spikes (0 of N seeds), which reduce them (fewer seeds, or under half the
 * baseline's spikes per seed), which do not; each with whether it still learns.
 * @param {SummaryRow[]} rows
 */
export function classify(rows) {
  const base = rows.find((r) => r.key === 'baseline');
  return rows
    .filter((r) => r.key !== 'baseline')
    .map((r) => {
      const learns = (r.finalTrain?.mean ?? 0) >= LEARNED;
      let effect = 'keeps';
      if (r.withSpikes === 0) effect = 'removes';
      else if (
        base &&
        (r.withSpikes / r.seeds < base.withSpikes / base.seeds ||
          (r.spikesPerSeed?.mean ?? 0) < 0.5 * (base.spikesPerSeed?.mean ?? 0))
      )
        effect = 'reduces';
      return { ...r, effect, learns };
    });
}

/**
 * The explanation, sentence by sentence, generated from the measured numbers: the baseline's spikes, the
 * interventions by effect, what the steps of spike epochs look like against the others (the baseline's),
 * and what the contrasts between interventions support.
 * @param {{ rows: SummaryRow[], comparison?: Comparison | null, rule: SpikeRule }} measured
 * @returns {string[]}
 */
export function explain({ rows, comparison = null, rule }) {
  const base = rows.find((r) => r.key === 'baseline');
  const ruleText = `a change of more than ${pts(rule.threshold)} points in training accuracy between two epochs after epoch ${rule.after}`;
  if (!base) return [`No run of the report’s code yet: run the study to measure its spikes (${ruleText}).`];
  const out = [];
  const perSeed = (r) =>
    r.spikesPerSeed && r.seeds > 1
      ? `${fmt(r.spikesPerSeed.mean, 2)} spikes per seed [${r.spikesPerSeed.min}–${r.spikesPerSeed.max}]`
      : `${r.spikesPerSeed?.mean ?? 0} spike${r.spikesPerSeed?.mean === 1 ? '' : 's'}`;
  const jump = (r) =>
    r.largest ? `, largest ${r.largest.change > 0 ? '+' : '−'}${pts(Math.abs(r.largest.change))} points` : '';
  const drops = (r) => `${r.withDrops} of ${r.seeds}`;
  out.push(
    `Spike: ${ruleText}. In the report’s code, 784-80-40-20-10 spikes in ${base.withSpikes} of ${base.seeds} seeds (${perSeed(base)}${jump(base)}) over ${base.epochs} epochs.`,
  );
  if (base.withSpikes === 0) {
    out.push('With no spike in the baseline, the interventions cannot show what removes them.');
    return out;
  }
  out.push(
    `Not every spike is the report’s “lost consistency”: drops of a network that had learned (training accuracy at least ${pts(LEARNED)} % the epoch before) happen in ${drops(base)} seeds (${fmt(base.dropsPerSeed?.mean ?? 0, 2)} per seed); the other jumps are the climb out of the plateau where the network predicts only the classes’ prior, and the recoveries after drops.`,
  );
  const classes = classify(rows);
  const name = (r) =>
    `${r.label} (${r.withSpikes} of ${r.seeds}${r.learns ? `, drops in ${r.withDrops}` : `; final training accuracy ${pts(r.finalTrain?.mean ?? 0)} %`})`;
  const removes = classes.filter((c) => c.effect === 'removes');
  const learnsRemoves = removes.filter((c) => c.learns);
  const idle = classes.filter((c) => !c.learns);
  const reduces = classes.filter((c) => c.effect === 'reduces' && c.learns);
  const keeps = classes.filter((c) => c.effect === 'keeps' && c.learns);
  if (learnsRemoves.length)
    out.push(`No spike in any seed, and the network still learns, with ${list(learnsRemoves.map(name))}.`);
  if (idle.length)
    out.push(
      `With ${list(idle.map(name))} the network does not learn (final training accuracy under ${pts(LEARNED)} %): ${idle.length === 1 ? 'its' : 'their'} spikes, or their absence, say nothing about the report’s.`,
    );
  if (reduces.length) out.push(`Fewer spikes with ${list(reduces.map((r) => `${name(r)}, ${perSeed(r)}`))}.`);
  if (keeps.length) out.push(`Still spiking with ${list(keeps.map((r) => `${name(r)}, ${perSeed(r)}`))}.`);
  const calm = classes.filter((c) => c.learns && c.withDrops === 0);
  if (calm.length) out.push(`No drop of a trained network in any seed with ${list(calm.map((c) => c.label))}.`);

  const ratio = (a, b) => (a != null && b != null && b > 0 ? a / b : null);
  if (comparison && comparison.drop.epochs > 0 && comparison.other.epochs > 0) {
    const s = comparison.drop;
    const o = comparison.other;
    const stepRatio = ratio(s.largestStep, o.largestStep);
    const batchRatio = ratio(s.largestBatch, o.largestBatch);
    const gradRatio = ratio(s.largestStepGrad, o.largestStepGrad);
    out.push(
      `In the report’s code, the ${s.epochs} drop epochs against the ${o.epochs} epochs without a spike (the network trained, after epoch ${rule.after}): an epoch’s largest step ${fmt(s.largestStep)} vs ${fmt(o.largestStep)}${stepRatio ? ` (${fmt(stepRatio, 2)}×)` : ''}, median step ${fmt(s.stepNorm)} vs ${fmt(o.stepNorm)}; its largest batch ${fmt(s.largestBatch)} vs ${fmt(o.largestBatch)} images${batchRatio ? ` (${fmt(batchRatio, 2)}×)` : ''}, median batch ${fmt(s.batchSize)} vs ${fmt(o.batchSize)}, images trained ${fmt(s.images)} vs ${fmt(o.images)}; median loss ${fmt(s.loss)} vs ${fmt(o.loss)}. The largest step came from a batch of ${fmt(s.largestStepBatch)} vs ${fmt(o.largestStepBatch)} images, with ‖g‖ ${fmt(s.largestStepGrad)} vs ${fmt(o.largestStepGrad)}${gradRatio ? ` (${fmt(gradRatio, 2)}×)` : ''}.`,
    );
    const k = s.layers.length;
    const layerName = (i) => (i === k - 1 ? 'the output layer' : `layer ${i + 1}`);
    const ratios = s.layers.map((l, i) => ({ i, r: ratio(l.updateRatio, o.layers[i]?.updateRatio) }));
    const top = ratios.filter((x) => x.r != null).sort((a, b) => (b.r ?? 0) - (a.r ?? 0))[0];
    if (top)
      out.push(
        `The update-to-weight ratio rises most in ${layerName(top.i)} (median ${fmt(s.layers[top.i].updateRatio)} vs ${fmt(o.layers[top.i].updateRatio)}, ${fmt(top.r ?? 0, 2)}×); saturated share in drop epochs ${s.layers.map((l, i) => `${layerName(i)} ${l.saturated == null ? '–' : pts(l.saturated)} %`).join(', ')} (others ${o.layers.map((l) => (l.saturated == null ? '–' : `${pts(l.saturated)} %`)).join(', ')}).`,
      );
    if (stepRatio != null && batchRatio != null)
      out.push(
        stepRatio >= 1.25
          ? `Drop epochs hold outsize steps (${fmt(stepRatio, 2)}× the usual largest)${batchRatio < 1.25 ? ` though not much larger batches (${fmt(batchRatio, 2)}×): the steps are large because the gradient is, not because the slice is long` : ', and larger batches'}.`
          : `Drop epochs’ largest steps are no larger than the others’ (${fmt(stepRatio, 2)}×): the step’s size alone does not mark them.`,
      );
  }

  // What the contrasts support, on drops of a trained network.
  const by = Object.fromEntries(classes.map((c) => [c.key, c]));
  const dropsIn = (c) => c && c.learns && c.withDrops > 0;
  const noDrops = (c) => c && c.learns && c.withDrops === 0;
  const matched = by['mean-matched'];
  if (dropsIn(matched))
    out.push(
      `With a factor on the gradient that no longer grows with the slice (${matched.label}, the same average step) drops remain in ${drops(matched)} seeds: that growth is not necessary for them.`,
    );
  else if (noDrops(matched))
    out.push(
      `With a factor on the gradient that no longer grows with the slice (${matched.label}, the same average step) there is no drop: the step growing with the slice’s length drives them.`,
    );
  const sm = by['shuffled-matched'];
  if (dropsIn(sm))
    out.push(
      `Regular batches of 128 at a step as large (${sm.label}) still drop in ${drops(sm)} seeds: the slices are not necessary.`,
    );
  else if (noDrops(sm))
    out.push(
      `Regular batches of 128 at a step as large (${sm.label}) do not drop: the slices are necessary in these runs.`,
    );
  if (noDrops(by.clip))
    out.push(`Capping the gradient’s norm (${by.clip.label}) removes the drops: they come from the largest steps.`);
  else if (dropsIn(by.clip))
    out.push(`Capping the gradient’s norm (${by.clip.label}) does not remove the drops (${drops(by.clip)} seeds).`);
  if (noDrops(by['lr1e-4']))
    out.push('A 10× smaller η removes the drops while the network still learns: smaller steps suffice.');
  else if (dropsIn(by['lr1e-4'])) out.push(`A 10× smaller η still drops in ${drops(by['lr1e-4'])} seeds.`);
  return out;
}
