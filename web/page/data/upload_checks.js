// Files the user gives the page, checked before they are read: the size from
// file.size, then the header alone (file.slice), which says how many bytes
// must follow; only a file whose header and size agree is read, and a gzip
// file is decompressed no further than its header announces (a gzip bomb
// stops there). Each refusal is an UploadError with its own message; nothing
// is sent to the worker, so the current data and model stay as they are.
// Pure (Blob, DecompressionStream, TextDecoder): unit-tested under Node.

const MB = 1e6;
/** The largest IDX file accepted, raw or decompressed (MNIST's training images are 47 MB). */
export const MAX_IDX_FILE_BYTES = 128 * MB;
/** The four files together, decompressed: the data must fit beside the largest network in the engine's heap. */
export const MAX_IDX_TOTAL_BYTES = 160 * MB;
/** safetensors' own limit on the JSON header. */

export class UploadError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'UploadError';
    this.code = code;
  }
}

const mb = (x) => `${(x / MB).toFixed(x < 10 * MB ? 1 : 0)} MB`;
const n = (x) => x.toLocaleString('en');
const hex = (b) => `0x${b.toString(16).padStart(2, '0').toUpperCase()}`;

const IDX_TYPES = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};
const ROLE_DIMS = { images: 3, labels: 1 };

/** What a role's file holds: 'images' or 'labels'. */
export const roleKind = (role) => (/labels/i.test(role) ? 'labels' : 'images');

