// The configuration schema (engine.schema(), from core/config_field.hpp) and
// the page's checks built on it (web/shared/config_fields.js) accept and
// reject exactly the same values, field by field, edges included: the range
// of a field is written once, in the core, and the form cannot drift from it.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { checkValue, defaultConfig, structuralFields } from '../../web/shared/config_fields.js';
import { createTestEngine } from './support.mjs';

/** The neighbouring doubles of x (x − 1 ulp, x + 1 ulp). */
function neighbours(x) {
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  const at = (delta) => {
    const g = new BigInt64Array([bits[0] + BigInt(delta)]);
    return new Float64Array(g.buffer)[0];
  };
  if (x === 0) return [-Number.MIN_VALUE, Number.MIN_VALUE];
  return x > 0 ? [at(-1), at(1)] : [at(1), at(-1)];
}

// (undefined is not a value: the engine reads a field set to undefined as absent.)
const COMMON = [NaN, Infinity, -Infinity, null, '1', true, [], {}];

function candidates(field) {
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const edges = [field.min, field.max, ...neighbours(field.min), ...neighbours(field.max)];
      const inside = [(field.min + field.max) / 2, field.default, -0, 0.5, 1.5, -1, 1e300, -1e300, 2 ** 53];
      return [...edges, ...inside, field.min - 1, field.max + 1, ...COMMON];
    }
    case 'boolean':
      return [true, false, 0, 1, 'true', ...COMMON];
    case 'choice':
      return [...field.choices, field.choices[0].toUpperCase(), `${field.choices[0]} `, '', 'bce', ...COMMON];
    case 'sizes': {
      const widest = [10, field.max, 10];
      const underCap = Math.floor((field.maxParameters - 10) / (784 + 1 + 10)); // 784-n-10 just under the cap
      return [
        [784, 10],
        [784, 20, 10],
        [784],
        [],
        Array(field.countMax).fill(4),
        Array(field.countMax + 1).fill(4),
        [784, field.min, 10],
        [784, field.min - 1, 10],
        [784, -5, 10],
        widest,
        [10, field.max + 1, 10],
        [784, underCap, 10],
        [784, underCap + 1, 10],
        [784, 20.5, 10],
        [784, '20', 10],
        [784, NaN, 10],
        [784, 1e12, 10],
        '784-20-10',
        ...COMMON,
      ];
    }
    default:
      throw new Error(`no candidates for kind ${field.kind}`);
  }
}

describe('the configuration schema', () => {
  let engine;
  let schema;
  before(async () => {
    engine = await createTestEngine();
    schema = engine.schema();
  });

  test('describes every field of the engine config, with defaults the engine uses', () => {
    const config = engine.createTrainer().config();
    assert.deepEqual(Object.keys(defaultConfig(schema)).sort(), Object.keys(config).sort());
    assert.deepEqual(defaultConfig(schema), config);
    for (const f of schema) {
      assert.equal(checkValue(f, f.default), null, `${f.jsName}: its default is valid`);
      assert.ok(f.label && f.help && f.flag.startsWith('--'), f.jsName);
      assert.doesNotMatch(`${f.label} ${f.help}`, /[ÂÎÏÎ]/, `${f.jsName}: its words arrive as UTF-8`);
    }
    // The core's texts reach JavaScript as UTF-8 (λ, η, not their bytes read as Latin-1).
    assert.equal(schema.find((f) => f.jsName === 'l2').label, 'L2 weight decay λ');
    assert.match(schema.find((f) => f.jsName === 'learningRate').help, /η/);
    assert.deepEqual(structuralFields(schema), [
      'layers',
      'activation',
      'loss',
      'batchSize',
      'l2',
      'seed',
      'gradient',
      'trainLimit',
      'init',
      'batching',
    ]);
  });

  test('JavaScript and C++ accept and reject the same values for every field, edges included', () => {
    let compared = 0;
    let leftToEngine = 0;
    for (const field of schema) {
      for (const value of candidates(field)) {
        const js = checkValue(field, value);
        let engineError = null;
        try {
          engine.validateConfig({ [field.jsName]: value });
        } catch (error) {
          engineError = error;
        }
        const shown = `${field.jsName} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`;
        if (engineError && js === null) {
          // The one check the page leaves to the engine (its checkConfig answer): how many weights a network
          // of these sizes has, so that the count is computed in one place.
          assert.equal(
            field.jsName,
            'layers',
            `${shown}: the engine refuses it (${engineError.message}), the page accepts it`,
          );
          assert.ok(engine.parameterCount(value) > field.maxParameters, `${shown}: refused for its weights`);
          assert.match(engineError.message, /parameters, more than the maximum 50000000/);
          leftToEngine++;
        } else if (engineError) {
          assert.ok(['ConfigError'].includes(engineError.kind), `${shown}: ${engineError.kind}`);
        } else {
          assert.equal(js, null, `${shown}: the engine accepts it, the page refuses it (${js})`);
        }
        compared++;
      }
    }
    console.log(`compared ${compared} values over ${schema.length} fields (${leftToEngine} left to the engine)`);
    assert.ok(compared > 10 * schema.length);
    assert.equal(leftToEngine, 1, 'the network just over the weight cap');
  });

  test('the size cap is the engine’s, and the parameter count agrees with the trainer', () => {
    const layers = schema.find((f) => f.jsName === 'layers');
    assert.equal(layers.maxParameters, 50e6, 'the browser build caps networks at 50 M parameters');
    const sizes = [784, 80, 40, 20, 10];
    const trainer = engine.createTrainer({ layers: sizes });
    const total = [0, 1, 2, 3].reduce((n, k) => {
      const w = trainer.layerWeights(k);
      return n + w.data.length + w.bias.length;
    }, 0);
    assert.equal(engine.parameterCount(sizes), total);
    trainer.delete();
  });
});
