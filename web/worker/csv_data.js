// A CSV file of labelled images in the layout of Kaggle's MNIST ("Digit
// Recognizer" train.csv, and the mnist_train.csv files derived from MNIST):
// one image per row, its label (0–9) first, then its 784 pixels (0–255, row
// by row of 28×28); a header row (label,pixel0,…) is optional. Read from the
// bytes (ASCII digits, commas; spaces, quotes and \r\n are allowed), without
// a string of the whole file: the rows are counted first and the output
// allocated only once their number is known to be under the cap. A bad row
// is reported by its line and skipped; the rest loads. Pure: unit-tested
// under Node (tests/web/user_data.test.mjs).
import { LabelledImages } from './labelled_images.js';

/** Pixels per row (28×28). */
export const CSV_PIXELS = 784;
/** The most rows a file may have (MNIST has 70,000 images; 200,000 rows are 157 MB of pixels). */
export const MAX_CSV_ROWS = 200_000;
/** How many problems are listed (all of them are counted). */
export const LISTED_PROBLEMS = 5;

/** A file that cannot be read at all (not one bad row): the message says why. */
export class CsvError extends Error {}

const NEWLINE = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const isBlank = (b) => b === 0x20 || b === 0x09;
const isDigit = (b) => b >= 0x30 && b <= 0x39;
const text = (bytes, start, end) => new TextDecoder().decode(bytes.subarray(start, Math.min(end, start + 16)));

/**
 * The images of a CSV file (bytes), named `name` in messages: { images (LabelledImages of 28×28),
 * header (a header row was skipped), rows (rows read), skipped (bad rows), problems (the first
 * LISTED_PROBLEMS, as "name, line N: …") }. Throws a CsvError when no row can be read or there are
 * too many.
 * @param {Uint8Array} bytes
 * @param {string} name
 * @param {{ maxRows?: number }} [options]
 */
export function parseCsv(bytes, name, { maxRows = MAX_CSV_ROWS } = {}) {
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // a UTF-8 byte-order mark
  let lines = 0;
  for (let i = start; i < bytes.length; i++) if (bytes[i] === NEWLINE) lines++;
  if (bytes.length > start && bytes[bytes.length - 1] !== NEWLINE) lines++;
  if (lines === 0) throw new CsvError(`${name}: the file is empty.`);
  if (lines > maxRows + 1)
    throw new CsvError(
      `${name}: ${lines.toLocaleString('en')} lines; at most ${maxRows.toLocaleString('en')} rows are read.`,
    );

  const pixels = new Uint8Array(lines * CSV_PIXELS);
  const labels = new Uint8Array(lines);
  const problems = [];
  let rows = 0;
  let skipped = 0;
  let header = false;
  let seen = 0; // non-empty lines
  let noLabel = 0; // rows of exactly 784 values: pixels without a label
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    line++;
    const next = end + 1;
    if (end > start && bytes[end - 1] === CR) end--;
    let blank = true;
    for (let i = start; i < end && blank; i++) blank = isBlank(bytes[i]);
    if (blank) {
      start = next;
      continue;
    }
    seen++;
    // One pass over the fields; each value is written to this row's slot as it is read.
    const at = rows * CSV_PIXELS;
    let field = 0;
    let problem = null;
    let words = false; // a field that is not a number at all (a header's names)
    let i = start;
    while (i <= end) {
      let fieldEnd = bytes.indexOf(COMMA, i);
      if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
      let j = i;
      while (j < fieldEnd && isBlank(bytes[j])) j++;
      const quoted = j < fieldEnd && bytes[j] === QUOTE;
      if (quoted) j++;
      const first = j;
      let value = 0;
      while (j < fieldEnd && isDigit(bytes[j])) value = Math.min(value * 10 + bytes[j++] - 0x30, 1000);
      const digits = j - first;
      if (quoted && j < fieldEnd && bytes[j] === QUOTE) j++;
      while (j < fieldEnd && isBlank(bytes[j])) j++;
      if (problem === null) {
        if (digits === 0 || j !== fieldEnd) {
          if (digits === 0 && j !== fieldEnd) words = true;
          problem = `column ${field + 1} (“${text(bytes, i, fieldEnd).trim()}”) is not a whole number`;
        } else if (field === 0 && value > 9)
          problem = `the label is ${value < 1000 ? value : 'over 999'}, not a digit 0–9`;
        else if (value > 255) problem = `pixel${field - 1} (column ${field + 1}) is more than 255`;
        else if (field === 0) labels[rows] = value;
        else if (field <= CSV_PIXELS) pixels[at + field - 1] = value;
      }
      field++;
      i = fieldEnd + 1;
    }
    if (seen === 1 && words) {
      header = true; // a first row of names: label,pixel0,…
    } else if (field !== CSV_PIXELS + 1) {
      // A row of the wrong width is that, whatever its values.
      if (field === CSV_PIXELS) noLabel++;
      problem = `${field} values; a row is a label and ${CSV_PIXELS} pixels (${CSV_PIXELS + 1} values)`;
    }
    const isHeader = header && seen === 1; // nothing to store
    if (!isHeader && problem === null) rows++;
    else if (!isHeader) {
      skipped++;
      if (problems.length < LISTED_PROBLEMS) problems.push(`${name}, line ${line}: ${problem}`);
    }
    start = next;
  }
  if (rows === 0) {
    if (noLabel > 0 && noLabel === skipped)
      throw new CsvError(
        `${name}: every row has ${CSV_PIXELS} values and no label, as Kaggle’s test.csv (whose labels are not given); ` +
          'use train.csv and hold out a share of it for testing.',
      );
    throw new CsvError(`${name}: no row could be read${problems.length ? ` (${problems[0]})` : ''}.`);
  }
  return {
    images: new LabelledImages(pixels.slice(0, rows * CSV_PIXELS), labels.slice(0, rows)),
    header,
    rows,
    skipped,
    problems,
  };
}
