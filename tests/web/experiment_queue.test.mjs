// Unit tests for web/worker/experiment_queue.js: a real TrainingSession on
// a fake clock, fake trainers from a fake engine. Every message goes through
// protocol.eventMessage(), so each one is checked against its field list; the
// session's messages reach the queue as the worker passes them (observe()).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { State, eventMessage } from '../../web/shared/protocol.js';
import { ExperimentQueue, checkItems } from '../../web/worker/experiment_queue.js';
import { TrainingSession } from '../../web/worker/training_session.js';
import { FakeTrainer, fakeClock, parameterCount } from './fake_trainer.mjs';

const DATA = { train: 40, validation: 10, test: 10, rows: 4, cols: 4 };
const BPE = 3; // batches per epoch of every fake trainer

const FIGURES = { each: ['trainSet', 'validation', 'test'], last: [] };
const LEAN = { each: ['trainSet'], last: ['validation', 'test'] };
const item = (hidden, epochs = 2, evaluate = LEAN) => ({
  config: { layers: [16, hidden, 4], learningRate: 0.1 },
  epochs,
  evaluate,
});

function setup({ divergeAt = {}, made: extra = {} } = {}) {
  const clock = fakeClock();
  const sent = [];
  const made = [];
  const loaded = [];
  const busy = []; // what the queue told the watchdog
  let queue = null;
  const emit = (type, payload) => sent.push(eventMessage(type, payload));
  const session = new TrainingSession({
    parameterCount,
    emit: (type, payload) => {
      emit(type, payload);
      queue?.observe(type, payload);
    },
    now: clock.now,
  });
  session.setData(DATA);
  const trainer = (config, extra = {}) =>
    new FakeTrainer(clock, {
      batchesPerEpoch: BPE,
      layers: config.layers,
      learningRate: config.learningRate,
      ...extra,
    });
  queue = new ExperimentQueue({
    session,
    emit,
    createTrainer(config) {
      const t = trainer(config, { divergeAtStep: divergeAt[config.layers[1]] ?? Infinity, ...extra });
      made.push(t);
      return t;
    },
    // A fake checkpoint is [step, 1, 2, 3] (FakeTrainer.save): the trainer resumes at that step.
    loadModel(bytes) {
      if (bytes[1] !== 1) throw new Error('not a model file');
      const t = trainer({ layers: [16, 8, 4], learningRate: 0.1 });
      t.step = bytes[0];
      t.epoch = Math.floor(t.step / BPE);
      t.batchInEpoch = t.step % BPE;
      loaded.push(t);
      return t;
    },
    onBusy: (ms) => busy.push(ms),
    parameterCount,
    validateConfig(config) {
      if (config.layers.some((n) => n < 1))
        throw Object.assign(new Error('a layer of 0 units is too small'), { kind: 'ConfigError' });
    },
  });
  const of = (type) => sent.filter((m) => m.type === type);
  const queueMessages = () => of('queue').map((m) => [m.reason, m.index, m.state]);
  // Runs ticks as the worker's scheduler would, while the queue wants them (at most `limit`).
  const run = (limit = 10_000) => {
    let n = 0;
    while (queue.wantsTick && n < limit) {
      queue.tick();
      n++;
    }
    return n;
  };
  return { clock, sent, session, queue, made, loaded, busy, of, queueMessages, run };
}

