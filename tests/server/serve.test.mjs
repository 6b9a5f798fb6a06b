// scripts/serve.mjs under hostile requests: over 10,000 generated paths and
// methods, sent over raw sockets (so that malformed request lines, raw
// control characters and oversized heads reach it as written). Whatever it
// receives, the server must go on answering, never redirect off its origin
// (a Location is always a path starting with a single '/'), and never serve
// a byte from outside its site folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../browser/harness.mjs';

const SECRET = `secret-${process.pid}-${Date.now()}`; // in files outside the site only
let root, site, server, port;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'serve-test-'));
  site = join(root, 'site');
  mkdirSync(join(site, 'sub', 'deeper'), { recursive: true });
  mkdirSync(join(site, 'data'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>site</title>\n');
  writeFileSync(join(site, 'sub', 'index.html'), 'sub index\n');
  writeFileSync(join(site, 'data', 'x.txt'), 'data file\n');
  writeFileSync(join(root, 'secret.txt'), SECRET);
  mkdirSync(join(root, 'site-private')); // a sibling whose name starts like the site's
  writeFileSync(join(root, 'site-private', 'key.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(site, 'link-out.txt'));
  server = await startServer(site);
  port = Number(new URL(server.url).port);
});

after(async () => {
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/**
 * Sends raw bytes on a new connection and resolves with everything received
 * until the server closes it. The client half-closes after 1 s (an incomplete
 * request then ends) and gives up after 5 s.
 */
function exchange(bytes) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks = [];
    const finish = setTimeout(() => socket.end(), 1000);
    const giveUp = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(finish);
      clearTimeout(giveUp);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

function request(method, target, headers = 'Host: 127.0.0.1\r\n') {
  return `${method} ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;
}

/** Every response head in `text` (pipelined requests may get several). */
function heads(text) {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/g)].map((m) => ({
    status: Number(m[1]),
    headers: m[2],
  }));
}

/** The checks every answer must pass, whatever was asked. */
function checkAnswer(what, text) {
  assert.ok(!text.includes(SECRET), `${what}: served a file from outside the site`);
  for (const { status, headers } of heads(text)) {
    for (const [, value] of headers.matchAll(/^location:[ \t]*([^\r\n]*)$/gim)) {
      assert.match(value, /^\/(?![/\\])/, `${what}: ${status} redirects off the origin to ${JSON.stringify(value)}`);
      // eslint-disable-next-line no-control-regex -- a raw control character is what the test looks for
      assert.ok(!/[\u0000-\u001f\u007f]/.test(value), `${what}: Location ${JSON.stringify(value)}`);
    }
    assert.ok(status < 500, `${what}: answered ${status}`);
  }
}

// A small deterministic generator (xorshift32).
function generator(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { int: (n) => next() % n, pick: (list) => list[next() % list.length] };
}

const DOTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '%c0%ae%c0%ae',
  '%e0%80%ae%e0%80%ae',
  '..;',
  '...',
  '.%00.',
  '%u002e%u002e',
];
const SLASHES = ['/', '%2f', '%2F', '%5c', '%5C', '\\', '//', '%252f', '%c0%af', '%e0%80%af', '/./', ';/'];
const NAMES = [
  'secret.txt',
  'site-private',
  'key.txt',
  'etc',
  'passwd',
  'sub',
  'data',
  'x.txt',
  'index.html',
  'evil.example',
  'link-out.txt',
  'deeper',
  '',
  '%00',
  '%0a',
  '%0d%0a',
  '%09',
  '%7f',
  '%ff',
  '%fe%ff',
  '%e2%80%a8',
  '%',
  '%zz',
  '%c3',
  '%0aLocation:%20//evil.example',
  '\u00e9',
  'CON',
  'a'.repeat(300),
  '?x=1',
  '#frag',
  '%3f',
  '%23',
  '*',
  '@evil.example',
  ':80',
];
const PREFIXES = [
  '/',
  '//',
  '/%2f',
  '/%5c',
  '/\\',
  '///',
  '/./',
  '/%2e/',
  'http://evil.example/',
  '//evil.example/',
  '*',
  '',
];
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PATCH',
  'PROPFIND',
  'get',
  'GeT',
  'G',
  'FOO',
  'GET\u0000',
  'M'.repeat(1000),
];

function generatedPaths(count) {
  const g = generator(20261201);
  const paths = [];
  for (let i = 0; i < count; i++) {
    let p = g.pick(PREFIXES);
    const segments = 1 + g.int(8);
    for (let k = 0; k < segments; k++) {
      p += g.int(3) === 0 ? g.pick(NAMES) : g.pick(DOTS);
      if (k + 1 < segments || g.int(2)) p += g.pick(SLASHES);
    }
    paths.push(p);
  }
  return paths;
}

/** Runs `requests` ([what, bytes]) with `width` connections at a time; checks each answer. */
async function barrage(requests, width = 32) {
  let next = 0,
    answered = 0;
  const worker = async () => {
    while (next < requests.length) {
      const [what, bytes] = requests[next++];
      const text = await exchange(bytes);
      checkAnswer(what, text);
      if (heads(text).length > 0) answered++;
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return answered;
}

async function get(path) {
  const text = await exchange(request('GET', path));
  const [head] = heads(text);
  return { status: head?.status, headers: head?.headers ?? '', body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

describe('scripts/serve.mjs under hostile requests', () => {
  test('serves the site normally', async () => {
    const home = await get('/');
    assert.equal(home.status, 200);
    assert.match(home.body, /<title>site<\/title>/);
    assert.equal((await get('/data/x.txt')).status, 200);
    const folder = await get('/sub');
    assert.equal(folder.status, 301);
    assert.match(folder.headers, /^Location: \/sub\/\r$/m);
    assert.equal((await get('/sub/')).status, 200);
  });

  test('the reported requests: an encoded newline and an encoded slash in a redirect', async () => {
    checkAnswer('newline', await exchange(request('GET', '/x%0a%2f..')));
    const open = await get('/%2fevil.example%2f..%2fdata');
    assert.equal(open.status, 301);
    assert.match(open.headers, /^Location: \/data\/\r$/m);
    assert.equal((await get('/')).status, 200, 'the server still answers');
  });

  test('never leaves the site: traversals, encoded separators, a symbolic link', async () => {
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/sub/../../secret.txt',
      '/%252e%252e/secret.txt',
      '/../site-private/key.txt',
      '/..%2fsite-private%2fkey.txt',
      '/link-out.txt',
      '/sub/%2e%2e/%2e%2e/site-private/key.txt',
      '//../secret.txt',
    ]) {
      const r = await get(path);
      checkAnswer(path, r.headers + r.body);
      assert.ok([400, 403, 404].includes(r.status), `${path}: ${r.status}`);
    }
  });

  test('10,000 generated hostile paths, each method, then a normal request', async () => {
    const paths = generatedPaths(10_000);
    const requests = paths.map((p, i) => [
      `GET ${JSON.stringify(p)}`,
      request(METHODS[i % 7 === 0 ? i % METHODS.length : 0], p),
    ]);
    for (const m of METHODS) requests.push([`method ${JSON.stringify(m.slice(0, 20))}`, request(m, '/')]);
    const answered = await barrage(requests);
    assert.ok(answered > requests.length * 0.9, `only ${answered} of ${requests.length} requests were answered`);
    assert.equal((await get('/')).status, 200, 'the server still answers');
  });

  test('malformed request lines and oversized heads over raw sockets', async () => {
    const long = '/' + 'a'.repeat(100_000);
    const cases = [
      ['no version', 'GET /\r\n\r\n'],
      ['HTTP/9.9', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n'],
      ['extra spaces', 'GET  /  HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['bare LF', 'GET / HTTP/1.1\nHost: x\n\n'],
      ['raw NUL', 'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['raw LF in path', 'GET /a\nb HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['raw CR in path', 'GET /a\rLocation: //evil HTTP/1.1\r\nHost: x\r\n\r\n'],
      [
        'raw bytes',
        Buffer.from([
          0x47, 0x45, 0x54, 0x20, 0x2f, 0xff, 0xfe, 0x80, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 13, 10,
          13, 10,
        ]),
      ],
      ['absolute form', request('GET', 'http://evil.example/')],
      ['absolute form to itself', request('GET', `http://127.0.0.1:${port}/sub`)],
      ['authority form', request('CONNECT', 'evil.example:443')],
      ['asterisk', request('OPTIONS', '*')],
      ['long path', request('GET', long)],
      ['long folder path', request('GET', '/sub' + '/.'.repeat(5000))],
      ['huge header', request('GET', '/', `Host: x\r\nX-Big: ${'b'.repeat(100_000)}\r\n`)],
      ['many headers', request('GET', '/', Array.from({ length: 3000 }, (_, i) => `X-${i}: ${i}\r\n`).join(''))],
      ['bad header name', request('GET', '/', 'Host: x\r\nBad Header: 1\r\n')],
      ['obsolete folding', request('GET', '/', 'Host: x\r\nX-Fold: a\r\n  b\r\n')],
      ['CL and TE', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['bad chunked', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
      ['negative length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'],
      [
        'pipelined',
        request('GET', '/sub').replace('Connection: close\r\n', '') + request('GET', '/%2f%2fevil.example%2f..%2fsub'),
      ],
      ['If-None-Match junk', request('GET', '/', `Host: x\r\nIf-None-Match: ${'"'.repeat(5000)}\r\n`)],
      ['binary junk', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 255))],
      ['TLS hello', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03])],
      ['empty', ''],
      ['only CRLF', '\r\n\r\n\r\n'],
    ];
    await barrage(cases, 8);
    assert.equal((await get('/')).status, 200, 'the server still answers');
  });
});
