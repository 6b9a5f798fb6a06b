// The report's claims beside what our runs measured, and a short account of
// the differences, in words computed from the measured numbers (nothing here
// knows a result in advance). Pure: unit-tested under Node
// (tests/web/report_claims.test.mjs); figure_views.js draws the table.
//
// The runs are run records of the report's experiments (report_figures.js:
// run.experiment = { key, reading, seed }); for each reading, each seed's
// latest run of each key (seed_bands.js) is measured: a claim is judged seed
// by seed ("holds in 4 of 5 seeds"; it holds when it holds in more than half
// of them), and every number reads "mean [min–max] over N seeds". "Training accuracy" is the report's: the training
// images evaluated after each epoch (the epoch entry's trainSet); runs that
// did not evaluate them are not measured on it.
import { count, pct as formatPct, plural, points as sharePoints } from '../ui/format.js';
import { REPORT_EPOCHS, RUNS, formatEta, stepFactor } from './experiment_plan.js';
import { readingsRun, reportSeedGroups } from './report_figures.js';
import { formatSpread, placeAgainst, spread } from './seed_bands.js';

/** The report's numbers. */
export const REPORT = Object.freeze({
  testAccuracy: 0.9025, // 784-20-10, η = 0.001, 100 epochs
  widthAbove: 0.9, // 80 hidden units: training accuracy above 90 %
  marginallyBelow: 0.9, // η = 0.0001: "marginally below 90 %"
  spikeEpoch: 70, // "at about 70 epochs into the training"
});

/** How the claims are judged: thresholds in accuracy (0.01 = one percentage point). */
export const RULES = Object.freeze({
  // A test accuracy this close to the report's matches it.
  sameTest: 0.01,
  // A deeper network that beats 784-80-10's training accuracy by more than this is a significant improvement.
  significant: 0.01,
  // "Marginally below 90 %": below it by at most this much.
  marginal: 0.03,
  // A spike: training accuracy jumping by more than this between consecutive epochs…
  spike: 0.02,
  // …after this share of the epochs (70 of the report's 100).
  spikeAfter: 0.7,
});

const pct = (x) => formatPct(x, 2);
const signed = (d) => `${d >= 0 ? '+' : '−'}${sharePoints(Math.abs(d))}`;
const points = (d) => `${sharePoints(Math.abs(d))} points`;
/** A spread of accuracies without "over N seeds" (a list's items): "90.13 [89.89–90.21]" (× 100). */
const bare = (s) => formatSpread(s, sharePoints, { seeds: false });
/** A spread of accuracies: "90.13 [89.89–90.21] % over 5 seeds", "90.13 %" for one seed. */
const pctSpread = (s) => formatSpread(s, sharePoints, { unit: ' %' });
/** "over 5 seeds" for more than one, else nothing. */
const over = (n) => (n > 1 ? ` over ${n} seeds` : '');

/** The last epoch entry of run that evaluated split, and its accuracy / loss: { epoch, accuracy, loss } or null. */
export function finalOf(run, split) {
  const e = run?.epochs.findLast((x) => x[split]);
  return e ? { epoch: e.epoch, accuracy: e[split].accuracy, loss: e[split].loss } : null;
}

/** The run's epochs (the last one's number). */
const epochsOf = (run) => run?.epochs.at(-1)?.epoch ?? 0;

/**
 * The spikes of a run's training accuracy: epochs after RULES.spikeAfter of
 * its epochs whose accuracy differs from the epoch before by more than
 * RULES.spike. → { after, spikes: [{ epoch, change }], largest: { epoch, change } | null }
 */
export function spikesOf(run) {
  const series = run.epochs.filter((e) => e.trainSet).map((e) => [e.epoch, e.trainSet.accuracy]);
  const after = Math.floor(RULES.spikeAfter * epochsOf(run));
  const changes = [];
  for (let i = 1; i < series.length; i++) {
    const [epoch, acc] = series[i];
    const [previous, before] = series[i - 1];
    if (epoch > after && epoch === previous + 1) changes.push({ epoch, change: acc - before });
  }
  const largest = changes.reduce((b, c) => (!b || Math.abs(c.change) > Math.abs(b.change) ? c : b), null);
  // (1e-9: accuracies are ratios of counts; a change of exactly 2 points is not more than 2.)
  return { after, spikes: changes.filter((c) => Math.abs(c.change) > RULES.spike + 1e-9), largest };
}

