// How fast training may go, so that a person can watch it and talk over it:
// the choices of the pace control, each a Pace of the protocol (the worker's
// TrainingSession keeps to it), and the one remembered in this browser.

/** @import { PaceValue } from '../../shared/protocol.js' */

/** @type {readonly { id: string, label: string, pace: PaceValue }[]} */
export const PACES = Object.freeze([
  { id: 'full', label: 'Full speed', pace: { kind: 'full', ms: 0 } },
  { id: 'epoch-1s', label: 'One epoch a second', pace: { kind: 'epoch', ms: 1000 } },
  { id: 'epoch-5s', label: 'One epoch in 5 s', pace: { kind: 'epoch', ms: 5000 } },
  { id: 'batch-100ms', label: 'One batch every 100 ms', pace: { kind: 'batch', ms: 100 } },
  { id: 'batch-1s', label: 'One batch a second', pace: { kind: 'batch', ms: 1000 } },
]);

const KEY = 'mnist-mlp.pace';

/** The pace chosen last in this browser (full speed by default). */
export function rememberedPace() {
  const id = globalThis.localStorage?.getItem(KEY);
  return PACES.find((p) => p.id === id) ?? PACES[0];
}

/** @param {string} id */
export function rememberPace(id) {
  try {
    globalThis.localStorage?.setItem(KEY, id);
  } catch {
    // private mode: the choice lasts until the reload
  }
}
