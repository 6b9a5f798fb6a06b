// The worker's Inspector (web/worker/inspection.js): health after an epoch
// at most every HEALTH_INTERVAL_MS, and always after the epoch training
// stops at, describing the model that ended it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HEALTH_INTERVAL_MS, Inspector } from '../../web/worker/inspection.js';

function setup() {
  const sent = [];
  const trainer = {
    step: 0,
    progress() {
      return { epoch: Math.floor(this.step / 10), step: this.step };
    },
    config: () => ({ activation: 'sigmoid' }),
    inspectHealth: (split, start, count) => ({ samples: count, loss: 1, layers: [] }),
  };
  const session = { trainer, dataInfo: { validation: 100, test: 100 }, wantsTick: true };
  const inspector = new Inspector({ emit: (type, m) => sent.push({ type, ...m }), session });
  inspector.setWanted({ health: true });
  // What the worker's tick does: the inspector first while it wants the tick, else the session trains on.
  const tick = () => {
    if (inspector.wantsTick) inspector.tick();
    else inspector.trainingMoved();
  };
  const health = () => sent.filter((m) => m.type === 'health');
  return { trainer, session, inspector, tick, health };
}

test('the first epoch end gets its health in the next tick, before training moves on', () => {
  const { trainer, inspector, tick, health } = setup();
  trainer.step = 10;
  inspector.epochEnded({ epoch: 1, step: 10 });
  assert.ok(inspector.wantsTick);
  tick();
  assert.deepEqual(
    health().map((h) => h.step),
    [10],
  );
  assert.equal(inspector.wantsTick, false);
});

test('epochs ending faster than the interval are passed over while training goes on', () => {
  const { trainer, inspector, tick, health } = setup();
  for (let e = 1; e <= 20; e++) {
    trainer.step = 10 * e;
    inspector.epochEnded({ epoch: e, step: trainer.step });
    tick();
  }
  assert.equal(health().length, 1, 'one health within the interval, not twenty');
});

test('the epoch training stops at gets its health, whatever the interval', () => {
  const { trainer, session, inspector, tick, health } = setup();
  trainer.step = 10;
  inspector.epochEnded({ epoch: 1, step: 10 });
  tick();
  trainer.step = 20;
  inspector.epochEnded({ epoch: 2, step: 20 }); // too soon: passed over while the session wants ticks
  assert.equal(inspector.wantsTick, false);
  session.wantsTick = false; // the target was reached, or a pause
  assert.ok(inspector.wantsTick);
  tick();
  assert.deepEqual(
    health().map((h) => h.step),
    [10, 20],
  );
});

test('an epoch passed over and then trained past is not reported later', () => {
  const { trainer, session, inspector, tick, health } = setup();
  trainer.step = 10;
  inspector.epochEnded({ epoch: 1, step: 10 });
  tick();
  inspector.epochEnded({ epoch: 2, step: 20 });
  tick(); // the session trains on: epoch 2's model is gone
  session.wantsTick = false;
  assert.equal(inspector.wantsTick, false);
  assert.equal(health().length, 1);
});

test('after the interval an epoch end gets its health again', async () => {
  const { trainer, inspector, tick, health } = setup();
  trainer.step = 10;
  inspector.epochEnded({ epoch: 1, step: 10 });
  tick();
  await new Promise((resolve) => setTimeout(resolve, HEALTH_INTERVAL_MS + 20));
  trainer.step = 20;
  inspector.epochEnded({ epoch: 2, step: 20 });
  tick();
  assert.deepEqual(
    health().map((h) => h.step),
    [10, 20],
  );
});
