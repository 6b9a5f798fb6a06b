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
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SITE = resolve(process.argv[2] ?? join(ROOT, 'build', 'site'));
const HOST = '127.0.0.1';
let REAL_SITE = SITE; // SITE with its symbolic links resolved (set once it is known to exist)

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
  for (const h of ['Cross-Origin-Opener-Policy', 'Cross-Origin-Embedder-Policy', 'Cross-Origin-Resource-Policy'])
    delete SECURITY_HEADERS[h];
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

const MAX_URL = 4096;

function within(dir, path) {
  return path === dir || path.startsWith(dir + sep);
}

// The file a request path names inside SITE and its canonical URL path (each
// segment percent-encoded, so it can go into a Location header); null for a
// malformed path, { outside: true } for one that leaves the site. The path is
// decoded once; an encoded '/' separates segments like a plain one; '.' and
// '..' are resolved, and the result must stay within SITE.
function resolvePath(site, rawPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  // Control characters (CR, LF, NUL...) and backslashes never name one of our files.
  // eslint-disable-next-line no-control-regex -- exactly what this refuses
  if (/[\u0000-\u001f\u007f\\]/.test(decoded)) return null;
  const file = resolve(site, '.' + sep + decoded);
  if (!within(site, file)) return { outside: true };
  const segments = relative(site, file)
    .split(sep)
    .filter((s) => s !== '');
  return { file, urlPath: '/' + segments.map(encodeURIComponent).join('/'), directoryRequested: decoded.endsWith('/') };
}

function handle(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return send(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
  // Only origin-form targets ("/path?query"): not "*", "http://host/..." or "//host/...".
  const url = req.url;
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//')) return send(res, 400, 'Bad Request\n');
  if (url.length > MAX_URL) return send(res, 414, 'URI Too Long\n');
  const end = url.search(/[?#]/);
  const target = resolvePath(SITE, end < 0 ? url : url.slice(0, end));
  if (!target) return send(res, 400, 'Bad Request\n');
  if (target.outside) return send(res, 403, 'Forbidden\n');
  let file = target.file;
  if (target.directoryRequested) file = join(file, 'index.html');
  let st;
  try {
    st = statSync(file);
    // A symbolic link inside the site must not lead out of it either.
    if (!within(REAL_SITE, realpathSync(file))) return send(res, 403, 'Forbidden\n');
  } catch {
    return send(res, 404, 'Not Found\n');
  }
  // A folder without the slash: redirect to the same path with it, on this origin.
  if (st.isDirectory()) {
    const location = target.urlPath === '/' ? '/' : `${target.urlPath}/`;
    return send(res, 301, '', { Location: location });
  }
  if (!st.isFile()) return send(res, 404, 'Not Found\n');

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

// Whatever a request does, the server answers it or drops its connection, and goes on.
function safely(req, res) {
  try {
    handle(req, res);
  } catch (err) {
    console.error(`serve: ${req.method} request failed: ${err.message}`);
    if (!res.headersSent) {
      try {
        return send(res, 500, 'Internal Server Error\n');
      } catch {
        // the socket is gone too: nothing left to answer
      }
    }
    res.destroy();
  }
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
    REAL_SITE = realpathSync(SITE);
  } catch {
    console.error(
      `serve: ${relative(process.cwd(), SITE) || SITE}/index.html not found; run 'node scripts/build-site.mjs' first`,
    );
    process.exit(1);
  }
  const server = createServer(safely);
  // Malformed requests (bad request lines, oversized headers): a 400 or 431 if the socket can still take it.
  server.on('clientError', (err, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') return socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
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
