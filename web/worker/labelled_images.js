// The user's data after conversion (worker/csv_data.js, worker/image_folders.js):
// labelled images as bytes, split into training, validation and test the same
// way every time, and written as the IDX bytes engine.loadData reads, so that
// everything downstream works as it does for MNIST. Pure: unit-tested under
// Node (tests/web/user_data.test.mjs).
//
// Held-out rows are drawn by a generator of fixed seed (exactly ⌊count·share⌋
// of them): the same file always gives the same split, so a model restored
// after a reload is evaluated on the images it was before; a file sorted by
// class gives every class about its share, and a file whose classes repeat in
// a cycle is not sampled in step with it (as every fifth row would be).

/** Images of rows × cols unsigned bytes, one after another, and a label (0..9) each. */
export class LabelledImages {
  /**
   * @param {Uint8Array} pixels count · rows · cols bytes
   * @param {Uint8Array} labels count labels
   * @param {number} rows
   * @param {number} cols
   */
  constructor(pixels, labels, rows = 28, cols = 28) {
    if (pixels.length !== labels.length * rows * cols)
      throw new RangeError(`${pixels.length} pixel bytes for ${labels.length} images of ${rows}×${cols}`);
    this.pixels = pixels;
    this.labels = labels;
    this.rows = rows;
    this.cols = cols;
  }

  get count() {
    return this.labels.length;
  }

  /** The images whose mask byte is `keep` (1 or 0), in order. */
  select(mask, keep = 1) {
    const size = this.rows * this.cols;
    let n = 0;
    for (let i = 0; i < this.count; i++) n += mask[i] === keep ? 1 : 0;
    const pixels = new Uint8Array(n * size);
    const labels = new Uint8Array(n);
    for (let i = 0, j = 0; i < this.count; i++) {
      if (mask[i] !== keep) continue;
      pixels.set(this.pixels.subarray(i * size, (i + 1) * size), j * size);
      labels[j++] = this.labels[i];
    }
    return new LabelledImages(pixels, labels, this.rows, this.cols);
  }

  /** These images followed by `other`'s. */
  concat(other) {
    const pixels = new Uint8Array(this.pixels.length + other.pixels.length);
    pixels.set(this.pixels);
    pixels.set(other.pixels, this.pixels.length);
    const labels = new Uint8Array(this.count + other.count);
    labels.set(this.labels);
    labels.set(other.labels, this.count);
    return new LabelledImages(pixels, labels, this.rows, this.cols);
  }
}

/** The seed of the held-out rows (any fixed number: it only has to be the same every time). */
const SEED = 0x2545f491;

/**
 * A mask of `count` rows with 1 for ⌊count · share⌋ of them (share in 0..1), chosen by a partial
 * Fisher–Yates shuffle driven by xorshift32 from a fixed seed: deterministic.
 */
export function heldOut(count, share) {
  const mask = new Uint8Array(count);
  const take = share > 0 ? Math.min(count, Math.floor(count * share)) : 0;
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  let s = SEED;
  for (let k = 0; k < take; k++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = k + (s % (count - k));
    [order[k], order[j]] = [order[j], order[k]];
    mask[order[k]] = 1;
  }
  return mask;
}

/** An IDX file of images: magic 0x00000803, count, rows, cols (big-endian), then the bytes. */
export function idxImages({ pixels, count, rows, cols }) {
  const out = new Uint8Array(16 + pixels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0803);
  view.setUint32(4, count);
  view.setUint32(8, rows);
  view.setUint32(12, cols);
  out.set(pixels, 16);
  return out;
}

/** An IDX file of labels: magic 0x00000801, count, then a byte each. */
export function idxLabels(labels) {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0801);
  view.setUint32(4, labels.length);
  out.set(labels, 8);
  return out;
}

/**
 * The four IDX files and the validation count of engine.loadData, from the training images and either
 * test images of their own or a share of the training ones held out (testShare, when `test` is null);
 * validationShare of what remains for training is moved to its end, where the engine takes its
 * validation split. Throws a RangeError naming what is too few.
 * @param {LabelledImages} all the training images (all the images, when `test` is null)
 * @param {LabelledImages | null} test
 * @param {{ testShare: number, validationShare: number }} shares
 */
export function splitForEngine(all, test, { testShare, validationShare }) {
  let train = all;
  if (!test) {
    if (!(testShare > 0)) throw new RangeError('there are no test images: give a test file or hold out a share');
    const mask = heldOut(all.count, testShare);
    test = all.select(mask, 1);
    train = all.select(mask, 0);
  }
  const validationMask = heldOut(train.count, validationShare);
  const validation = validationMask.reduce((n, v) => n + v, 0);
  train = train.select(validationMask, 0).concat(train.select(validationMask, 1));
  if (test.count === 0) throw new RangeError('no image is left for testing: hold out a larger share');
  if (train.count - validation === 0) throw new RangeError('no image is left for training: hold out smaller shares');
  return {
    trainImages: idxImages(train),
    trainLabels: idxLabels(train.labels),
    testImages: idxImages(test),
    testLabels: idxLabels(test.labels),
    validation,
    counts: { train: train.count - validation, validation, test: test.count },
  };
}
