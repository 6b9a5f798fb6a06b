// A zip of images in one folder per class (the layout of torchvision's
// ImageFolder and Keras' image_dataset_from_directory), converted the way
// MNIST was made, by the code the drawing pad uses (shared/preprocess.js):
// grey, ink inverted when the background is light, the ink's bounding box
// scaled into 20×20 and centred by its centre of mass in 28×28.
//
//   circle/1.png  circle/2.jpg  square/…  cross/…        classes from the folder names, in order
//   shapes/circle/1.png …                                 one folder around them all is looked through
//   train/circle/1.png … test/circle/9.png …              train/ and test/ (or training/, testing/) split them
//
// Everything is counted and checked before it is allocated: the entries (the
// zip's central directory, read first), each file's unpacked size, each
// image's width and height (from its PNG or JPEG header, before decoding). A
// file that is not an image, is too large, or has no ink is reported by its
// path and skipped; the rest loads. The zip is unpacked a batch at a time.
// The unzipper (fflate's unzipSync) and the image decoder (the browser's,
// worker/image_decoder.js) are handed in, so the rest runs under Node
// (tests/web/user_data.test.mjs).
import { imageToInk, preprocessDigit } from '../shared/preprocess.js';
import { LISTED_PROBLEMS } from './csv_data.js';
import { LabelledImages } from './labelled_images.js';

/** The network has 10 outputs: at most 10 classes. */
export const MAX_CLASSES = 10;
/** The most files a zip may list (MNIST has 70,000 images). */
export const MAX_ENTRIES = 200_000;
/** The largest image file read (unpacked). */
export const MAX_IMAGE_FILE_BYTES = 20e6;
/** The largest image decoded: each side, and its pixels (25 megapixels: ~100 MB decoded). */
export const MAX_IMAGE_SIDE = 10_000;
export const MAX_IMAGE_PIXELS = 25e6;
/** Files unpacked at a time (their sizes added up). */
export const BATCH_BYTES = 64e6;

const SPLITS = { train: 'train', training: 'train', test: 'test', testing: 'test' };

/** Zip tools' own entries (folders, __MACOSX/, dot files, Thumbs.db): never data, never reported. */
export const isClutter = (path) =>
  path.endsWith('/') ||
  path.startsWith('__MACOSX/') ||
  path.split('/').some((p) => p.startsWith('.')) ||
  /(^|\/)(Thumbs\.db|desktop\.ini)$/i.test(path);

/** A problem with one file: its path and what is wrong. */
const problem = (path, message) => ({ path, message });

/**
 * Which class (and split) each file of the zip belongs to, from its folders: { classNames (sorted,
 * numbers in numeric order), items: [{ path, label, split: 'train' | 'test' | null }], problems:
 * [{ path, message }] (files in no class folder) }. Throws an Error when the folders cannot be classes
 * (fewer than 2, more than MAX_CLASSES).
 * @param {string[]} paths every entry of the zip
 */
export function classFolders(paths) {
  const files = paths.filter((p) => !isClutter(p));
  let parts = files.map((p) => p.split('/'));
  // One folder around everything (shapes/circle/…): looked through.
  while (parts.some((p) => p.length >= 3) && parts.every((p) => p.length >= 2 && p[0] === parts[0][0]))
    parts = parts.map((p) => p.slice(1));
  const tops = new Set(parts.filter((p) => p.length >= 2).map((p) => SPLITS[p[0].toLowerCase()] ?? ''));
  const split = tops.size === 2 && tops.has('train') && tops.has('test');
  const depth = split ? 3 : 2;
  const problems = [];
  const placed = [];
  parts.forEach((p, i) => {
    if (p.length < depth)
      problems.push(problem(files[i], split ? 'not in a class folder under train/ or test/' : 'not in a class folder'));
    else placed.push({ path: files[i], className: p[depth - 2], split: split ? SPLITS[p[0].toLowerCase()] : null });
  });
  const classNames = [...new Set(placed.map((x) => x.className))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
  if (classNames.length > MAX_CLASSES)
    throw new Error(
      `${classNames.length} class folders (${classNames.slice(0, 12).join(', ')}${classNames.length > 12 ? ', …' : ''}); ` +
        `the network has ${MAX_CLASSES} outputs, so at most ${MAX_CLASSES} classes.`,
    );
  if (classNames.length < 2)
    throw new Error(
      classNames.length
        ? `one class folder (${classNames[0]}/): a classifier needs at least two, one folder per class.`
        : 'no images in class folders: put the images of each class in a folder named after it.',
    );
  const label = new Map(classNames.map((c, k) => [c, k]));
  return {
    classNames,
    items: placed.map((x) => ({ path: x.path, label: label.get(x.className), split: x.split })),
    problems,
  };
}

/** 'image/png' or 'image/jpeg' from the file's first bytes, or null. */
export function imageType(bytes) {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** { width, height } from a PNG's IHDR or a JPEG's frame header (SOFn), or null when it has none. */
export function imageSize(bytes, type) {
  const u16 = (i) => (bytes[i] << 8) | bytes[i + 1];
  const u32 = (i) => ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  if (type === 'image/png') {
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
    return { width: u32(16), height: u32(20) };
  }
  if (type === 'image/jpeg') {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1];
      if (marker === 0xff) {
        i++; // fill byte
        continue;
      }
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
        return { width: u16(i + 7), height: u16(i + 5) };
      if (marker === 0xda || marker === 0xd9) return null; // the scan (or the end) before any frame header
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) i += 2;
      else i += 2 + u16(i + 2);
    }
  }
  return null;
}