test('the runs train one after another, each to its epochs, evaluating what its plan says', () => {
  const { queue, session, made, of, sent, queueMessages, run } = setup();
  queue.start({ queueId: 'q1', items: [item(20, 2, FIGURES), item(40), item(80, 3)] });
  const started = of('queue').find((m) => m.reason === 'started');
  assert.deepEqual([started.queueId, started.index, started.total], ['q1', 0, 3], 'started names the queue');
  assert.equal(queue.state, 'running');
  run();
  assert.equal(queue.state, 'finished');
  assert.equal(queue.active, false);
  assert.deepEqual(
    made.map((t) => t.layers[1]),
    [20, 40, 80],
  );
  assert.deepEqual(
    made.map((t) => t.epoch),
    [2, 2, 3],
    'each to its own epoch target',
  );
  assert.deepEqual(
    made.map((t) => t.deleted),
    [true, true, false],
    'the last run’s trainer stays, as the session’s',
  );
  assert.equal(session.trainer, made[2]);
  // The first run evaluates everything after every epoch, the others the training images, and the rest at the end.
  assert.deepEqual(made[0].evaluated, ['trainSet', 'validation', 'test', 'trainSet', 'validation', 'test']);
  assert.deepEqual(made[1].evaluated, ['trainSet', 'trainSet', 'validation', 'test']);
  assert.deepEqual(made[2].evaluated, ['trainSet', 'trainSet', 'trainSet', 'validation', 'test']);
  assert.deepEqual(queueMessages(), [
    ['item-started', 0, 'running'],
    ['started', 0, 'running'],
    ['item-finished', 0, 'running'],
    ['item-started', 1, 'running'],
    ['item-finished', 1, 'running'],
    ['item-started', 2, 'running'],
    ['item-finished', 2, 'running'],
    ['finished', 2, 'finished'],
  ]);
  assert.ok(
    of('queue')
      .filter((m) => m.reason === 'item-finished')
      .every((m) => m.outcome === 'done' && m.total === 3),
  );
  assert.equal(of('epoch').length, 7);
  // Each run's trainer message comes before its item-started; the run's epochs follow it.
  const kinds = sent.map((m) => (m.type === 'queue' ? m.reason : m.type));
  assert.deepEqual(
    kinds.filter((k) => k === 'trainer' || k === 'item-started'),
    ['trainer', 'item-started', 'trainer', 'item-started', 'trainer', 'item-started'],
  );
  assert.ok(sent.filter((m) => m.type === 'trainer').every((m) => m.reason === 'created'));
});

test('a run’s last checkpoint is its own: the next run starts in a tick of its own', () => {
  const { queue, made, sent, run } = setup();
  queue.start({ queueId: 'q', items: [item(20, 1), item(40, 1)] });
  run();
  const i = sent.findIndex((m) => m.type === 'queue' && m.reason === 'item-started' && m.index === 1);
  const before = sent.slice(0, i).filter((m) => m.type === 'checkpoint');
  assert.equal(before.at(-1).reason, 'finished');
  assert.equal(new Uint8Array(before.at(-1).bytes)[0], made[0].step, 'saved from the first run’s trainer');
  assert.equal(before.at(-1).progress.epoch, 1);
});

test('pause and resume, mid-run and between two runs', () => {
  const { queue, session, made, of, queueMessages, run } = setup();
  queue.start({ queueId: 'q', items: [item(20, 2), item(40, 2)] });
  run(2);
  queue.pause();
  assert.equal(session.state, State.PAUSED);
  assert.equal(queue.state, 'paused');
  assert.equal(of('checkpoint').at(-1).reason, 'pause');
  const step = made[0].step;
  run(); // nothing to do while paused
  assert.equal(made[0].step, step);
  queue.resume();
  assert.equal(queue.state, 'running');
  // Until the first run ends, then pause before the second starts.
  while (!of('status').some((m) => m.message === 'finished') && queue.wantsTick) queue.tick();
  assert.equal(made.length, 1);
  queue.pause();
  assert.equal(queue.wantsTick, false, 'the next run waits');
  assert.equal(made.length, 1);
  queue.resume();
  run();
  assert.deepEqual(
    made.map((t) => t.epoch),
    [2, 2],
    'the pause cost no epoch and added none',
  );
  assert.deepEqual(
    queueMessages().map(([reason]) => reason),
    // The second pause came after the first run's end, before the tick that reports it and starts the next.
    [
      'item-started',
      'started',
      'paused',
      'resumed',
      'paused',
      'resumed',
      'item-finished',
      'item-started',
      'item-finished',
      'finished',
    ],
  );
});

test('the page’s own pause and resume of the session are the queue’s too', () => {
  const { queue, session, made, queueMessages, run } = setup();
  queue.start({ queueId: 'q', items: [item(20, 2)] });
  run(2);
  session.pause();
  assert.equal(queue.state, 'paused');
  session.train({ epochs: 1, resume: true });
  assert.equal(queue.state, 'running');
  run();
  assert.equal(made[0].epoch, 2);
  assert.deepEqual(
    queueMessages().map(([reason]) => reason),
    ['item-started', 'started', 'paused', 'resumed', 'item-finished', 'finished'],
  );
});