async function bytesOf(blob, start, end) {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

// The first `count` bytes of a stream of decompressed bytes (fewer if it ends first); the stream is cancelled.
async function firstBytes(stream, count) {
  const reader = stream.getReader();
  const out = new Uint8Array(count);
  let got = 0;
  try {
    while (got < count) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, count - got);
      out.set(value.subarray(0, take), got);
      got += take;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  return out.subarray(0, got);
}

const gunzipStream = (file) => file.stream().pipeThrough(new DecompressionStream('gzip'));

/** True when the file starts with gzip's magic bytes. */
export async function isGzipFile(file) {
  const b = await bytesOf(file, 0, 2);
  return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Reads and checks an IDX file's header (of a raw or gzip file): role 'images' (3 dimensions) or
 * 'labels' (1). Returns { gzip, count, rows, cols, headerBytes, totalBytes }. `label` names the file in messages.
 */
export async function idxHeader(file, role, label) {
  if (file.size > MAX_IDX_FILE_BYTES)
    throw new UploadError(
      'too-large',
      `${label}: the file is ${mb(file.size)}; at most ${mb(MAX_IDX_FILE_BYTES)} are accepted (MNIST’s training images are 47 MB).`,
    );
  if (file.size === 0) throw new UploadError('empty', `${label}: the file is empty.`);
  const gzip = await isGzipFile(file);
  let head;
  try {
    head = gzip ? await firstBytes(gunzipStream(file), 4 + 4 * 3) : await bytesOf(file, 0, 4 + 4 * 3);
  } catch {
    throw new UploadError('gzip', `${label}: the file looks gzip-compressed but does not decompress.`);
  }
  if (head.length < 4)
    throw new UploadError('truncated', `${label}: ${head.length} bytes, too short for an IDX header.`);
  if (head[0] !== 0 || head[1] !== 0)
    throw new UploadError(
      'magic',
      `${label}: not an IDX file (it starts with ${hex(head[0])} ${hex(head[1])}, an IDX file with 0x00 0x00).`,
    );
  const type = head[2];
  const dims = head[3];
  if (type !== 0x08)
    throw new UploadError(
      'dtype',
      `${label}: holds ${IDX_TYPES[type] ?? 'unknown'} values (type ${hex(type)}); only unsigned bytes (0x08) are supported.`,
    );
  const kind = ROLE_DIMS[role] !== undefined ? role : roleKind(role);
  const want = ROLE_DIMS[kind];
  if (dims !== want)
    throw new UploadError(
      'dims',
      `${label}: has ${dims} dimension${dims === 1 ? '' : 's'}; ${kind} need ${want} (${kind === 'images' ? 'count × rows × columns' : 'count'}).`,
    );
  const headerBytes = 4 + 4 * dims;
  if (head.length < headerBytes) throw new UploadError('truncated', `${label}: the file ends inside its IDX header.`);
  const view = new DataView(head.buffer, head.byteOffset, headerBytes);
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  if (sizes.some((s) => s === 0)) throw new UploadError('dims', `${label}: a dimension is 0 (${sizes.join(' × ')}).`);
  const dataBytes = sizes.reduce((a, b) => a * b, 1);
  const totalBytes = headerBytes + dataBytes;
  const what = kind === 'images' ? `${n(sizes[0])} images of ${sizes[1]}×${sizes[2]}` : `${n(sizes[0])} labels`;
  if (totalBytes > MAX_IDX_FILE_BYTES)
    throw new UploadError(
      'too-large',
      `${label}: its header announces ${what}, ${mb(totalBytes)}; at most ${mb(MAX_IDX_FILE_BYTES)} are accepted.`,
    );
  if (!gzip && file.size !== totalBytes)
    throw new UploadError(
      'size-mismatch',
      `${label}: its header announces ${what} (${n(totalBytes)} bytes) but the file has ${n(file.size)} bytes` +
        (file.size < totalBytes ? ': it is truncated.' : ': there is more data than the header says.'),
    );
  return { gzip, count: sizes[0], rows: sizes[1] ?? 1, cols: sizes[2] ?? 1, headerBytes, totalBytes, what };
}

/** The raw IDX bytes of a file whose header idxHeader read: a gzip file is decompressed to header.totalBytes at most. */
export async function readIdx(file, header, label) {
  if (!header.gzip) return new Uint8Array(await file.arrayBuffer());
  const out = new Uint8Array(header.totalBytes);
  const reader = gunzipStream(file).getReader();
  let got = 0;
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        throw new UploadError('gzip', `${label}: the gzip data is corrupt after ${n(got)} bytes.`);
      }
      if (chunk.done) break;
      if (got + chunk.value.length > out.length)
        throw new UploadError(
          'bomb',
          `${label}: decompresses to more than the ${n(out.length)} bytes its header announces (${header.what}); stopped there.`,
        );
      out.set(chunk.value, got);
      got += chunk.value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  if (got < out.length)
    throw new UploadError(
      'truncated',
      `${label}: decompresses to ${n(got)} bytes, but its header announces ${header.what} (${n(out.length)} bytes): it is truncated.`,
    );
  return out;
}

/**
 * The four files of a data set ({ [role]: { file, label } }, roles as web/shared/mnist_files.js):
 * every header first, then their agreement (counts, image sizes, the total), then the bytes.
 * Resolves with { [role]: Uint8Array } of raw IDX bytes.
 */
export async function readIdxSet(files) {
  const headers = {};
  for (const [role, { file, label }] of Object.entries(files))
    headers[role] = await idxHeader(file, roleKind(role), label);
  const total = Object.values(headers).reduce((a, h) => a + h.totalBytes, 0);
  if (total > MAX_IDX_TOTAL_BYTES)
    throw new UploadError(
      'too-large',
      `The four files hold ${mb(total)} together; at most ${mb(MAX_IDX_TOTAL_BYTES)} are accepted.`,
    );
  for (const split of ['train', 'test']) {
    const images = headers[`${split}Images`],
      labels = headers[`${split}Labels`];
    if (images && labels && images.count !== labels.count)
      throw new UploadError(
        'count-mismatch',
        `${files[`${split}Images`].label} has ${n(images.count)} images but ${files[`${split}Labels`].label} has ${n(labels.count)} labels.`,
      );
  }
  const { trainImages: a, testImages: b } = headers;
  if (a && b && (a.rows !== b.rows || a.cols !== b.cols))
    throw new UploadError(
      'dims',
      `The training images are ${a.rows}×${a.cols} but the test images ${b.rows}×${b.cols}.`,
    );
  const raw = {};
  for (const [role, { file, label }] of Object.entries(files)) raw[role] = await readIdx(file, headers[role], label);
  return raw;
}

// The names of the top-level keys of a JSON object text, in order (duplicates kept): JSON.parse keeps only the last.
function topLevelKeys(text) {
  const keys = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k])) k++;
        if (text[k] === ':') keys.push(JSON.parse(text.slice(i, j + 1)));
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/**
 * A .safetensors model file, checked before it is read: its size against maxBytes (the largest model
 * file of a network this engine accepts), its 8-byte header length against maxHeaderBytes (the longest
 * header the engine reads), its header (UTF-8 JSON, no name twice) and that the header accounts for
 * exactly the bytes that follow. Resolves with its ArrayBuffer; the engine checks the rest (dtypes,
 * shapes, values, the network). The limits are the engine's (constants()).
 * @param {Blob} file
 * @param {{ maxBytes: number, maxHeaderBytes: number }} limits
 */