// ---- The claims ------------------------------------------------------------------

// Each claim: what the report says (claim; name: in a sentence), which runs measure it, and how. measure(R), on one seed's runs by
// key → { text, holds: true | false | null (not measured), value?, values? }: values are the numbers
// the claim's summary(S, n) writes over several seeds, S holding each one's spread over the seeds.
const trainAcc = (r) => finalOf(r, 'trainSet')?.accuracy ?? null;
const listOf = (values) => values.map((v) => (v == null ? '–' : sharePoints(v))).join(' / ');
const listOfSpreads = (spreads) => spreads.map((s) => (s ? bare(s) : '–')).join(' / ');

export const CLAIMS = Object.freeze([
  {
    id: 'default-test',
    name: 'the test accuracy',
    claim: '784-20-10, η = 0.001, 100 epochs: 90.25 % test accuracy',
    report: '90.25 %',
    runs: ['default'],
    measure(R) {
      const t = finalOf(R.default, 'test');
      if (!t) return { text: '–', holds: null };
      const d = t.accuracy - REPORT.testAccuracy;
      return {
        text: `${pct(t.accuracy)} (${signed(d)} points)`,
        holds: Math.abs(d) <= RULES.sameTest,
        value: t.accuracy,
        values: { test: t.accuracy, gap: d },
      };
    },
    summary: (S) => `${pctSpread(S.test)} (${formatSpread(S.gap, signed, { unit: ' points', seeds: false })})`,
  },
  {
    id: 'width',
    name: 'width',
    claim: 'Width: 80 hidden units lift the training accuracy above 90 %',
    report: 'above 90 % with 80 hidden',
    runs: ['default', 'h40', 'h80'],
    measure(R) {
      const v = ['default', 'h40', 'h80'].map((k) => trainAcc(R[k]));
      const values = { w20: v[0], w40: v[1], w80: v[2] };
      if (v[2] == null)
        return { text: v.some((x) => x != null) ? `20 / 40 / 80 hidden: ${listOf(v)} %` : '–', holds: null, values };
      return { text: `20 / 40 / 80 hidden: ${listOf(v)} %`, holds: v[2] > REPORT.widthAbove, value: v[2], values };
    },
    summary: (S, n) => `20 / 40 / 80 hidden: ${listOfSpreads([S.w20, S.w40, S.w80])} %${over(n)}`,
  },
  {
    id: 'depth',
    name: 'depth',
    claim: 'Depth: no significant improvement with 4 or 5 layers',
    report: 'no significant improvement',
    runs: ['h80', 'h80-40', 'h80-40-20'],
    measure(R) {
      const v = ['h80', 'h80-40', 'h80-40-20'].map((k) => trainAcc(R[k]));
      const text = v.some((x) => x != null) ? `3 / 4 / 5 layers: ${listOf(v)} %` : '–';
      const deeper = v.slice(1).filter((x) => x != null);
      const values = { d3: v[0], d4: v[1], d5: v[2] };
      if (v[0] == null || deeper.length === 0) return { text, holds: null, values };
      const gain = Math.max(...deeper) - v[0];
      return {
        text: `${text} (best gain ${signed(gain)} points)`,
        holds: gain <= RULES.significant,
        value: gain,
        values: { ...values, gain },
      };
    },
    summary: (S, n) =>
      `3 / 4 / 5 layers: ${listOfSpreads([S.d3, S.d4, S.d5])} %${S.gain ? ` (best gain ${formatSpread(S.gain, signed, { unit: ' points', seeds: false })})` : ''}${over(n)}`,
  },
  {
    id: 'spikes',
    name: 'the spikes',
    claim: 'Depth: “spikes” in 784-80-40-20-10’s training accuracy after about 70 epochs',
    report: 'spikes after ~70 epochs',
    runs: ['h80-40-20'],
    measure(R) {
      const run = R['h80-40-20'];
      if (!run || !run.epochs.some((e) => e.trainSet)) return { text: '–', holds: null };
      const { after, spikes, largest } = spikesOf(run);
      if (!largest) return { text: `no epochs after epoch ${after} to compare`, holds: null };
      const values = { spikes: spikes.length, largest: Math.abs(largest.change), after };
      if (spikes.length === 0)
        return {
          text: `none after epoch ${after} (largest change ${signed(largest.change)} points)`,
          holds: false,
          value: 0,
          values,
        };
      const shown = spikes.slice(0, 3).map((s) => `${s.epoch}: ${signed(s.change)}`);
      return {
        text: `${spikes.length} after epoch ${after} (${shown.join(', ')}${spikes.length > 3 ? ', …' : ''})`,
        holds: true,
        value: spikes.length,
        values,
      };
    },
    summary: (S) =>
      `${formatSpread(S.spikes, (x) => String(Number(x.toFixed(1))), { seeds: false })} after epoch ${S.after.min === S.after.max ? S.after.min : `${S.after.min}–${S.after.max}`} (largest change ${formatSpread(S.largest, sharePoints, { unit: ' points' })})`,
  },
  {
    id: 'lr-1e-4',
    name: 'η = 0.0001',
    claim: 'η = 0.0001: training accuracy “marginally below 90 %” after 100 epochs',
    report: 'marginally below 90 %',
    runs: ['lr1e-4'],
    measure(R) {
      const v = trainAcc(R['lr1e-4']);
      if (v == null) return { text: '–', holds: null };
      const below = REPORT.marginallyBelow - v;
      return {
        text: `${pct(v)} (${signed(-below)} points from 90 %)`,
        holds: below > 0 && below <= RULES.marginal,
        value: v,
        values: { acc: v, from90: -below },
      };
    },
    summary: (S) =>
      `${pctSpread(S.acc)} (${formatSpread(S.from90, signed, { unit: ' points', seeds: false })} from 90 %)`,
  },
  {
    id: 'lr-1e-5',
    name: 'η = 0.00001',
    claim: 'η = 0.00001: lower still',
    report: 'below η = 0.0001’s',
    runs: ['lr1e-4', 'lr1e-5'],
    measure(R) {
      const [a, b] = [trainAcc(R['lr1e-4']), trainAcc(R['lr1e-5'])];
      if (b == null) return { text: '–', holds: null };
      if (a == null) return { text: pct(b), holds: null, values: { b } };
      return { text: `${pct(b)} (η = 0.0001: ${pct(a)})`, holds: b < a, value: b, values: { a, b } };
    },
    summary: (S) => `${pctSpread(S.b)}${S.a ? ` (η = 0.0001: ${pctSpread(S.a)})` : ''}`,
  },
]);

