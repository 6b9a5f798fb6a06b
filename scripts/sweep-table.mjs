// Prints the README's sweep table from build/sweep/<reading>/*.jsonl
// (scripts/sweep.sh): per reading, every network with its parameters and
// FLOPs per training sample (the CLI's final line's "cost", or the engine's
// trainingCost for older files: one count, core/training_cost.hpp), its
// training seconds (the epochs' "seconds", evaluation excluded; one thread;
// the fastest seed's, as the one the machine's other load disturbed least)
// and test accuracy after the last epoch, mean [min–max] over the seeds;
// whether it is on the Pareto front of test accuracy against FLOPs, and the
// knee: the engine's paretoFront / paretoKnee (build/wasm/dist), the same
// functions the page's sweep panel asks the worker for, with the same
// sentence (web/page/report/sweep_study.js kneeSentence).
// A reading's runs are tabled per number of epochs (equal epochs in each table).
//   node scripts/sweep-table.mjs [DIR] [THRESHOLD]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { COST_AXES, kneeSentence, paretoInput, SWEEP_THRESHOLD } from '../web/page/report/sweep_study.js';
import { spread } from '../web/page/report/seed_bands.js';

const [dir = 'build/sweep', thresholdArg = String(SWEEP_THRESHOLD)] = process.argv.slice(2);
const threshold = Number(thresholdArg);
const READINGS = [
  ['report-code', 'the report’s code'],
  ['proper-sum', 'done properly, summed gradient'],
  ['proper-mean', 'done properly, mean gradient'],
];

const dist = new URL('../build/wasm/dist/', import.meta.url);
const { createEngine } = await import(new URL('engine.mjs', dist).href);
const engine = await createEngine({ wasmBinary: await readFile(new URL('mlp.wasm', dist)) });

/** The finished runs of a reading: [{ file, final, seconds, epochs }]. */
function runs(reading) {
  const folder = join(dir, reading);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => {
      const lines = readFileSync(join(folder, f), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const final = lines.find((l) => l.final);
      const ep = lines.filter((l) => l.epoch);
      return { file: f, final, seconds: ep.reduce((s, l) => s + l.seconds, 0), epochs: ep.length };
    })
    .filter((r) => r.final && r.epochs === r.final.epochs);
}

const pct = (x) => x.toFixed(2);
const group = (rs, epochs) => {
  /** @type {Map<string, typeof rs>} */
  const by = new Map();
  for (const r of rs) by.set(r.final.layers, [...(by.get(r.final.layers) ?? []), r]);
  return [...by].map(([name, g]) => {
    const layers = name.split('-').map(Number);
    const cost = g[0].final.cost
      ? { parameters: g[0].final.cost.parameters, flopsPerSample: g[0].final.cost.flops_per_sample }
      : engine.trainingCost(layers);
    return {
      name,
      layers,
      epochs,
      seeds: g.length,
      accuracy: spread(g.map((r) => 100 * r.final.test_accuracy)),
      // The fastest seed's: the one the machine's other load disturbed least (wall-clock seconds).
      seconds: spread([Math.min(...g.map((r) => r.seconds))]),
      ...cost,
    };
  });
};

const tables = READINGS.flatMap(([reading, label]) => {
  const rs = runs(reading);
  return [...new Set(rs.map((r) => r.epochs))]
    .sort((a, b) => b - a)
    .map((epochs) => ({ reading, label, epochs, rs: rs.filter((r) => r.epochs === epochs) }));
});
for (const { reading, label, epochs, rs } of tables) {
  const points = group(rs, epochs).sort((a, b) => a.layers.length - b.layers.length || a.layers[1] - b.layers[1]);
  const seeds = Math.max(...points.map((p) => p.seeds));
  const fronts = Object.fromEntries(
    COST_AXES.map(({ id }) => {
      const input = paretoInput(points, id);
      return [id, { front: engine.paretoFront(input), knee: engine.paretoKnee(input, threshold) }];
    }),
  );
  console.log(`\n**${label}** (\`--preset ${reading}\`), ${epochs} epochs, ${seeds} seed${seeds > 1 ? 's' : ''}:\n`);
  console.log(
    '| network | parameters | FLOPs / sample | training seconds (fastest seed, 1 thread) | test accuracy, mean [min–max] | on the front (FLOPs · params · seconds) |',
  );
  console.log('|---|---:|---:|---:|---|---|');
  points.forEach((p, i) => {
    const marks = COST_AXES.map(({ id }) => {
      const f = fronts[id];
      return f.front.includes(i) ? (f.knee.index === i ? '**knee**' : 'yes') : '–';
    }).join(' · ');
    const acc =
      p.seeds > 1 ? `${pct(p.accuracy.mean)} [${pct(p.accuracy.min)}–${pct(p.accuracy.max)}]` : pct(p.accuracy.mean);
    console.log(
      `| ${p.name} | ${p.parameters.toLocaleString('en')} | ${p.flopsPerSample.toLocaleString('en')} | ${p.seconds.mean.toFixed(1)} | ${acc} | ${marks} |`,
    );
  });
  for (const { id, label: axis } of COST_AXES) {
    const { front, knee } = fronts[id];
    console.log(`\n- ${axis}: ${kneeSentence({ points, axis: id, front, knee, threshold, epochs })}`);
  }
}
engine.delete?.();
