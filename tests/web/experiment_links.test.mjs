// Unit tests of what leaves the page about experiment runs and what a link to
// an experiment does: the runs' CSV and JSON carry run.experiment (the seed
// among it: web/page/runs/export.js), and a link names any experiment, a
// study registered with registerStudy included, and a study's own panel
// (web/page/share/share.js linkedPanel).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, test } from 'node:test';

import { allExperiments, registerStudy } from '../../web/page/report/experiment_plan.js';
import { EXPERIMENT_COLUMNS, csvColumns, parseCsv, runsToCsv, runsToJson } from '../../web/page/runs/export.js';
import { STUDY_PANELS, linkedPanel, readShareQuery, shareQuery } from '../../web/page/share/share.js';
import { engineTables, experimentRun } from './report_runs.mjs';
import { FORM } from './form_fields.mjs';

let tables;
before(async () => {
  tables = await engineTables();
});

test('the CSV and JSON exports carry each experiment run’s experiment, key, reading and seed', () => {
  const runs = [1, 2].map((seed) =>
    experimentRun(tables, { key: 'h40', reading: 'report-code', seed, experiment: 'width', epochs: 2, number: seed }),
  );
  const rows = parseCsv(runsToCsv(runs, tables.schema));
  const col = (name) => rows[0].indexOf(name);
  assert.deepEqual(rows[0], csvColumns(tables.schema));
  for (const [column] of EXPERIMENT_COLUMNS) assert.ok(col(column) >= 0, `a column ${column}`);
  // One row per run × epoch: seed 1's two epochs, then seed 2's.
  assert.deepEqual(
    rows
      .slice(1)
      .map((r) => [r[col('experiment')], r[col('experiment_key')], r[col('reading')], r[col('experiment_seed')]]),
    [
      ['width', 'h40', 'report-code', '1'],
      ['width', 'h40', 'report-code', '1'],
      ['width', 'h40', 'report-code', '2'],
      ['width', 'h40', 'report-code', '2'],
    ],
  );
  assert.equal(rows[3][col('seed')], '2', 'the config’s seed is the experiment’s');
  const doc = JSON.parse(runsToJson(runs));
  assert.deepEqual(
    doc.runs.map((r) => r.experiment),
    runs.map((r) => r.experiment),
  );
  assert.equal(doc.runs[1].experiment.seed, 2);
  // A run of no experiment: empty cells, null in JSON.
  const plain = { ...runs[0], experiment: undefined };
  const row = parseCsv(runsToCsv([plain], tables.schema))[1];
  assert.deepEqual(
    EXPERIMENT_COLUMNS.map(([column]) => row[col(column)]),
    ['', '', '', ''],
  );
  assert.equal(JSON.parse(runsToJson([plain])).runs[0].experiment, null);
});

test('a link names any experiment, a registered study included, and a study’s link opens its panel', async () => {
  const dims = { inputSize: 784, classes: 10, trainSize: 50000 };
  const read = (id) =>
    readShareQuery(`?${shareQuery({}, [], { experiment: id })}`, tables.schema, FORM, dims, {
      experiments: allExperiments().map((x) => x.id),
    });
  assert.equal(read('spikes').experiment, null, 'no study registered yet: refused');
  assert.match(read('spikes').errors[0].message, /There is no experiment “spikes”/);
  for (const id of STUDY_PANELS)
    registerStudy({ id, label: id, help: '', variants: () => [{ key: 'a', hidden: [20] }] });
  for (const id of ['width', 'report', ...STUDY_PANELS]) {
    const r = read(id);
    assert.equal(r.experiment, id);
    assert.deepEqual(r.errors, []);
  }
  assert.deepEqual(STUDY_PANELS.map(linkedPanel), ['study-spikes', 'study-sweep', 'study-optimisers']);
  const html = await readFile(new URL('../../web/index.html', import.meta.url), 'utf8');
  for (const id of STUDY_PANELS)
    assert.ok(html.includes(`id="${linkedPanel(id)}"`), `index.html has #${linkedPanel(id)}`);
  assert.equal(linkedPanel('width'), null, 'the report’s experiments have no panel of their own');
  assert.equal(linkedPanel(null), null);
});