test('cancel stops the run (which keeps what it trained) and drops the rest', () => {
  const { queue, session, made, of, queueMessages, run } = setup();
  queue.start({ queueId: 'q', items: [item(20, 3), item(40)] });
  run(4);
  queue.cancel();
  assert.equal(queue.state, 'cancelled');
  assert.equal(session.state, State.IDLE);
  assert.equal(of('checkpoint').at(-1).reason, 'stop');
  const step = made[0].step;
  run(); // at most the evaluation of an epoch that had ended
  assert.equal(queue.wantsTick, false);
  assert.equal(made[0].step, step);
  assert.equal(made.length, 1);
  assert.equal(made[0].deleted, false);
  assert.deepEqual(queueMessages().at(-1), ['cancelled', 0, 'cancelled']);
  // Pause, resume and cancel of a queue that is over do nothing.
  const n = of('queue').length;
  queue.pause();
  queue.resume();
  queue.cancel();
  assert.equal(of('queue').length, n);
});

test('a queue resumes from a checkpoint of its run, to the same epoch target', () => {
  const { queue, made, loaded, of, sent, run } = setup();
  // Run 2 of 3 had trained 1 epoch and 1 batch (step 4) in 500 ms when the page was closed.
  queue.start({
    queueId: 'q',
    items: [item(20, 3), item(40, 3), item(80, 3)],
    start: 1,
    checkpoint: new Uint8Array([4, 1, 2, 3]).buffer,
    runMs: 500,
  });
  assert.equal(loaded.length, 1);
  const trainer = sent.find((m) => m.type === 'trainer');
  assert.equal(trainer.reason, 'restored');
  assert.equal(trainer.runMs, 500);
  const first = of('queue')[0];
  assert.deepEqual([first.reason, first.index, first.resumed, first.progress.step], ['item-started', 1, true, 4]);
  run();
  assert.equal(loaded[0].epoch, 3, 'to the run’s target, not 3 more epochs');
  assert.equal(loaded[0].step, 9);
  assert.ok(of('chunk')[0].runMs > 500, 'the running time goes on from the checkpoint’s');
  assert.deepEqual(
    made.map((t) => t.layers[1]),
    [80],
    'then the runs after it',
  );
  assert.equal(queue.state, 'finished');
});

test('a checkpoint at the run’s target moves on; an unreadable one starts the run afresh', () => {
  {
    const { queue, made, of, run } = setup();
    queue.start({
      queueId: 'q',
      items: [item(20, 2), item(40, 1)],
      checkpoint: new Uint8Array([6, 1, 2, 3]).buffer,
    });
    run();
    const finished = of('queue').find((m) => m.reason === 'item-finished');
    assert.equal(finished.index, 0);
    assert.equal(finished.progress.epoch, 2);
    assert.equal(of('chunk').filter((c) => c.epochIndex >= 2).length, 0, 'no epoch beyond the target');
    assert.deepEqual(
      made.map((t) => t.epoch),
      [1],
    );
  }
  {
    const { queue, made, loaded, of, run } = setup();
    queue.start({ queueId: 'q', items: [item(20, 2)], checkpoint: new Uint8Array([6, 9, 9]).buffer });
    assert.equal(loaded.length, 0);
    assert.equal(of('queue')[0].resumed, false);
    run();
    assert.equal(made[0].epoch, 2);
  }
});

test('a queue restored paused waits for resume, then trains what is left', () => {
  const { queue, session, loaded, of, run } = setup();
  queue.start({
    queueId: 'q',
    items: [item(20, 3)],
    checkpoint: new Uint8Array([3, 1, 2, 3]).buffer,
    paused: true,
  });
  assert.equal(queue.state, 'paused');
  assert.equal(run(), 0);
  assert.equal(session.state, State.IDLE);
  queue.resume();
  assert.equal(queue.state, 'running');
  run();
  assert.equal(loaded[0].epoch, 3);
  assert.deepEqual(
    of('queue').map((m) => m.reason),
    ['item-started', 'started', 'resumed', 'item-finished', 'finished'],
  );
});

test('a diverging run ends as diverged and the queue goes on', () => {
  const { queue, made, of, run } = setup({ divergeAt: { 40: 2 } });
  queue.start({ queueId: 'q', items: [item(40, 2), item(80, 1)] });
  run();
  const [first, second] = of('queue').filter((m) => m.reason === 'item-finished');
  assert.equal(first.outcome, 'diverged');
  assert.match(first.message, /diverged/);
  assert.equal(second.outcome, 'done');
  assert.equal(made[1].epoch, 1);
  assert.equal(queue.state, 'finished');
});

