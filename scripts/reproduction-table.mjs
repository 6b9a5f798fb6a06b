// Prints the README's reproduction table from build/reproduction/*.jsonl.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir = 'build/reproduction', epochs = '100'] = process.argv.slice(2);
const pct = (x) => (100 * x).toFixed(2);
const rows = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
  const lines = readFileSync(join(dir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const final = lines.find((l) => l.final);
  if (!final) continue;
  const [, layers, lr, grad] = file.match(/^(.*)-lr([\d.e-]+)-(mean|sum)\.jsonl$/);
  const best = lines.filter((l) => l.epoch).reduce((a, l) => (l.validation_accuracy > a.validation_accuracy ? l : a));
  rows.push({ layers, lr: Number(lr), grad, final, best });
}
const order = ['784-20-10', '784-40-10', '784-80-10', '784-80-40-20-10'];
rows.sort((a, b) => order.indexOf(a.layers) - order.indexOf(b.layers) || b.lr - a.lr || a.grad.localeCompare(b.grad));
console.log('| layers | lr | gradient | train % | validation % | test % | best val % (epoch) | seconds | command |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const cmd = `\`mlp_train --layers ${r.layers} --lr ${r.lr} --${r.grad} --epochs ${epochs}\``;
  console.log(`| ${r.layers} | ${r.lr} | ${r.grad} | ${pct(r.final.train_accuracy)} | ${pct(r.final.validation_accuracy)} | ` +
    `${pct(r.final.test_accuracy)} | ${pct(r.best.validation_accuracy)} (${r.best.epoch}) | ${r.final.seconds_total.toFixed(0)} | ${cmd} |`);
}
