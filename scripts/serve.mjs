#!/usr/bin/env node
// Serves build/site (or the directory given as the first argument) on
// 127.0.0.1 with the headers the page is designed for: a strict
// Content-Security-Policy (no inline scripts or styles, no eval; wasm allowed),
// cross-origin isolation (COOP + COEP, ready for wasm threads), nosniff.
//
//   node scripts/serve.mjs [DIR]        PORT=8000 node scripts/serve.mjs
//   ISOLATION=0 node scripts/serve.mjs  without COOP/COEP/CORP: a static host that cannot send them
//   WORKER_SRC="'self' blob:" ...        the CSP's worker-src (the benchmark page only: TF.js's and
//                                        jax-js's threaded backends start their workers from blob: URLs)
//   SCRIPT_SRC="'self' 'wasm-unsafe-eval' blob:"  the CSP's script-src (the benchmark page only: TF.js's
//                                        pthread workers importScripts() its glue from a blob: URL)
//
// The port is $PORT when set (0 = any free port), else the first free port
// from 8080 on. The URL is printed as "Serving DIR at http://127.0.0.1:PORT/".
// No dependencies beyond Node's built-ins.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SITE = resolve(process.argv[2] ?? join(ROOT, 'build', 'site'));
const HOST = '127.0.0.1';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    `default-src 'self'; script-src ${process.env.SCRIPT_SRC || "'self' 'wasm-unsafe-eval'"}; worker-src ${process.env.WORKER_SRC || "'self'"}; style-src 'self'; ` +
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

if (process.env.ISOLATION === '0') {
  for (const h of ['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy', 'Cross-Origin-Resource-Policy']) delete SECURITY_HEADERS[h];
}

// The page and its code revalidate on every load (cheap 304s); the large
// data files may be reused for a day (the page also keeps them in Cache Storage).
function cacheControl(path) {
  return path.endsWith('.gz') ? 'public, max-age=86400' : 'no-cache';
}

function send(res, status, text, extra = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(text);
}

function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'Bad Request\n');
  }
  if (pathname.includes('\0')) return send(res, 400, 'Bad Request\n');
  if (pathname.endsWith('/')) pathname += 'index.html';
  const file = normalize(join(SITE, pathname));
  if (file !== SITE && !file.startsWith(SITE + sep)) return send(res, 403, 'Forbidden\n');
  let st;
  try {
    st = statSync(file);
  } catch {
    return send(res, 404, `Not Found: ${pathname}\n`);
  }
  if (st.isDirectory()) return send(res, 301, '', { Location: `${pathname}/` });

  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Cache-Control': cacheControl(file),
    ETag: etag,
    'Last-Modified': st.mtime.toUTCString(),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    return res.end();
  }
  headers['Content-Length'] = st.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function listen(server, port) {
  return new Promise((resolvePort, reject) => {
    const onError = (err) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePort(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, HOST);
  });
}

async function main() {
  try {
    statSync(join(SITE, 'index.html'));
  } catch {
    console.error(`serve: ${relative(process.cwd(), SITE) || SITE}/index.html not found; run 'node scripts/build-site.mjs' first`);
    process.exit(1);
  }
  const server = createServer(handle);
  let port;
  if (process.env.PORT !== undefined && process.env.PORT !== '') {
    port = await listen(server, Number(process.env.PORT));
  } else {
    for (let p = 8080; p < 8180; p++) {
      try {
        port = await listen(server, p);
        break;
      } catch (err) {
        if (err.code !== 'EADDRINUSE') throw err;
      }
    }
    if (port === undefined) throw new Error('no free port in 8080..8179; set PORT');
  }
  console.log(`Serving ${relative(process.cwd(), SITE) || '.'} at http://${HOST}:${port}/`);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(`serve: error: ${err.message}`);
  process.exit(1);
});