test('another model in the session, a stopped run or new data end the queue', () => {
  {
    const { queue, session, of, run } = setup();
    queue.start({ queueId: 'q', items: [item(20, 2), item(40)] });
    run(2);
    session.replaceTrainer(new FakeTrainer(fakeClock()));
    queue.checkTrainer();
    assert.equal(queue.state, 'cancelled');
    assert.match(of('queue').at(-1).message, /another model/);
    assert.equal(run(), 0);
  }
  {
    const { queue, session, of, run } = setup();
    queue.start({ queueId: 'q', items: [item(20, 2), item(40)] });
    run(2);
    session.stop();
    assert.equal(queue.state, 'cancelled');
    assert.match(of('queue').at(-1).message, /stopped/);
  }
  {
    const { queue, session, of } = setup();
    queue.start({ queueId: 'q', items: [item(20, 2)] });
    session.setData({ ...DATA, rows: 5 });
    assert.equal(queue.state, 'cancelled');
    assert.match(of('queue').at(-1).message, /data changed/);
  }
});

test('a new queue replaces a running one, which is cancelled', () => {
  const { queue, made, of, run } = setup();
  queue.start({ queueId: 'old', items: [item(20, 5)] });
  run(3);
  queue.start({ queueId: 'new', items: [item(40, 1)] });
  const cancelled = of('queue').find((m) => m.reason === 'cancelled');
  assert.equal(cancelled.queueId, 'old');
  run();
  assert.equal(made[1].epoch, 1);
  assert.equal(of('queue').at(-1).queueId, 'new');
  assert.equal(queue.state, 'finished');
});

test('bad queues are refused before anything starts', () => {
  const { queue, made, sent } = setup();
  assert.throws(
    () => queue.start({ queueId: 'q', items: [] }),
    (err) => /at least one run/.test(err.message) && err.kind === 'RequestError',
    'a kind: the worker answers it, not as a crash',
  );
  assert.throws(
    () => queue.start({ queueId: 'q', items: [{ ...item(20), epochs: 0 }] }),
    /run 1 of the queue: epochs must be a whole number ≥ 1/,
  );
  assert.throws(
    () => queue.start({ queueId: 'q', items: [item(20), { ...item(20), evaluate: { each: ['train'] } }] }),
    /run 2 of the queue: unknown evaluation split 'train'/,
  );
  assert.throws(
    () => queue.start({ queueId: 'q', items: [item(20), item(0)] }),
    (err) => /run 2 of the queue: a layer of 0/.test(err.message) && err.kind === 'ConfigError',
  );
  assert.throws(() => queue.start({ queueId: 'q', items: [item(20)], start: 1 }), /no run 2/);
  assert.equal(made.length, 0);
  assert.equal(sent.length, 0);
  assert.deepEqual(checkItems([{ config: {}, epochs: 1 }]), [
    { config: {}, epochs: 1, evaluate: { each: [], last: [] }, options: {} },
  ]);
});

// ---- Item options: dynamicsEvery, lrFind ---------------------------------------------------------

const withOptions = (options, hidden = 20, epochs = 1) => ({ ...item(hidden, epochs), options });

test('dynamicsEvery: the item’s trainer records every N batches; items without it keep the session’s default', () => {
  const { queue, made, of, run } = setup();
  queue.start({ queueId: 'q', items: [withOptions({ dynamicsEvery: 2 }, 20, 2), item(40, 1)] });
  run();
  assert.equal(made[0].dynamicsEvery, 2);
  assert.equal(made[1].dynamicsEvery, 1, 'the session’s default: max(1, ⌊3 / 50⌋)');
  const first = of('dynamics').filter((m) => m.every === 2);
  assert.deepEqual(
    first.flatMap((m) => Array.from(m.steps)),
    [2, 4, 6],
    'every 2nd of its 6 batches',
  );
});

test('dynamicsEvery also holds for a run resumed from its checkpoint', () => {
  const { queue, loaded } = setup();
  queue.start({
    queueId: 'q',
    items: [withOptions({ dynamicsEvery: 3 }, 8, 2)],
    checkpoint: new Uint8Array([1, 1, 2, 3]).buffer,
  });
  assert.equal(loaded[0].dynamicsEvery, 3);
});

