// The training configuration's fields as the engine describes them
// (engine.schema(), from the core's table core/config_field.hpp): the same
// checks in JavaScript, so the form refuses exactly what the engine refuses
// (tests/wasm/config_schema.test.mjs proves it field by field), with ranges,
// choices and defaults taken from the schema instead of copied.
// The one check left to the engine alone is how many weights a network of
// these sizes has and whether they fit (its memory estimate answers it:
// checkConfig), so that the count is computed in one place.
//
// A field: { name, jsName, flag, label, help, kind, structural, default,
//            min, max, minOpen, maxOpen, choices, countMin, countMax, maxParameters }
// kind ∈ 'number' | 'integer' | 'boolean' | 'choice' | 'sizes'.

/** "(0, 100]" */
export function intervalText(field) {
  return `${field.minOpen ? '(' : '['}${field.min}, ${field.max}${field.maxOpen ? ')' : ']'}`;
}

function inInterval(field, x) {
  if (!Number.isFinite(x)) return false;
  const above = field.minOpen ? x > field.min : x >= field.min;
  const below = field.maxOpen ? x < field.max : x <= field.max;
  return above && below;
}

function checkSizes(field, sizes) {
  if (!Array.isArray(sizes)) return 'Give the layer sizes as a list.';
  // The count first: a link may hold a million sizes, which are not worth reading.
  if (sizes.length < field.countMin) return 'Give at least an input and an output size, e.g. 784-10.';
  if (sizes.length > field.countMax) return `At most ${field.countMax - 2} hidden layers.`;
  for (const s of sizes) if (typeof s !== 'number' || !Number.isInteger(s)) return `“${s}” is not a whole number.`;
  const small = sizes.find((n) => n < field.min);
  if (small !== undefined) return `A layer of ${small} units is too small (at least ${field.min}).`;
  const wide = sizes.find((n) => n > field.max);
  if (wide !== undefined) return `A layer of ${wide} units is too wide (at most ${field.max}).`;
  return null;
}

/** null when the engine accepts `value` for `field`, else a sentence saying why not. */
export function checkValue(field, value) {
  const name = `The ${field.label}`;
  switch (field.kind) {
    case 'number':
      if (typeof value !== 'number' || Number.isNaN(value)) return `${name} must be a number.`;
      return inInterval(field, value) ? null : `${name} must be in ${intervalText(field)}.`;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `${name} must be a whole number.`;
      return inInterval(field, value) ? null : `${name} must be in ${intervalText(field)}.`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${name} must be true or false.`;
    case 'choice':
      return field.choices.includes(value) ? null : `Choose one of ${field.choices.join(', ')}.`;
    case 'sizes':
      return checkSizes(field, value);
    default:
      return `Unknown kind of field “${field.kind}”.`;
  }
}

/** The field with this JS name, or undefined. */
export function fieldOf(schema, jsName) {
  return schema.find((f) => f.jsName === jsName);
}

/** The engine's default config: { layers: [784, 20, 10], activation: 'sigmoid', ... }. */
export function defaultConfig(schema) {
  return Object.fromEntries(schema.map((f) => [f.jsName, structuredClone(f.default)]));
}

/** The JS names of the fields whose change needs a new network. */
export function structuralFields(schema) {
  return schema.filter((f) => f.structural).map((f) => f.jsName);
}
