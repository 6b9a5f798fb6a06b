// Unit tests for web/page/config.js (form validation and presets).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import {
  PRESETS,
  describeConfig,
  matchPreset,
  parseLayers,
  presetValues,
  structuralChange,
  validateForm,
  valuesFromConfig,
} from '../../web/page/settings/settings.js';
import { createTestEngine } from '../wasm/support.mjs';
import { FORM } from './form_fields.mjs';

let schema;
let engine;
before(async () => {
  engine = await createTestEngine();
  schema = engine.schema();
});
const values = (id, dims) => presetValues(id, schema, FORM, dims);
const validate = (v, dims) => validateForm(v, schema, dims);

test('every preset validates and is recognised', () => {
  for (const p of PRESETS) {
    const v = values(p.id);
    const { config, errors } = validate(v);
    assert.deepEqual(errors, {}, p.id);
    assert.equal(config.layers[0], 784);
    assert.equal(config.layers.at(-1), 10);
    assert.equal(matchPreset(v, schema), p.id);
  }
  assert.equal(matchPreset({ ...values('report'), layers: '784-33-10' }, schema), 'custom');
  assert.equal(matchPreset({ ...values('report'), batching: 'slices' }, schema), 'custom');
});

test('the default is the report’s network', () => {
  const { config } = validate(values('report'));
  assert.deepEqual(config.layers, [784, 20, 10]);
  assert.equal(config.activation, 'sigmoid');
  assert.equal(config.loss, 'sigmoid-bce');
  assert.equal(config.optimizer, 'sgd');
  assert.equal(config.learningRate, 0.001);
  assert.equal(config.batchSize, 128);
  assert.equal(config.gradient, 'sum');
  assert.equal(config.beta2, 0.999, 'fields the form lacks take the schema’s defaults');
});

test('layer sizes are parsed and checked against the data', () => {
  const layers = (text, dims) => parseLayers(text, schema, dims);
  assert.deepEqual(layers('784-20-10').value, [784, 20, 10]);
  assert.deepEqual(layers(' 784, 20 ,10 ').value, [784, 20, 10]);
  assert.match(layers('').error, /Enter/);
  assert.match(layers('784-a-10').error, /not a positive whole number/);
  assert.match(layers('784-0-10').error, /not a positive whole number/);
  assert.match(layers('100-20-10').error, /input size 784/);
  assert.match(layers('784-20-9').error, /last size must be 10/);
  assert.match(layers('784').error, /at least/);
  assert.match(layers('784-100000-10').error, /too wide/);
  // How many weights that is, and whether they fit, is the engine's to say: the form asks it (checkConfig).
  assert.deepEqual(layers('784-63000-10').value, [784, 63000, 10]);
  assert.throws(
    () => engine.validateConfig({ ...validate(values('report')).config, layers: [784, 63000, 10] }),
    /784-63000-10 has 50085010 parameters, more than the maximum 50000000/,
  );
  assert.deepEqual(layers('196-10', { inputSize: 196 }).value, [196, 10]);
});

test('invalid values are refused with a message per field', () => {
  const bad = {
    ...values('report'),
    learningRate: '0',
    momentum: '1',
    batchSize: '12.5',
    epochs: '',
    l2: '-1',
    seed: 'x',
    gradient: 'median',
    activation: 'swish',
    trainLimit: '-3',
    init: 'zeros',
  };
  const { config, errors } = validate(bad);
  assert.equal(config, null);
  for (const f of [
    'learningRate',
    'momentum',
    'batchSize',
    'epochs',
    'l2',
    'seed',
    'gradient',
    'activation',
    'trainLimit',
    'init',
  ]) {
    assert.ok(errors[f], `no error for ${f}`);
  }
  assert.match(errors.learningRate, /\(0, 100\]/);
  assert.match(errors.batchSize, /whole number/);
  assert.equal(
    validate({ ...values('report'), batchSize: '70000' }, { trainSize: 50000 }).errors.batchSize,
    'The batch size must be in [1, 50000].',
  );
  assert.equal(
    validate({ ...values('report'), seed: String(2 ** 53) }).errors.seed,
    'The seed must be in [0, 9007199254740991].',
  );
});

test('structural changes need a new trainer, optimiser changes do not', () => {
  const a = validate(values('report')).config;
  assert.equal(structuralChange(a, { ...a, learningRate: 0.5, optimizer: 'adam' }, schema), false);
  assert.equal(structuralChange(a, { ...a, layers: [784, 30, 10] }, schema), true);
  assert.equal(structuralChange(a, { ...a, gradient: 'mean' }, schema), true);
  assert.equal(structuralChange(a, { ...a, batching: 'slices' }, schema), true);
  assert.deepEqual(validate(valuesFromConfig(a, schema, FORM, { epochs: 10 })).config, a);
});

test('a config is described by what differs from a plain run', () => {
  const a = validate(values('report')).config;
  assert.equal(describeConfig(a), '784-20-10 Sigmoid · SGD η=0.001 Σ · batch 128');
  const template = { ...a, gradient: 'half', trainLimit: 3000, batching: 'slices', init: 'gaussian' };
  assert.equal(
    describeConfig(template),
    '784-20-10 Sigmoid · SGD η=0.001 ½Σ · batch 128 · 3,000 images · slices · N(0,1) init',
  );
});
