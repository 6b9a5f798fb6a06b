// The worker's analysis (web/worker/analysis.js) and queue options on the
// real engine: `analyse` answers exactly what the engine's own calls give and
// fits the protocol's answer; a range test's result fits RangeTest; an
// experiment item with lrFind starts at the engine's pick, with dynamics
// every N batches carrying the record fields the dynamics event declares.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { EVENTS, REQUESTS, eventMessage } from '../../web/shared/protocol.js';
import { checkFields } from '../../web/shared/schema.js';
import { analyse, rangeTest } from '../../web/worker/analysis.js';
import { ExperimentQueue } from '../../web/worker/experiment_queue.js';
import { TrainingSession } from '../../web/worker/training_session.js';
import { syntheticMnist } from '../support/synthetic_mnist.mjs';
import { createTestEngine } from './support.mjs';

describe('the worker’s analysis on the engine', () => {
  let engine;
  let info;

  before(async () => {
    engine = await createTestEngine();
    info = engine.loadData(syntheticMnist({ train: 600, validation: 100, test: 100 }));
  });

  test('analyse answers what the engine’s calls give, in the protocol’s shapes; spikeRule fits ready', () => {
    const curve = Array.from({ length: 40 }, (_, e) => (e === 24 ? 0.8 : 0.9));
    const points = [
      { cost: 1, value: 0.9 },
      { cost: 2, value: 0.95 },
      { cost: 4, value: 0.951 },
      { cost: 3, value: 0.5 },
    ];
    const payload = {
      spikes: [curve, [0.5, 0.6]],
      costs: [
        [784, 20, 10],
        [784, 80, 40, 10],
      ],
      pareto: { points, minGainPerDoubling: 0.01 },
    };
    assert.equal(checkFields(REQUESTS.analyse.payload, payload, 'analyse', false), null);
    const answer = analyse(engine, payload);
    assert.equal(REQUESTS.analyse.answer.check(answer, 'analyse answer'), null);
    assert.deepEqual(answer.spikes, [engine.detectSpikes(curve), engine.detectSpikes([0.5, 0.6])]);
    assert.equal(answer.spikes[0].length, 2, 'the drop and its recovery');
    assert.deepEqual(answer.costs, [engine.trainingCost([784, 20, 10]), engine.trainingCost([784, 80, 40, 10])]);
    assert.equal(answer.costs[0].parameters, engine.parameterCount([784, 20, 10]));
    assert.deepEqual(answer.pareto.front, Array.from(engine.paretoFront(points)));
    assert.deepEqual(answer.pareto.knee, engine.paretoKnee(points, 0.01));
    assert.equal(EVENTS.ready.spikeRule.check(engine.spikeRule(), 'ready.spikeRule'), null);
  });

  test('a range test on a fresh trainer fits RangeTest and leaves the trainer as it was', () => {
    const trainer = engine.createTrainer({ layers: [784, 16, 10], learningRate: 0.1, seed: 4, batchSize: 16 });
    const before = trainer.save();
    const r = rangeTest(trainer, { batches: 30 });
    assert.equal(REQUESTS.lrRangeTest.answer.check(r, 'lrRangeTest answer'), null);
    assert.ok(r.pick >= r.rates[0] && r.pick <= r.rates.at(-1), 'the pick is among the rates tried');
    assert.deepEqual(trainer.save(), before);
    assert.equal(trainer.config().learningRate, 0.1);
    trainer.delete();
  });

  test('validateLrRange checks what a range test would refuse, without a trainer; a queue refuses such an item before its first run', () => {
    assert.deepEqual(engine.validateLrRange(undefined), engine.lrRangeDefaults(), 'nothing said: the defaults');
    assert.deepEqual(engine.validateLrRange({ batches: 30, end: 2 }), {
      ...engine.lrRangeDefaults(),
      batches: 30,
      end: 2,
    });
    const refusal = (options) => {
      try {
        engine.validateLrRange(options);
      } catch (err) {
        return `${err.kind}: ${err.message}`;
      }
      return null;
    };
    assert.match(refusal({ batches: 5 }), /^ConfigError: .*batches.*10/);
    assert.match(refusal({ start: 1e-3, end: 1e9 }), /^ConfigError: .*learning rates/);
    assert.match(refusal({ start: 1, end: 0.1 }), /^ConfigError: .*below its end rate/);
    assert.match(refusal({ stopFactor: 1 }), /^ConfigError: .*stop factor/);

    const sent = [];
    const session = new TrainingSession({ parameterCount: (l) => engine.parameterCount(l), emit: () => {} });
    session.setData(info);
    let made = 0;
    const queue = new ExperimentQueue({
      session,
      emit: (type, payload) => sent.push(eventMessage(type, payload)),
      createTrainer: (c) => (made++, engine.createTrainer(c)),
      loadModel: (b) => engine.loadModel(b),
      validateConfig: (c) => engine.validateConfig(c),
      validateRange: (o) => engine.validateLrRange(o),
    });
    const config = { layers: [784, 16, 10], learningRate: 0.5, seed: 2, batchSize: 32 };
    const item = (options) => ({ config, epochs: 1, evaluate: { each: [], last: [] }, options });
    assert.throws(
      () => queue.start({ queueId: 'q', items: [item({}), item({ lrFind: { batches: 5 } })] }),
      (err) => err.kind === 'ConfigError' && /^run 2 of the queue: .*batches.*10/.test(err.message),
    );
    assert.equal(made, 0, 'no run started');
    assert.equal(queue.active, false);
    assert.deepEqual(sent, [], 'nothing said to the page but the refusal');
  });

  test('a queue item with lrFind and dynamicsEvery on the engine: η is the pick; dynamics every N with record fields', () => {
    const sent = [];
    let queue = null;
    const emit = (type, payload) => sent.push(eventMessage(type, payload));
    const session = new TrainingSession({
      parameterCount: (l) => engine.parameterCount(l),
      emit: (type, payload) => {
        emit(type, payload);
        queue?.observe(type, payload);
      },
    });
    session.setData(info);
    queue = new ExperimentQueue({
      session,
      emit,
      createTrainer: (c) => engine.createTrainer(c),
      loadModel: (b) => engine.loadModel(b),
      validateConfig: (c) => engine.validateConfig(c),
      parameterCount: (l) => engine.parameterCount(l),
      rangeBatches: () => engine.lrRangeDefaults().batches,
    });
    const config = { layers: [784, 16, 10], learningRate: 0.5, seed: 2, batchSize: 32 };
    queue.start({
      queueId: 'q',
      items: [
        { config, epochs: 1, evaluate: { each: [], last: [] }, options: { lrFind: { batches: 20 }, dynamicsEvery: 3 } },
      ],
    });
    const started = sent.find((m) => m.type === 'queue' && m.reason === 'item-started');
    const trainerEvent = sent.find((m) => m.type === 'trainer');
    assert.equal(trainerEvent.config.learningRate, started.lrFind.pick, 'the run starts at the pick');
    assert.match(started.lrFind.reason, /\w/);
    for (let n = 0; queue.wantsTick && n < 10_000; n++) queue.tick();
    assert.equal(queue.state, 'finished');
    const dynamics = sent.filter((m) => m.type === 'dynamics');
    assert.ok(dynamics.length > 0);
    assert.ok(dynamics.every((m) => m.every === 3));
    const d = dynamics[0];
    assert.equal(d.steps[0], 3);
    for (const f of ['batchSize', 'loss', 'gradNorm', 'stepNorm']) assert.equal(d[f].length, d.steps.length, f);
    assert.equal(d.batchSize[0], 32);
  });
});
