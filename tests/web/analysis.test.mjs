// web/page/report/analysis.js with a fake client: answers come from the
// fake engine's rules when the test lets them; the cache answers the same
// input again without a request; at most one request per kind is out, and
// what is asked meanwhile goes in one request after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Analysis, MAX_CACHED } from '../../web/page/report/analysis.js';
import { requestMessage } from '../../web/shared/protocol.js';

/** A client whose analyse answers wait until release() (or come at once with auto). */
function fakeClient({ auto = false, fail = null } = {}) {
  const sent = [];
  const held = [];
  const answer = (payload) => ({
    ...(payload.spikes
      ? {
          spikes: payload.spikes.map((c) =>
            c.flatMap((a, i) => (i > 0 && a < c[i - 1] - 0.02 ? [{ epoch: i + 1, change: a - c[i - 1] }] : [])),
          ),
        }
      : {}),
    ...(payload.costs
      ? { costs: payload.costs.map((l) => ({ parameters: l.reduce((a, b) => a + b), flopsPerSample: 1 })) }
      : {}),
    ...(payload.pareto
      ? { pareto: { front: payload.pareto.points.map((_, i) => i), knee: { index: 0, gainPerDoublingNext: 0.1 } } }
      : {}),
  });
  return {
    sent,
    request(type, payload) {
      requestMessage(type, sent.length, payload); // as the real client checks it
      sent.push({ type, payload: structuredClone(payload) });
      return new Promise((resolve, reject) => {
        const settle = () => (fail ? reject(fail) : resolve(answer(payload)));
        if (auto) settle();
        else held.push(settle);
      });
    },
    /** Answers the oldest request held; resolves after its callers ran. */
    async release() {
      held.shift()();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
    get held() {
      return held.length;
    },
  };
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

test('spikes, costs and the Pareto front are the worker’s answers', async () => {
  const client = fakeClient({ auto: true });
  const analysis = new Analysis({ client });
  assert.deepEqual(
    await analysis.spikes([
      [0.5, 0.9, 0.8],
      [0.9, 0.91],
    ]),
    [[{ epoch: 3, change: 0.8 - 0.9 }], []],
  );
  assert.deepEqual(await analysis.costs([[784, 20, 10]]), [{ parameters: 814, flopsPerSample: 1 }]);
  const pareto = await analysis.pareto(
    [
      { cost: 1, value: 0.9, label: 'x' },
      { cost: 2, value: 0.95 },
    ],
    0.01,
  );
  assert.deepEqual(pareto, { front: [0, 1], knee: { index: 0, gainPerDoublingNext: 0.1 } });
  assert.deepEqual(
    client.sent.map((m) => Object.keys(m.payload)),
    [['spikes'], ['costs'], ['pareto']],
  );
  assert.deepEqual(client.sent[2].payload.pareto.points[0], { cost: 1, value: 0.9 }, 'only cost and value are sent');
});

test('the same input again is answered from the cache; only what is new is asked', async () => {
  const client = fakeClient({ auto: true });
  const analysis = new Analysis({ client });
  const a = [0.5, 0.6];
  const b = [0.7, 0.6];
  await analysis.spikes([a, b]);
  assert.deepEqual(await analysis.spikes([b, a]), [[{ epoch: 2, change: 0.6 - 0.7 }], []], 'in the order asked');
  assert.equal(client.sent.length, 1, 'a redraw with the same data asks nothing');
  await analysis.spikes([a, [0.1, 0.2]]);
  assert.deepEqual(client.sent[1].payload, { spikes: [[0.1, 0.2]] }, 'only the new curve');
  await analysis.pareto([{ cost: 1, value: 1 }], 0.01);
  await analysis.pareto([{ cost: 1, value: 1 }], 0.01);
  await analysis.pareto([{ cost: 1, value: 1 }], 0.02);
  assert.equal(client.sent.filter((m) => m.payload.pareto).length, 2, 'the gain asked for is part of the question');
  await analysis.costs([[4, 2]]);
  await analysis.costs([Int32Array.from([4, 2])]);
  assert.equal(client.sent.filter((m) => m.payload.costs).length, 1, 'a typed array is the same input');
});

test('one request per kind at a time: what is asked meanwhile goes together in the next', async () => {
  const client = fakeClient();
  const analysis = new Analysis({ client });
  const first = analysis.spikes([[1, 0.5]]);
  const second = analysis.spikes([[0.2, 0.1]]);
  const third = analysis.spikes([
    [0.3, 0.1],
    [1, 0.5],
  ]);
  const cost = analysis.costs([[3, 1]]);
  await flush();
  assert.equal(client.sent.length, 2, 'one spikes request out, and one costs request beside it');
  assert.deepEqual(client.sent[0].payload, { spikes: [[1, 0.5]] });
  await client.release(); // the first spikes request
  assert.deepEqual(await first, [[{ epoch: 2, change: -0.5 }]]);
  assert.deepEqual(
    client.sent.filter((m) => m.payload.spikes).map((m) => m.payload.spikes),
    [
      [[1, 0.5]],
      [
        [0.2, 0.1],
        [0.3, 0.1],
      ],
    ],
    'the waiting curves in one request; the one already answered not again',
  );
  await client.release(); // costs
  await client.release(); // the second spikes request
  assert.deepEqual(await second, [[{ epoch: 2, change: 0.1 - 0.2 }]]);
  assert.equal((await third).length, 2);
  assert.deepEqual(await cost, [{ parameters: 4, flopsPerSample: 1 }]);
  // Pareto sets are not batched: one after another.
  const p1 = analysis.pareto([{ cost: 1, value: 1 }], 0.01);
  const p2 = analysis.pareto([{ cost: 2, value: 1 }], 0.01);
  await flush();
  assert.equal(client.sent.filter((m) => m.payload.pareto).length, 1);
  await client.release();
  await p1;
  assert.equal(client.sent.filter((m) => m.payload.pareto).length, 2);
  await client.release();
  await p2;
});

test('a failed request rejects its callers and caches nothing; the next ask tries again', async () => {
  const error = new Error('the worker is restarting');
  const client = fakeClient({ auto: true, fail: error });
  const analysis = new Analysis({ client });
  await assert.rejects(analysis.costs([[4, 2]]), /restarting/);
  await assert.rejects(analysis.costs([[4, 2]]), /restarting/);
  assert.equal(client.sent.length, 2);
});

test('the cache keeps at most MAX_CACHED answers per kind', async () => {
  const client = fakeClient({ auto: true });
  const analysis = new Analysis({ client });
  const layers = Array.from({ length: MAX_CACHED + 1 }, (_, i) => [i + 1, 1]);
  await analysis.costs(layers);
  await analysis.costs([layers.at(-1)]);
  assert.equal(client.sent.length, 1, 'the newest is kept');
  await analysis.costs([layers[0]]);
  assert.equal(client.sent.length, 2, 'the oldest went');
});
