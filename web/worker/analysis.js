// What the engine computes for the page without training anything: the
// `analyse` request's parts (spikes of accuracy curves, training costs of
// networks, the Pareto front of cost–value points and its knee) and the
// learning-rate range test (`lrRangeTest`), on a fresh trainer of the asked
// settings or a copy of the live one. Pure: the engine comes in as an
// argument (tests/web/analysis_worker.test.mjs drives it with a fake one).
// Every number here is the engine's: its spike rule, its range test's
// defaults, its pick.

/**
 * @import { AnswerOf, RangeTestOptionsValue, RangeTestValue, RequestPayload } from '../shared/protocol.js'
 * @import { Engine, Trainer } from '../wasm/engine.mjs'
 */
/** The engine's analysis calls. @typedef {Pick<Engine, 'detectSpikes' | 'trainingCost' | 'paretoFront' | 'paretoKnee'>} AnalysisEngine */
/** A trainer that can run the range test (on a copy of itself: it is left as it was). @typedef {Pick<Trainer, 'lrRangeTest'>} RangeTester */

/**
 * The `analyse` request's answer: each part asked for, computed by the engine.
 * @param {AnalysisEngine} engine
 * @param {RequestPayload<'analyse'>} payload
 * @returns {AnswerOf<'analyse'>}
 */
export function analyse(engine, { spikes, costs, pareto }) {
  /** @type {AnswerOf<'analyse'>} */
  const answer = {};
  if (spikes) answer.spikes = spikes.map((curve) => engine.detectSpikes(curve));
  if (costs) answer.costs = costs.map((layers) => engine.trainingCost(layers));
  if (pareto)
    answer.pareto = {
      front: Array.from(engine.paretoFront(pareto.points)),
      knee: engine.paretoKnee(pareto.points, pareto.minGainPerDoubling),
    };
  return answer;
}

/**
 * Runs the range test on `trainer` (a copy of it: its weights and η stay), with the options given (the
 * engine's defaults for the others).
 * @param {RangeTester} trainer
 * @param {RangeTestOptionsValue} [options]
 * @returns {RangeTestValue}
 */
export function rangeTest(trainer, options) {
  return trainer.lrRangeTest(options ?? {});
}

/**
 * How long a range test may keep the worker silent, at worst (for the watchdog, onBusy): 1 s, and three
 * times `batches` batches at 1 GFLOP/s (about 6 flops per parameter and sample to train).
 * @param {{ batches: number, batchSize: number, parameters: number }} size
 */
export function rangeTestBusyMs({ batches, batchSize, parameters }) {
  return 1000 + (3 * batches * batchSize * parameters * 6) / 1e6;
}

/**
 * What an experiment's item keeps of its range test (the queue's item-started event's lrFind): the curve
 * of smoothed losses over η, the pick and why.
 * @param {RangeTestValue} r
 */
export function lrFindSummary(r) {
  return { rates: r.rates, smoothed: r.smoothed, pick: r.pick, reason: r.reason };
}
