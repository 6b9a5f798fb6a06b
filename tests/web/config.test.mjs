// Unit tests for web/page/config.js (form validation and presets).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  PRESETS,
  matchPreset,
  parseLayers,
  presetValues,
  structuralChange,
  validateForm,
  valuesFromConfig,
} from '../../web/page/config.js';

test('every preset validates and is recognised', () => {
  for (const p of PRESETS) {
    const values = presetValues(p.id);
    const { config, errors } = validateForm(values);
    assert.deepEqual(errors, {}, p.id);
    assert.equal(config.layers[0], 784);
    assert.equal(config.layers.at(-1), 10);
    assert.equal(matchPreset(values), p.id);
  }
  assert.equal(matchPreset({ ...presetValues('report'), layers: '784-33-10' }), 'custom');
});

test('the default is the report’s network', () => {
  const { config } = validateForm(presetValues('report'));
  assert.deepEqual(config.layers, [784, 20, 10]);
  assert.equal(config.activation, 'sigmoid');
  assert.equal(config.loss, 'sigmoid-bce');
  assert.equal(config.optimizer, 'sgd');
  assert.equal(config.learningRate, 0.001);
  assert.equal(config.batchSize, 128);
});

test('layer sizes are parsed and checked against the data', () => {
  assert.deepEqual(parseLayers('784-20-10').value, [784, 20, 10]);
  assert.deepEqual(parseLayers(' 784, 20 ,10 ').value, [784, 20, 10]);
  assert.equal(parseLayers('784-20-10').parameters, 20 * 785 + 10 * 21);
  assert.match(parseLayers('').error, /Enter/);
  assert.match(parseLayers('784-a-10').error, /not a positive whole number/);
  assert.match(parseLayers('784-0-10').error, /not a positive whole number/);
  assert.match(parseLayers('100-20-10').error, /input size 784/);
  assert.match(parseLayers('784-20-9').error, /last size must be 10/);
  assert.match(parseLayers('784').error, /at least/);
  assert.match(parseLayers('784-100000-10').error, /too wide/);
  assert.deepEqual(parseLayers('196-10', { inputSize: 196 }).value, [196, 10]);
});

test('invalid values are refused with a message per field', () => {
  const bad = {
    ...presetValues('report'),
    learningRate: '0',
    momentum: '1',
    batchSize: '12.5',
    epochs: '',
    l2: '-1',
    seed: 'x',
    gradient: 'median',
    activation: 'swish',
  };
  const { config, errors } = validateForm(bad);
  assert.equal(config, null);
  for (const f of ['learningRate', 'momentum', 'batchSize', 'epochs', 'l2', 'seed', 'gradient', 'activation']) {
    assert.ok(errors[f], `no error for ${f}`);
  }
  assert.match(errors.learningRate, /\(0, 100\]/);
  assert.match(errors.batchSize, /whole number/);
  assert.equal(validateForm({ ...presetValues('report'), batchSize: '70000' }, { trainSize: 50000 }).errors.batchSize,
    'The batch size must be in [1, 50000].');
});

test('structural changes need a new trainer, optimiser changes do not', () => {
  const a = validateForm(presetValues('report')).config;
  assert.equal(structuralChange(a, { ...a, learningRate: 0.5, optimizer: 'adam' }), false);
  assert.equal(structuralChange(a, { ...a, layers: [784, 30, 10] }), true);
  assert.equal(structuralChange(a, { ...a, sumGradients: !a.sumGradients }), true);
  assert.deepEqual(validateForm(valuesFromConfig(a, 10)).config, a);
});
