// A number field's control takes its limits from the field's description
// (the engine's schema or the page's own fields), so that no range is
// written in the HTML.

/**
 * Sets min/max (closed ends only: an open end is the validation's to refuse) and step of a number input.
 * @param {HTMLInputElement} input
 * @param {{ kind: string, min?: number, max?: number, minOpen?: boolean, maxOpen?: boolean }} field
 */
export function applyRange(input, field) {
  if (field.kind !== 'number' && field.kind !== 'integer') return;
  if (field.min !== undefined && !field.minOpen) input.min = String(field.min);
  else input.removeAttribute('min');
  if (field.max !== undefined && !field.maxOpen) input.max = String(field.max);
  else input.removeAttribute('max');
  input.step = field.kind === 'integer' ? '1' : 'any';
}