/**
 * A claim judged on each seed, and summed up: { text, holds, value, epochs, seeds: { held, measured },
 * spreads } — holds when it holds in more than half of the seeds that measured it; value: the mean of
 * the seeds' values; spreads: each of measure's values over the seeds. One seed: its own text.
 * @param {any} claim
 * @param {Record<string, any>[]} perSeed the runs by key of each seed
 */
function judge(claim, perSeed) {
  const results = perSeed.map((R) => claim.measure(R));
  const measured = results.filter((r) => r.holds !== null);
  const held = measured.filter((r) => r.holds).length;
  const withValues = results.filter((r) => r.values);
  const names = [...new Set(withValues.flatMap((r) => Object.keys(r.values)))];
  const spreads = Object.fromEntries(names.map((k) => [k, spread(withValues.map((r) => r.values[k]))]));
  const n = Math.max(0, ...Object.values(spreads).map((x) => x?.n ?? 0));
  const epochs = Math.min(...perSeed.flatMap((R) => claim.runs.map((k) => epochsOf(R[k]))).filter((e) => e > 0));
  const value = spread(measured.map((r) => r.value))?.mean;
  return {
    text:
      n > 1
        ? claim.summary(spreads, n)
        : (results.find((r) => r.values) ?? results.find((r) => r.text !== '–') ?? results[0] ?? { text: '–' }).text,
    holds: measured.length ? held > measured.length / 2 : null,
    ...(value === undefined ? {} : { value }),
    epochs: Number.isFinite(epochs) ? epochs : 0,
    seeds: { held, measured: measured.length },
    spreads,
  };
}

