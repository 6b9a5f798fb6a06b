// The browser's image decoder, in the worker: createImageBitmap on the file's
// bytes, drawn on an OffscreenCanvas to read its RGBA pixels. A large image is
// decoded at most DECODE_SIDE pixels on its longer side (the browser scales
// it with its high-quality filter): its ink ends up in a 20×20 box anyway.
// Browser-only; worker/image_folders.js takes it as its `decode`.

/** The longest side an image is decoded at. */
export const DECODE_SIDE = 512;

/**
 * @param {Uint8Array<ArrayBuffer>} bytes a PNG or JPEG file
 * @param {string} type its MIME type
 * @param {{ width: number, height: number }} size from its header
 * @returns {Promise<{ rgba: Uint8ClampedArray, width: number, height: number }>}
 */
export async function decodeImage(bytes, type, { width, height }) {
  const blob = new Blob([bytes], { type });
  /** @type {ImageBitmapOptions} */
  const options = {};
  if (Math.max(width, height) > DECODE_SIDE) {
    options.resizeQuality = 'high';
    if (width >= height)
      options.resizeWidth = DECODE_SIDE; // the other side keeps the aspect ratio
    else options.resizeHeight = DECODE_SIDE;
  }
  const bitmap = await createImageBitmap(blob, options);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    return {
      rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data,
      width: bitmap.width,
      height: bitmap.height,
    };
  } finally {
    bitmap.close();
  }
}
