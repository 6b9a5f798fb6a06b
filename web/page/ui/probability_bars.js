// Ten horizontal bars, one per class, with the winner and the true class marked.
import { el } from './dom.js';
import { pct } from './format.js';

/** Ten horizontal bars, one per class. */
export class ProbabilityBars {
  constructor(container, classes = 10) {
    this.rows = [];
    const list = el('ol', { class: 'probs', 'aria-label': 'Probability per digit' });
    for (let k = 0; k < classes; k++) {
      const fill = el('span', { class: 'probs-fill' });
      const value = el('span', { class: 'probs-value', text: '–' });
      const row = el(
        'li',
        { class: 'probs-row' },
        el('span', { class: 'probs-digit', text: String(k) }),
        el('span', { class: 'probs-bar' }, fill),
        value,
      );
      list.append(row);
      this.rows.push({ row, fill, value });
    }
    container.replaceChildren(list);
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
