// Prints the README's optimiser table from build/optimiser-study/<reading>/*
// (scripts/optimiser-study.sh): per reading, network and optimiser, the η its
// range test picked, the epochs to reach 95 % of the network's best final
// training accuracy, the final training and test accuracy, and the spikes
// the CLI found (its final line's "spikes": the engine's rule), each as
// mean [min–max] over the seeds; then the sentences the page writes from the
// same numbers (web/page/report/optimiser_study.js, which computes both).
//   node scripts/optimiser-study-table.mjs [DIR] [EPOCHS]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import {
  CONVERGED,
  NETWORKS,
  OPTIMISERS,
  STUDY_ID,
  resultCells,
  studyResults,
  studySentences,
  variantKey,
} from '../web/page/report/optimiser_study.js';

const [dir = 'build/optimiser-study'] = process.argv.slice(2);
const READINGS = [
  ['code', 'report-code', 'the report’s code'],
  ['proper-mean', 'proper-mean', 'done properly, mean gradient'],
];

const readLines = (file) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

/** The runs as the page keeps them (the fields optimiser_study.js reads), and their spikes by run id. */
function load() {
  const runs = [];
  const spikes = new Map();
  for (const [folder, reading] of READINGS) {
    const path = join(dir, folder);
    if (!existsSync(path)) continue;
    for (const name of readdirSync(path)) {
      const m = /^([\d-]+)-(\w+)-seed(\d+)\.jsonl$/.exec(name);
      if (!m) continue;
      const [, layers, optimiser, seed] = m;
      const lines = readLines(join(path, name));
      const final = lines.find((l) => l.final);
      if (!final) continue;
      const sizes = layers.split('-').map(Number);
      const network = NETWORKS.find((n) => n.hidden.join('-') === sizes.slice(1, -1).join('-'));
      const opt = OPTIMISERS.find((o) => o.name === optimiser);
      if (!network || !opt) continue;
      const find = JSON.parse(readFileSync(join(path, name.replace(/\.jsonl$/, '.lrfind.json')), 'utf8'));
      const epochs = lines
        .filter((l) => !l.final)
        .map((l) => ({
          epoch: l.epoch,
          trainSet: { loss: l.train_eval_loss, accuracy: l.train_eval_accuracy, count: 0 },
          test: l.epoch === final.epochs ? { loss: final.test_loss, accuracy: final.test_accuracy, count: 0 } : null,
        }));
      const id = `${reading}/${name}`;
      runs.push({
        id,
        createdAt: 0,
        config: { layers: sizes, learningRate: find.pick },
        experiment: { experiment: STUDY_ID, key: variantKey(network, opt), reading, seed: Number(seed) },
        epochs,
      });
      if (Array.isArray(final.spikes)) spikes.set(id, final.spikes);
    }
  }
  return { runs, spikes };
}

const { runs, spikes } = load();
const results = studyResults(/** @type {any} */ (runs), { spikes });
const label = (reading) => READINGS.find((x) => x[1] === reading)[2];

console.log(
  `| reading | network | optimiser | η (range test) | epochs to ${Math.round(100 * CONVERGED)} % of the best | final training accuracy | test accuracy | seeds with spikes |`,
);
console.log('|---|---|---|---|---|---:|---:|---|');
for (const r of results)
  for (const v of r.variants) {
    const c = resultCells(v);
    console.log(
      `| ${label(r.reading)} | ${r.layers.join('-')} | ${v.optimiser.label} | ${c.eta} | ${c.epochsTo} | ${c.finalTrain} | ${c.finalTest} | ${c.spikes} |`,
    );
  }
console.log('');
for (const r of results) {
  const s = studySentences(r);
  const seeds = [...new Set(r.variants.map((v) => v.runs.length))].join(' or ');
  const epochs = Math.max(...r.variants.map((v) => v.epochs));
  console.log(`${label(r.reading)}, ${r.layers.join('-')} (${seeds} seeds, ${epochs} epochs):`);
  for (const text of [s.fastest, s.highest, s.spikes]) if (text) console.log(`- ${text}`);
}