/** The runs of one reading: each seed's runs by key ({ key: run }), in the order of the seeds. */
function seedsOf(groups, reading) {
  const seeds = new Set();
  const mine = Object.keys(RUNS)
    .map((k) => [k, groups.get(`${reading} ${k}`) ?? []])
    .filter(([, g]) => g.length);
  for (const [, g] of mine) for (const r of g) seeds.add(r.experiment.seed ?? 1);
  return [...seeds]
    .sort((a, b) => a - b)
    .map((seed) =>
      Object.fromEntries(
        mine.map(([k, g]) => [k, g.find((r) => (r.experiment.seed ?? 1) === seed)]).filter(([, r]) => r),
      ),
    );
}

/**
 * The claims table and its explanation from every run record.
 * presets: engine.presets() (the readings' labels).
 * → { readings: [{ name, label, seeds }], rows: [{ id, claim, report, cells: { [name]: { text, holds,
 *     epochs, value?, seeds: { held, measured }, spreads } } }], score: { [name]: { holds, measured } },
 *     explanation: [sentence] }
 */
export function measureClaims(runs, { presets = [] } = {}) {
  const groups = reportSeedGroups(runs);
  const names = readingsRun(runs);
  // A reading in a sentence: “the report's code”.
  const label = (name) => `“${presets.find((p) => p.name === name)?.label ?? name}”`;
  const bySeed = Object.fromEntries(names.map((n) => [n, seedsOf(groups, n)]));
  // The first seed's runs stand for a reading where one run will do (its config, its epochs).
  const byReading = Object.fromEntries(names.map((n) => [n, Object.assign({}, ...[...bySeed[n]].reverse())]));
  const rows = CLAIMS.map((c) => ({
    id: c.id,
    claim: c.claim,
    report: c.report,
    cells: Object.fromEntries(names.map((n) => [n, judge(c, bySeed[n])])),
  }));
  const score = Object.fromEntries(
    names.map((n) => {
      const cells = rows.map((r) => r.cells[n]).filter((x) => x.holds !== null);
      return [n, { holds: cells.filter((x) => x.holds).length, measured: cells.length }];
    }),
  );
  const readings = names.map((name) => ({
    name,
    label: presets.find((p) => p.name === name)?.label ?? name,
    seeds: bySeed[name].length,
  }));
  return { readings, rows, score, explanation: explain({ names, byReading, bySeed, rows, score, label }) };
}

// ---- The explanation -------------------------------------------------------------