test('lrFind: the range test runs on the item’s fresh trainer before it trains; η is the pick; item-started says so', () => {
  const { queue, made, sent, of, busy, run } = setup();
  queue.start({ queueId: 'q', items: [withOptions({ lrFind: { start: 1e-4, end: 1, batches: 5 } }), item(40)] });
  const t = made[0];
  assert.deepEqual(t.rangeTests, [{ start: 1e-4, end: 1, batches: 5 }], 'with the item’s options');
  const test = t.lrRangeTest({ start: 1e-4, end: 1, batches: 5 });
  assert.equal(t.learningRate, test.pick, 'η set to the pick');
  // The trainer's first event already has the picked η (the run record's starting config is made from it).
  const trainerEvent = sent.find((m) => m.type === 'trainer');
  assert.equal(trainerEvent.config.learningRate, test.pick);
  assert.equal(t.step, 0, 'the range test trains a copy: the trainer is where it was');
  const started = of('queue').find((m) => m.reason === 'item-started');
  assert.deepEqual(started.lrFind, {
    rates: test.rates,
    smoothed: test.smoothed,
    pick: test.pick,
    reason: test.reason,
  });
  assert.ok(busy.length === 1 && busy[0] >= 1000, 'the watchdog was told the test may take a while');
  run();
  assert.equal(made[1].rangeTests, undefined, 'an item without lrFind runs no test');
  const second = of('queue').filter((m) => m.reason === 'item-started')[1];
  assert.equal(second.lrFind, undefined);
  assert.equal(made[1].learningRate, 0.1, 'and keeps its own η');
});

test('lrFind with the engine’s defaults: the options left out are not sent', () => {
  const { queue, made } = setup();
  queue.start({ queueId: 'q', items: [withOptions({ lrFind: {} })] });
  assert.deepEqual(made[0].rangeTests, [{ start: 1e-5, end: 1, batches: 9 }], 'the fake engine’s defaults');
});

test('lrFind is not run again for a run resumed from its checkpoint (which has its η)', () => {
  const { queue, made, loaded, of } = setup();
  queue.start({
    queueId: 'q',
    items: [withOptions({ lrFind: { batches: 5 } }, 8, 3)],
    checkpoint: new Uint8Array([4, 1, 2, 3]).buffer,
  });
  assert.equal(made.length, 0);
  assert.equal(loaded[0].rangeTests, undefined);
  assert.equal(loaded[0].learningRate, 0.1);
  const started = of('queue').find((m) => m.reason === 'item-started');
  assert.equal(started.resumed, true);
  assert.equal(started.lrFind, undefined);
});

test('lrFind that fails: the queue does not start, its trainer is freed, the message says which run', () => {
  const error = Object.assign(new Error('the range test diverged at η = 0.5'), { kind: 'DivergedError' });
  const { queue, made, of } = setup({ made: { rangeTestError: error } });
  assert.throws(
    () => queue.start({ queueId: 'q', items: [withOptions({ lrFind: {} })] }),
    (err) =>
      err.kind === 'DivergedError' && /run 1 of the queue could not start: the range test diverged/.test(err.message),
  );
  assert.equal(made[0].deleted, true);
  assert.equal(queue.active, false);
  assert.equal(of('queue').length, 0);
});

test('item options are checked with clear messages; unknown ones are refused', () => {
  const { queue, made } = setup();
  const refused = (options, pattern) =>
    assert.throws(
      () => queue.start({ queueId: 'q', items: [item(20), withOptions(options)] }),
      (err) => err.kind === 'RequestError' && pattern.test(err.message),
      JSON.stringify(options),
    );
  refused(
    { dynamicsEvry: 2 },
    /run 2 of the queue: unknown option 'dynamicsEvry' \(known: 'dynamicsEvery', 'lrFind'\)/,
  );
  refused({ dynamicsEvery: 0 }, /run 2 of the queue: dynamicsEvery must be a whole number ≥ 1, not 0/);
  refused({ dynamicsEvery: 1.5 }, /dynamicsEvery must be a whole number ≥ 1, not 1.5/);
  refused({ lrFind: true }, /run 2 of the queue: lrFind must be an object/);
  refused({ lrFind: { steps: 3 } }, /lrFind has unknown field 'steps'/);
  refused({ lrFind: { start: -1 } }, /lrFind.start must be a number > 0, not -1/);
  refused({ lrFind: { start: 1, end: 0.1 } }, /lrFind.start \(1\) must be below lrFind.end \(0.1\)/);
  refused({ lrFind: { batches: 0 } }, /lrFind.batches must be a whole number ≥ 1, not 0/);
  assert.throws(
    () => checkItems([{ config: {}, epochs: 1, options: [] }]),
    /run 1 of the queue: options must be an object/,
  );
  assert.equal(made.length, 0, 'nothing started');
  assert.deepEqual(
    checkItems([{ config: {}, epochs: 1, options: { dynamicsEvery: 4, lrFind: { end: 2 } } }])[0].options,
    {
      dynamicsEvery: 4,
      lrFind: { end: 2 },
    },
  );
});
