// Types that are checked at run time and by the type checker alike: each
// combinator below is a runtime check of a value (what a message between
// the page and the worker may hold, shared/protocol.js) and carries the
// static type of what it accepts, so a table of them is at once the
// contract, its documentation and its JSDoc types (Infer, ShapeOf):
//
//   const Progress = shape({ epoch: integer, step: integer });
//   /** @typedef {Infer<typeof Progress>} Progress */   // { epoch: number, step: number }
//
// A check returns null when the value fits, else a sentence naming the path
// of the first problem ("chunk.step must be integer, not number 4.5").

/**
 * A runtime type that accepts values of type T.
 * @template T
 * @typedef {object} Type
 * @property {string} name how messages name it ('integer', "'idle' | 'running'", 'Progress')
 * @property {(value: unknown, path: string) => string | null} check null, or what is wrong
 * @property {boolean} [optional] a field of this type may be left out
 * @property {T} [__type] never set: carries T for the type checker
 */

/**
 * The static type a runtime type accepts.
 * @template X
 * @typedef {X extends Type<infer T> ? T : never} Infer
 */

/**
 * The object type of a field table: required fields, then optional ones (`?`).
 * @template {Record<string, Type<any>>} F
 * @typedef {{ [K in keyof F as F[K] extends { optional: true } ? never : K]: Infer<F[K]> }
 *   & { [K in keyof F as F[K] extends { optional: true } ? K : never]?: Infer<F[K]> }} ShapeOf
 */

const tag = (v) => Object.prototype.toString.call(v).slice(8, -1);
export const isPlainObject = (v) => v !== null && typeof v === 'object' && tag(v) === 'Object';

/** How a value is named in a message: "number 4.5", "'3'", "array", "Uint8Array". */
export function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return tag(v) === 'Object' ? 'object' : tag(v);
  if (typeof v === 'number' && !Number.isInteger(v)) return `number ${v}`;
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  return typeof v === 'number' ? `integer ${v}` : typeof v;
}

/**
 * A type from a predicate.
 * @template T
 * @param {string} name
 * @param {(v: unknown) => boolean} test
 * @returns {Type<T>}
 */
function basic(name, test) {
  return { name, check: (v, path) => (test(v) ? null : `${path} must be ${name}, not ${describe(v)}`) };
}

/** @type {Type<number>} */
export const number = basic('number', (v) => typeof v === 'number');
/** @type {Type<number>} */
export const integer = basic('integer', (v) => Number.isInteger(v));
/** @type {Type<string>} */
export const string = basic('string', (v) => typeof v === 'string');
/** @type {Type<boolean>} */
export const boolean = basic('boolean', (v) => typeof v === 'boolean');
/** @type {Type<null>} */
export const nothing = basic('null', (v) => v === null);
/** @type {Type<Record<string, any>>} any plain object (an engine config: the engine checks its fields) */
export const object = basic('object', isPlainObject);
/** @type {Type<ArrayBuffer>} */
export const arrayBuffer = basic('ArrayBuffer', (v) => tag(v) === 'ArrayBuffer');
/** @type {Type<Float32Array>} */
export const float32Array = basic('Float32Array', (v) => tag(v) === 'Float32Array');
/** @type {Type<Float64Array>} */
export const float64Array = basic('Float64Array', (v) => tag(v) === 'Float64Array');
/** @type {Type<Int32Array>} */
export const int32Array = basic('Int32Array', (v) => tag(v) === 'Int32Array');
/** @type {Type<Uint8Array>} */
export const uint8Array = basic('Uint8Array', (v) => tag(v) === 'Uint8Array');

/**
 * One of these strings.
 * @template {string} S
 * @param {S[]} values
 * @returns {Type<S>}
 */
export function literal(...values) {
  return basic(values.map((v) => `'${v}'`).join(' | '), (v) => values.includes(/** @type {any} */ (v)));
}

/**
 * An array whose items are of type `item` (any items when left out).
 * @template [T=any]
 * @param {Type<T>} [item]
 * @returns {Type<T[]>}
 */
export function arrayOf(item) {
  return {
    name: 'array',
    check(v, path) {
      if (!Array.isArray(v)) return `${path} must be array, not ${describe(v)}`;
      if (!item) return null;
      for (let i = 0; i < v.length; i++) {
        const problem = item.check(v[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return null;
    },
  };
}

/**
 * Any of the alternatives, e.g. oneOf(Progress, nothing): "Progress | null".
 * @template {Type<any>[]} A
 * @param {A} alternatives
 * @returns {Type<Infer<A[number]>>}
 */
export function oneOf(...alternatives) {
  const name = alternatives.map((a) => a.name).join(' | ');
  return {
    name,
    check(v, path) {
      let own = null;
      for (const a of alternatives) {
        const problem = a.check(v, path);
        if (!problem) return null;
        // A shape that matched in kind but not in its fields says more than "wrong type".
        if (!problem.startsWith(`${path} must be `)) own ??= problem;
      }
      return own ?? `${path} must be ${name}, not ${describe(v)}`;
    },
  };
}

/**
 * A field that may be left out (or be undefined).
 * @template T
 * @param {Type<T>} type
 * @returns {Type<T> & { optional: true }}
 */
export function optional(type) {
  return { ...type, optional: true };
}

/**
 * Checks `value` against a field table; null or the first problem.
 * @param {Record<string, Type<any>>} fields
 * @param {Record<string, unknown>} value
 * @param {string} path
 * @param {boolean} extra further fields are allowed
 */
export function checkFields(fields, value, path, extra) {
  for (const [name, type] of Object.entries(fields)) {
    const v = value[name];
    if (v === undefined) {
      if (type.optional) continue;
      return `${path}: missing field '${name}' (${type.name})`;
    }
    const problem = type.check(v, `${path}.${name}`);
    if (problem) return problem;
  }
  if (extra) return null;
  const unknown = Object.keys(value).filter((k) => !(k in fields) && value[k] !== undefined);
  if (unknown.length === 0) return null;
  return `${path}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`;
}

/**
 * A plain object with these fields. A named shape (an object the engine
 * makes) allows further fields; an anonymous one (a message) refuses them.
 * @template {Record<string, Type<any>>} F
 * @param {F} fields
 * @param {{ name?: string }} [options]
 * @returns {Type<ShapeOf<F>> & { fields: F }}
 */
export function shape(fields, { name } = {}) {
  return {
    name: name ?? 'object',
    fields,
    check(v, path) {
      if (!isPlainObject(v)) return `${path} must be ${name ?? 'object'}, not ${describe(v)}`;
      return checkFields(fields, /** @type {Record<string, unknown>} */ (v), path, Boolean(name));
    },
  };
}