function explain({ names, byReading, bySeed, rows, score, label }) {
  const out = [];
  if (names.length === 0) return out;
  const used = names.flatMap((n) => Object.values(byReading[n]));

  // Fewer epochs than the report's.
  const epochs = [...new Set(used.map(epochsOf))].sort((a, b) => a - b);
  if (epochs.some((e) => e !== REPORT_EPOCHS)) {
    const e = epochs.length === 1 ? `${epochs[0]} epochs` : `${epochs[0]}–${epochs.at(-1)} epochs`;
    out.push(
      `These runs trained ${e}, the report ${REPORT_EPOCHS}: the numbers are after ${e}, and a spike is looked for after ${Math.round(100 * RULES.spikeAfter)} % of a run’s epochs.`,
    );
  }

  // Which reading is closer.
  const test = Object.fromEntries(names.map((n) => [n, rows.find((r) => r.id === 'default-test').cells[n]]));
  const say = (n) => `${score[n].holds} of ${score[n].measured}`;
  const gap = (n) => (test[n].value == null ? null : Math.abs(test[n].value - REPORT.testAccuracy));
  const meanOf = (n) => (test[n].spreads.test?.n > 1 ? ` (the mean of ${test[n].spreads.test.n} seeds)` : '');
  if (names.length === 1) {
    const n = names[0];
    out.push(
      `In ${label(n)}, ${say(n)} of the report’s claims hold` +
        (gap(n) == null
          ? '.'
          : `; its 784-20-10 reaches ${pct(test[n].value)} test accuracy${meanOf(n)}, ${points(gap(n))} from the report’s 90.25 %.`) +
        ' Run the other reading to see which is closer to the report.',
    );
  } else {
    const ratio = (n) => (score[n].measured ? score[n].holds / score[n].measured : -1);
    const ranked = [...names].sort((a, b) => ratio(b) - ratio(a) || (gap(a) ?? 1) - (gap(b) ?? 1));
    const [best, ...rest] = ranked;
    const tie = rest.every((n) => ratio(n) === ratio(best) && gap(n) === gap(best));
    const others = rest.map((n) => `${say(n)} in ${label(n)}`).join(', ');
    const gaps = ranked
      .filter((n) => gap(n) != null)
      .map((n) => `${pct(test[n].value)}${meanOf(n)} in ${label(n)} (${points(gap(n))} away)`);
    const sameCount = rest.every((n) => ratio(n) === ratio(best));
    out.push(
      (tie
        ? `Neither reading is closer to the report: ${say(best)} of its claims hold in ${label(best)}, ${others}.`
        : sameCount
          ? `${label(best)} is a little closer to the report: as many of its claims hold (${say(best)}), and its 784-20-10’s test accuracy is nearer the report’s.`
          : `${label(best)} is closer to the report: ${say(best)} of its claims hold there, against ${others}.`) +
        (gaps.length ? ` The report’s 90.25 % test accuracy of 784-20-10 compares with ${gaps.join(' and ')}.` : ''),
    );
  }

  // The report's single test accuracy against our seeds' range, and the claims the seeds disagree on.
  const testRow = rows.find((r) => r.id === 'default-test');
  for (const n of names) {
    const s = testRow.cells[n].spreads.test;
    if (!s || s.n < 2) continue;
    const where = placeAgainst(REPORT.testAccuracy, s);
    out.push(
      `In ${label(n)}, the report’s 90.25 % test accuracy of 784-20-10 lies ${where} our ${s.n}-seed range ${sharePoints(s.min)}–${sharePoints(s.max)} % (mean ${pct(s.mean)}).`,
    );
  }
  for (const n of names) {
    if (bySeed[n].length < 2) continue;
    const cells = rows
      .map((r) => ({ name: CLAIMS.find((c) => c.id === r.id).name, ...r.cells[n].seeds }))
      .filter((c) => c.measured > 1);
    if (cells.length === 0) continue;
    const split = cells.filter((c) => c.held > 0 && c.held < c.measured);
    out.push(
      split.length
        ? `In ${label(n)}, the seeds disagree on ${split.map((c) => `“${c.name}” (holds in ${c.held} of ${c.measured} seeds)`).join(', ')}; the other claims hold or fail in every seed alike.`
        : `In ${label(n)}, every claim holds or fails in all its seeds alike (${cells.map((c) => c.measured).reduce((a, b) => Math.max(a, b))} seeds).`,
    );
  }

  // The step each reading takes, η being the report's.
  const steps = names
    .map((n) => {
      const r = byReading[n].default ?? Object.values(byReading[n])[0];
      if (!r) return null;
      const f = stepFactor(r.config);
      return {
        n,
        perImage: f.perImage * r.config.learningRate,
        f,
        eta: r.config.learningRate,
        gradient: r.config.gradient,
        batchSize: r.config.batchSize,
      };
    })
    .filter(Boolean);
  if (steps.length > 0) {
    const factor = (s) => ({ half: '½', sum: '1', mean: `1/${s.batchSize}` })[s.gradient] ?? s.f.perImage;
    const parts = steps.map(
      (s, i) =>
        `η × ${factor(s)} = ${fmt(s.perImage)}${i === 0 ? ' times each image’s gradient' : ''} in ${label(s.n)}`,
    );
    let sentence = `With η = ${formatEta(steps[0].eta)}, each step moves the weights by ${parts.join(' and by ')}`;
    if (steps.length > 1) {
      const big = steps.reduce((a, b) => (b.perImage > a.perImage ? b : a));
      const small = steps.reduce((a, b) => (b.perImage < a.perImage ? b : a));
      if (big.perImage > small.perImage)
        sentence += `: ${fmt(big.perImage / small.perImage)} times less in ${label(small.n)} than in ${label(big.n)}`;
    }
    out.push(`${sentence}.`);
  }

  // What an epoch is in each reading (from the default network's run, or any).
  const epochParts = names
    .map((n) => {
      const r = byReading[n].default ?? Object.values(byReading[n])[0];
      const trained = r?.epochs.filter((e) => e.train);
      if (!trained?.length) return null;
      const images = trained.reduce((a, e) => a + e.train.count, 0) / trained.length;
      const bpe = r.progress?.batchesPerEpoch ?? 0;
      const empty = r.loss.filter((x) => Number.isNaN(x)).length;
      const epochsSeen = r.x.length && bpe ? r.x.length / bpe : 0;
      const slices = r.config.batching === 'slices';
      // The images it draws from: as many as its training-set evaluation counted (the data may have fewer than the limit).
      const size = r.epochs.find((e) => e.trainSet)?.trainSet.count ?? r.config.trainLimit;
      const pool = r.config.trainLimit
        ? `the first ${count(Math.min(size, r.config.trainLimit))} training images`
        : 'all the training images';
      return slices
        ? `in ${label(n)}, ${bpe} slices of ${pool}, ${epochsSeen ? `${(empty / epochsSeen).toFixed(1)} of them empty` : 'some empty'}: ${count(images)} images an epoch on average, some seen several times, others not at all`
        : `in ${label(n)}, ${bpe} shuffled batches: ${count(images)} images an epoch, each once`;
    })
    .filter(Boolean);
  if (epochParts.length) out.push(`An epoch is ${epochParts.join('; ')}.`.replace('An epoch is in', 'An epoch is, in'));

  // The spikes, where the 5-layer network ran: each seed's.
  const spikeParts = names
    .map((n) => {
      const seeds = bySeed[n].filter((R) => R['h80-40-20']?.epochs.some((e) => e.trainSet));
      const found = seeds.map((R) => spikesOf(R['h80-40-20'])).filter((x) => x.largest);
      if (found.length === 0) return null;
      if (found.length > 1) {
        const jumpy = found.filter((x) => x.spikes.length > 0);
        const largest = found.reduce((b, x) => (Math.abs(x.largest.change) > Math.abs(b.largest.change) ? x : b));
        return `in ${label(n)} it jumped by more than ${Math.round(100 * RULES.spike)} points an epoch in the last ${Math.round(100 * (1 - RULES.spikeAfter))} % of the epochs in ${jumpy.length} of ${found.length} seeds (largest ${signed(largest.largest.change)} points at epoch ${largest.largest.epoch})`;
      }
      const { after, spikes, largest } = found[0];
      if (spikes.length === 0)
        return `in ${label(n)} it never changed by more than ${points(largest.change)} an epoch after epoch ${after}`;
      return `in ${label(n)} it jumped by more than ${Math.round(100 * RULES.spike)} points ${plural(spikes.length, 'time')} after epoch ${after} (largest ${signed(largest.change)} points at epoch ${largest.epoch}) — spikes like the report’s`;
    })
    .filter(Boolean);
  if (spikeParts.length) out.push(`784-80-40-20-10’s training accuracy: ${spikeParts.join('; ')}.`);

  // Width against depth: which changed the training accuracy more (the report: width had "the greatest effect").
  for (const n of names) {
    const w = rows.find((r) => r.id === 'width').cells[n].spreads;
    const d = rows.find((r) => r.id === 'depth').cells[n].spreads;
    const mean = (x) => x?.mean ?? null;
    const [w20, w80, d3, d5] = [mean(w.w20), mean(w.w80), mean(d.d3), mean(d.d5)];
    if ([w20, w80, d3, d5].includes(null)) continue;
    const seeds = Math.max(w.w20.n, w.w80.n, d.d3.n, d.d5.n);
    out.push(
      `In ${label(n)}, going from 20 to 80 hidden units changed the training accuracy by ${signed(w80 - w20)} points, going from 3 to 5 layers by ${signed(d5 - d3)} points${seeds > 1 ? ` (means over ${seeds} seeds)` : ''}.`,
    );
  }
  return out.map((sentence) => sentence.replace(/^(“?)(.)/, (m, quote, c) => quote + c.toUpperCase()));
}

/** A positive number with 2 significant digits, without exponents for the sizes here: 0.0005, 0.0000078, 64. */
function fmt(x) {
  if (x >= 100) return count(x);
  return String(Number(x.toPrecision(2)));
}
