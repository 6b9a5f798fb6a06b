// The watchdog (web/page/app/watchdog.js) with a fake clock and timer: a worker
// that stops beating is found dead within TIMEOUT_MS + INTERVAL_MS; beats,
// busy notices, late checks and a hidden page keep it from false alarms.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { INTERVAL_MS, TIMEOUT_MS, Watchdog } from '../../web/page/app/watchdog.js';

function fakeClock() {
  let now = 0;
  const timers = new Map();
  let nextId = 1;
  return {
    now: () => now,
    setInterval: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { fn, ms, at: now + ms });
      return id;
    },
    clearInterval: (id) => timers.delete(id),
    get timers() {
      return timers.size;
    },
    /** Advances time by ms, running due timers on time; `stallAt`: a main-thread stall [from, to) in which no timer runs. */
    advance(ms, { stall = null } = {}) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!due || due[1].at > end) break;
        let at = due[1].at;
        if (stall && at >= stall[0] && at < stall[1]) at = stall[1];
        now = at;
        due[1].at = at + due[1].ms;
        due[1].fn();
      }
      now = end;
    },
  };
}

function watch(options = {}) {
  const clock = fakeClock();
  const deaths = [];
  const dog = new Watchdog({ onDead: (ms) => deaths.push({ at: clock.now(), silentMs: ms }), ...clock, ...options });
  return { clock, dog, deaths };
}

test('a worker that stops beating is found dead within TIMEOUT_MS + INTERVAL_MS, once', () => {
  assert.ok(TIMEOUT_MS + INTERVAL_MS <= 2000);
  const { clock, dog, deaths } = watch();
  dog.start();
  for (let t = 0; t < 10_000; t += 250) {
    clock.advance(250);
    dog.alive();
  }
  assert.equal(deaths.length, 0);
  const diedAt = clock.now();
  clock.advance(5000);
  assert.equal(deaths.length, 1);
  const detection = deaths[0].at - diedAt;
  assert.ok(detection > TIMEOUT_MS && detection <= TIMEOUT_MS + INTERVAL_MS, `found after ${detection} ms`);
  assert.equal(clock.timers, 0, 'it stops checking once it fired');
});

test('a new worker that never says anything is found dead too', () => {
  const { clock, dog, deaths } = watch();
  dog.start();
  clock.advance(TIMEOUT_MS + INTERVAL_MS);
  assert.equal(deaths.length, 1);
});

test('beats slower than the interval but faster than the timeout are fine', () => {
  const { clock, dog, deaths } = watch();
  dog.start();
  for (let i = 0; i < 100; i++) {
    clock.advance(TIMEOUT_MS - 100);
    dog.alive();
  }
  assert.equal(deaths.length, 0);
});

test('a busy notice extends the deadline by its duration, and no further', () => {
  const { clock, dog, deaths } = watch();
  dog.start();
  dog.alive(10_000);
  clock.advance(10_000 + TIMEOUT_MS - 10);
  assert.equal(deaths.length, 0);
  clock.advance(INTERVAL_MS + 20);
  assert.equal(deaths.length, 1);
});

test('a late check (the main thread was stalled) does not fire, even if the beats are old', () => {
  const { clock, dog, deaths } = watch();
  dog.start();
  clock.advance(1000);
  dog.alive();
  // The main thread stalls for 3 s: the worker's beats wait in the queue, no timer runs; the
  // check queued first runs first, late.
  const t0 = clock.now();
  clock.advance(3000, { stall: [t0, t0 + 3000] });
  assert.equal(deaths.length, 0, 'not judged on a late check');
  dog.alive(); // then the queued beats are read
  clock.advance(1000);
  dog.alive();
  assert.equal(deaths.length, 0);
  // A worker that really died before a stall is still found soon after it.
  const t1 = clock.now();
  clock.advance(6000, { stall: [t1 + 100, t1 + 2100] });
  assert.equal(deaths.length, 1);
  assert.ok(
    deaths[0].at - (t1 + 2100) <= INTERVAL_MS + INTERVAL_MS,
    `found ${deaths[0].at - (t1 + 2100)} ms after the stall`,
  );
});

test('while not judging (a hidden page) silence is not death; judging again gives a fresh timeout', () => {
  let visible = true;
  const { clock, dog, deaths } = watch({ judging: () => visible });
  dog.start();
  visible = false;
  clock.advance(60_000);
  assert.equal(deaths.length, 0);
  visible = true;
  clock.advance(INTERVAL_MS);
  assert.equal(deaths.length, 0, 'a fresh chance after becoming visible');
  clock.advance(TIMEOUT_MS + INTERVAL_MS);
  assert.equal(deaths.length, 1);
});

test('stop() ends the checks; start() watches a new worker from scratch', () => {
  const { clock, dog, deaths } = watch();
  dog.start();
  dog.stop();
  clock.advance(10_000);
  assert.equal(deaths.length, 0);
  dog.start();
  clock.advance(TIMEOUT_MS + INTERVAL_MS);
  assert.equal(deaths.length, 1);
  dog.start();
  clock.advance(TIMEOUT_MS - 100);
  assert.equal(deaths.length, 1);
});