/** What is wrong with an image's size (from its header), or null. */
function sizeProblem({ width, height }) {
  if (width === 0 || height === 0) return `its header says ${width}×${height} pixels`;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS)
    return `${width}×${height} pixels; at most ${MAX_IMAGE_SIDE.toLocaleString('en')} a side and ${MAX_IMAGE_PIXELS / 1e6} megapixels are read`;
  return null;
}

/** A zip that cannot be read at all: the message says why. */
export class ZipError extends Error {}

/**
 * @typedef {{ name: string, size: number, originalSize: number, compression: number }} ZipEntry
 * @typedef {(data: Uint8Array, options: { filter: (entry: ZipEntry) => boolean }) => Record<string, Uint8Array>} Unzip
 * @typedef {(bytes: Uint8Array, type: string, size: { width: number, height: number }) =>
 *   Promise<{ rgba: Uint8Array | Uint8ClampedArray, width: number, height: number }>} Decode
 */

/**
 * The images of a zip of class folders, converted to 28×28 digits: { train, test (null unless the zip
 * has train/ and test/ folders), classNames, images (converted), skipped, problems (the first
 * LISTED_PROBLEMS, as "path: …"), entries }. Throws a ZipError for a zip that cannot be used.
 * @param {Uint8Array} zip
 * @param {{ unzip: Unzip, decode: Decode, name: string, onImage?: (done: number, total: number) => void }} parts
 */
export async function readImageZip(zip, { unzip, decode, name, onImage = () => {} }) {
  /** @type {ZipEntry[]} */
  const entries = [];
  try {
    unzip(zip, {
      filter: (entry) => {
        if (entries.length > MAX_ENTRIES) throw new ZipError(`more than ${MAX_ENTRIES.toLocaleString('en')} files`);
        entries.push(entry);
        return false; // the central directory only: nothing is unpacked
      },
    });
  } catch (err) {
    if (err instanceof ZipError) throw new ZipError(`${name}: ${err.message}; at most that many are read.`);
    throw new ZipError(`${name}: not a zip file that can be read (${err?.message ?? err}).`);
  }
  let folders;
  try {
    folders = classFolders(entries.map((e) => e.name));
  } catch (err) {
    throw new ZipError(`${name}: ${err.message}`);
  }
  const { classNames, items } = folders;
  const problems = [...folders.problems];
  const byName = new Map(entries.map((e) => [e.name, e]));

  // What can be unpacked, in batches of at most BATCH_BYTES.
  const batches = [];
  let batch = [];
  let bytes = 0;
  for (const item of items) {
    const entry = byName.get(item.path);
    if (entry.compression !== 0 && entry.compression !== 8) {
      problems.push(
        problem(
          item.path,
          `compressed with method ${entry.compression}, which cannot be read here (only stored or deflated)`,
        ),
      );
      continue;
    }
    if (entry.originalSize > MAX_IMAGE_FILE_BYTES) {
      problems.push(
        problem(
          item.path,
          `${(entry.originalSize / 1e6).toFixed(0)} MB; image files of at most ${MAX_IMAGE_FILE_BYTES / 1e6} MB are read`,
        ),
      );
      continue;
    }
    if (batch.length && bytes + entry.originalSize > BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += entry.originalSize;
  }
  if (batch.length) batches.push(batch);

  const size = 28 * 28;
  const total = batches.reduce((n, b) => n + b.length, 0);
  const pixels = new Uint8Array(total * size);
  const labels = new Uint8Array(total);
  const splits = [];
  let done = 0;
  let images = 0;
  for (const group of batches) {
    const wanted = new Set(group.map((x) => x.path));
    const files = unzip(zip, { filter: (entry) => wanted.has(entry.name) });
    for (const item of group) {
      const data = files[item.path];
      delete files[item.path];
      const why = await convert(data, decode, pixels.subarray(images * size, (images + 1) * size));
      if (why) problems.push(problem(item.path, why));
      else {
        labels[images] = item.label;
        splits[images] = item.split;
        images++;
      }
      onImage(++done, total);
    }
  }
  if (images === 0)
    throw new ZipError(
      `${name}: no image could be read${problems.length ? ` (${problems[0].path}: ${problems[0].message})` : ''}.`,
    );
  const all = new LabelledImages(pixels.slice(0, images * size), labels.slice(0, images));
  const mask = Uint8Array.from({ length: images }, (_, i) => (splits[i] === 'test' ? 1 : 0));
  const hasSplit = splits.some((s) => s !== null);
  return {
    train: hasSplit ? all.select(mask, 0) : all,
    test: hasSplit ? all.select(mask, 1) : null,
    classNames,
    images,
    skipped: problems.length,
    problems: problems.slice(0, LISTED_PROBLEMS).map((p) => `${p.path}: ${p.message}`),
    entries: entries.length,
  };
}

/**
 * One file → a 28×28 digit written into `out` (bytes), as the drawing pad's drawing is made; returns
 * what is wrong instead (not an image, too large, undecodable, blank), or null.
 */
async function convert(data, decode, out) {
  if (!data) return 'could not be unpacked';
  const type = imageType(data);
  if (!type) return 'not a PNG or JPEG image';
  const size = imageSize(data, type);
  if (!size) return `a damaged ${type === 'image/png' ? 'PNG' : 'JPEG'} header`;
  const tooLarge = sizeProblem(size);
  if (tooLarge) return tooLarge;
  let image;
  try {
    image = await decode(data, type, size);
  } catch (err) {
    return `could not be decoded (${err?.message ?? err})`;
  }
  const digit = preprocessDigit(imageToInk(image.rgba, image.width, image.height), image.width, image.height);
  if (!digit) return 'no ink: the image is blank';
  for (let i = 0; i < out.length; i++) out[i] = Math.round(digit[i] * 255);
  return null;
}
