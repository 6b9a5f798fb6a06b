// Prints the README's reproduction tables from build/reproduction/<reading>/*.jsonl
// (scripts/reproduce-report.sh): per experiment and reading, test accuracy
// over the seeds (mean, min, max), the final training accuracy, and the
// report's "spikes": training accuracy (evaluated on the training images
// after each epoch) jumping by more than 2 points between two epochs after
// epoch 70.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'build/reproduction', epochsArg = '100'] = process.argv.slice(2);
const epochs = Number(epochsArg);
const READINGS = [
  ['code', 'the report’s code'],
  ['full-data', '… on all 50,000 images'],
  ['shuffled', '… with shuffled batches'],
  ['mean', '… stepping on the mean gradient'],
  ['sum', '… stepping on the summed gradient'],
  ['uniform-init', '… with Glorot initialisation'],
  ['proper-mean', 'done properly, mean'],
  ['proper-sum', 'done properly, sum'],
];
const EXPERIMENTS = [
  ['784-20-10', 0.001, 'default network'],
  ['784-40-10', 0.001, 'width 40'],
  ['784-80-10', 0.001, 'width 80'],
  ['784-80-40-10', 0.001, 'depth 4'],
  ['784-80-40-20-10', 0.001, 'depth 5'],
  ['784-20-10', 0.0001, 'η = 1e-4'],
  ['784-20-10', 0.00001, 'η = 1e-5'],
];
const SPIKE = 0.02;
const AFTER = Math.round(0.7 * epochs);

const pct = (x) => (100 * x).toFixed(2);
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

function runs(reading, layers, lr) {
  const folder = join(dir, reading);
  if (!existsSync(folder)) return [];
  const prefix = `${layers}-lr${lr}-seed`;
  return readdirSync(folder)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.jsonl'))
    .map((f) =>
      readFileSync(join(folder, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    )
    .filter((lines) => lines.some((l) => l.final))
    .map((lines) => {
      const curve = lines.filter((l) => l.epoch).map((l) => l.train_eval_accuracy);
      let jump = 0;
      for (let e = AFTER; e < curve.length; e++) jump = Math.max(jump, Math.abs(curve[e] - curve[e - 1]));
      return { final: lines.find((l) => l.final), curve, jump };
    });
}

export function summarise() {
  const cells = new Map();
  for (const [layers, lr] of EXPERIMENTS)
    for (const [reading] of READINGS) {
      const rs = runs(reading, layers, lr);
      if (rs.length === 0) continue;
      const test = rs.map((r) => r.final.test_accuracy);
      cells.set(`${reading} ${layers} ${lr}`, {
        seeds: rs.length,
        test: { mean: mean(test), min: Math.min(...test), max: Math.max(...test) },
        train: mean(rs.map((r) => r.final.train_accuracy)),
        validation: mean(rs.map((r) => r.final.validation_accuracy)),
        spikes: rs.filter((r) => r.jump > SPIKE).length,
        jump: Math.max(...rs.map((r) => r.jump)),
        seconds: mean(rs.map((r) => r.final.seconds_total)),
      });
    }
  return cells;
}

const cells = summarise();
const cell = (reading, layers, lr) => cells.get(`${reading} ${layers} ${lr}`);

console.log(`Test accuracy, mean [min–max] over the seeds, and final training accuracy (${epochs} epochs):\n`);
console.log(`| experiment | ${READINGS.map(([, label]) => label).join(' | ')} |`);
console.log(`|---|${READINGS.map(() => '---').join('|')}|`);
for (const [layers, lr, name] of EXPERIMENTS) {
  const row = READINGS.map(([reading]) => {
    const c = cell(reading, layers, lr);
    return c ? `${pct(c.test.mean)} [${pct(c.test.min)}–${pct(c.test.max)}]<br>train ${pct(c.train)}` : '–';
  });
  console.log(`| ${name}: ${layers}, η = ${lr} | ${row.join(' | ')} |`);
}

console.log(
  `\nSpikes: seeds whose training accuracy jumps by more than ${100 * SPIKE} points between two epochs after epoch ${AFTER} (largest jump):\n`,
);
console.log(`| experiment | ${READINGS.map(([, label]) => label).join(' | ')} |`);
console.log(`|---|${READINGS.map(() => '---').join('|')}|`);
for (const [layers, lr, name] of EXPERIMENTS) {
  const row = READINGS.map(([reading]) => {
    const c = cell(reading, layers, lr);
    return c ? `${c.spikes}/${c.seeds} (${(100 * c.jump).toFixed(1)})` : '–';
  });
  console.log(`| ${name} | ${row.join(' | ')} |`);
}

console.log(
  '\nEach of the code’s choices undone alone: change of the mean test accuracy from the report’s code (points):\n',
);
console.log(
  `| experiment | ${READINGS.slice(1)
    .map(([, label]) => label)
    .join(' | ')} |`,
);
console.log(
  `|---|${READINGS.slice(1)
    .map(() => '---')
    .join('|')}|`,
);
for (const [layers, lr, name] of EXPERIMENTS) {
  const base = cell('code', layers, lr);
  const row = READINGS.slice(1).map(([reading]) => {
    const c = cell(reading, layers, lr);
    if (!c || !base) return '–';
    const d = 100 * (c.test.mean - base.test.mean);
    return `${d >= 0 ? '+' : ''}${d.toFixed(2)}`;
  });
  console.log(`| ${name} | ${row.join(' | ')} |`);
}
