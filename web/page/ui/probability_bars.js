// Horizontal bars, one per class, with the winner and the true class marked;
// the classes' names are the data's (ui/class_names.js), the digits for MNIST.
import { className } from './class_names.js';
import { el } from './dom.js';
import { pct } from './format.js';

/** Horizontal bars, one per class (by default the ten digits). */
export class ProbabilityBars {
  /**
   * @param {HTMLElement} container
   * @param {number} [classes] bars
   * @param {string[] | null} [names] the classes' names (null: the digits)
   */
  constructor(container, classes = 10, names = null) {
    this.container = container;
    this.setClasses(names, classes);
  }

  /**
   * The classes shown: one bar for each of `names` (the data's classes), or `classes` digits.
   * @param {string[] | null} names
   * @param {number} [classes]
   */
  setClasses(names, classes = 10) {
    if (this.names === names && this.rows?.length) return;
    this.names = names;
    this.rows = [];
    const count = names ? names.length : classes;
    const list = el('ol', { class: 'probs', 'aria-label': names ? 'Probability per class' : 'Probability per digit' });
    for (let k = 0; k < count; k++) {
      const fill = el('span', { class: 'probs-fill' });
      const value = el('span', { class: 'probs-value', text: '–' });
      const row = el(
        'li',
        { class: 'probs-row' },
        el('span', { class: `probs-digit${names ? ' probs-name' : ''}`, text: className(names, k) }),
        el('span', { class: 'probs-bar' }, fill),
        value,
      );
      list.append(row);
      this.rows.push({ row, fill, value });
    }
    this.container.replaceChildren(list);
  }

  /** probabilities: array-like of per-class values, or null to clear. */
  set(probabilities, { trueLabel = null } = {}) {
    let best = -1;
    if (probabilities) {
      let max = -Infinity;
      for (let k = 0; k < probabilities.length; k++) if (probabilities[k] > max) [max, best] = [probabilities[k], k];
    }
    this.rows.forEach(({ row, fill, value }, k) => {
      const p = probabilities ? probabilities[k] : 0;
      fill.style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      value.textContent = probabilities ? pct(p) : '–';
      row.classList.toggle('is-best', k === best);
      row.classList.toggle('is-true', k === trueLabel);
    });
  }
}