export async function readModelFile(file, { maxBytes, maxHeaderBytes }) {
  if (file.size > maxBytes)
    throw new UploadError(
      'too-large',
      `the file is ${mb(file.size)}; the largest model this page can train is ${mb(maxBytes)}.`,
    );
  if (file.size < 8)
    throw new UploadError('truncated', `the file is ${file.size} bytes, too short for a .safetensors header.`);
  const length = new DataView((await bytesOf(file, 0, 8)).buffer).getBigUint64(0, true);
  if (length <= BigInt(file.size - 8) && length > BigInt(maxHeaderBytes))
    throw new UploadError(
      'header',
      `its header is ${n(Number(length))} bytes, more than the ${n(maxHeaderBytes)} this engine reads.`,
    );
  if (length > BigInt(file.size - 8))
    throw new UploadError(
      'header',
      `its header length (${length} bytes) runs past the end of the file (${n(file.size)} bytes): not a .safetensors file, or a truncated one.`,
    );
  const headerBytes = Number(length);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await bytesOf(file, 8, 8 + headerBytes));
  } catch {
    throw new UploadError('utf8', 'its header is not UTF-8 text: not a .safetensors file.');
  }
  let header;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new UploadError('json', `its header is not valid JSON (${err.message}).`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw new UploadError('json', 'its header is not a JSON object.');
  const seen = new Set();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) throw new UploadError('duplicate', `its header names the tensor “${key}” twice.`);
    seen.add(key);
  }
  let end = 0;
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const offsets = t?.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isSafeInteger))
      throw new UploadError('header', `its header gives tensor “${name}” no valid data_offsets.`);
    end = Math.max(end, offsets[1]);
  }
  const following = file.size - 8 - headerBytes;
  if (end !== following)
    throw new UploadError(
      'size-mismatch',
      `its header describes ${n(end)} bytes of tensors but ${n(following)} follow it` +
        (following < end ? ': the file is truncated.' : '.'),
    );
  return file.arrayBuffer();
}

/** The largest CSV file read (Kaggle's train.csv is 76 MB; MNIST's 70,000 images as CSV about 127 MB). */
export const MAX_CSV_FILE_BYTES = 200 * MB;
/** The largest zip of images read (it is held whole while its images are converted). */
export const MAX_ZIP_FILE_BYTES = 200 * MB;

/** A file's size against `maxBytes`, and not empty; label names it in messages. */
function checkSize(file, maxBytes, label, example) {
  if (file.size > maxBytes)
    throw new UploadError(
      'too-large',
      `${label}: the file is ${mb(file.size)}; at most ${mb(maxBytes)} are accepted${example ? ` (${example})` : ''}.`,
    );
  if (file.size === 0) throw new UploadError('empty', `${label}: the file is empty.`);
}

/**
 * A CSV file of labelled images, checked before it is read: its size, and that it starts as text (not
 * gzip, not binary). Resolves with its ArrayBuffer; the worker reads the rows (worker/csv_data.js).
 * @param {Blob} file
 * @param {string} label
 */
export async function readCsvFile(file, label) {
  checkSize(file, MAX_CSV_FILE_BYTES, label, 'Kaggle’s train.csv is 76 MB');
  const head = await bytesOf(file, 0, 4096);
  if (head[0] === 0x1f && head[1] === 0x8b)
    throw new UploadError('gzip', `${label}: a gzip file; unpack it to its .csv first.`);
  if (head.includes(0))
    throw new UploadError('binary', `${label}: not a text file (it holds zero bytes): not a CSV file.`);
  return file.arrayBuffer();
}

/**
 * A zip of images, checked before it is read: its size, and that it starts as a zip does (a local file
 * header, or the end record of an empty zip). Resolves with its ArrayBuffer; the worker lists, checks
 * and converts its images (worker/image_folders.js).
 * @param {Blob} file
 * @param {string} label
 */
export async function readZipFile(file, label) {
  checkSize(file, MAX_ZIP_FILE_BYTES, label);
  const head = await bytesOf(file, 0, 4);
  const magic = head.length === 4 && head[0] === 0x50 && head[1] === 0x4b;
  if (!magic || !((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6)))
    throw new UploadError(
      'magic',
      `${label}: not a zip file (it starts with ${Array.from(head, hex).join(' ')}; a zip file with 0x50 0x4B, “PK”).`,
    );
  return file.arrayBuffer();
}
