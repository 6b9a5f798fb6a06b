// The layers' health as the page keeps it: the compact entry of a `health`
// event stored with its run (run.health, one per epoch), and what
// "saturated" means for each activation. Pure (no DOM).

/** @import { EventOf } from '../../shared/protocol.js' */
/** @import { Run, HealthEntry } from '../runs/run_record.js' */

/** What "saturated" means for an activation, in words. */
export function saturationWords(activation) {
  if (activation === 'relu') return { state: 'off', stuck: 'dead', rule: 'a ≤ 0, g′(a) = 0' };
  if (activation === 'tanh') return { state: 'saturated', stuck: 'always saturated', rule: 'g′(a) < 0.01, |a| > 3.0' };
  return { state: 'saturated', stuck: 'always saturated', rule: 'g′(a) < 0.01, |a| > 4.6' };
}

/**
 * The compact form kept in a run record (run.health) of one `health` event.
 * @param {EventOf<'health'>} m
 * @returns {HealthEntry}
 */
export function healthEntry(m) {
  return {
    epoch: m.epoch,
    step: m.step,
    split: m.split,
    samples: m.samples,
    loss: m.loss,
    activation: m.activation,
    layers: m.layers.map((l) => ({
      units: l.units,
      histogram: Array.from(l.histogram),
      low: l.low,
      high: l.high,
      mean: l.mean,
      saturated: l.saturated,
      stuck: l.stuck,
      weightGradientNorm: l.weightGradientNorm,
      biasGradientNorm: l.biasGradientNorm,
      weightNorm: l.weightNorm,
    })),
  };
}

/**
 * Keeps `entry` in run.health, one per epoch: an epoch's own health (measured after it) replaces one
 * asked for during that epoch; one asked for is kept only until then.
 * @param {Run} run
 * @param {HealthEntry} entry
 * @param {{ requested: boolean }} how
 */
export function recordHealth(run, entry, { requested }) {
  const health = run.health ?? [];
  if (requested && health.some((h) => h.epoch === entry.epoch)) return;
  run.health = [...health.filter((h) => h.epoch !== entry.epoch), entry].sort((a, b) => a.epoch - b.epoch);
}
