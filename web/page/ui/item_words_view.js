// What the page's own text calls one image: "digit" for MNIST, "image" for a
// zip's named classes (ui/class_names.js). index.html marks each such word:
// data-item-word="digits" on an element whose text is that word (the marker's
// value is its form: number, capital, article), data-item-word-label="digit"
// on an element whose aria-label holds it; data-item-word-named says what the
// word is for named classes when "image" is not it ("your drawing", "the true
// class"). The views' own strings ask class_names.js themselves.
import { itemWordAs } from './class_names.js';
import { queryAll } from './dom.js';

/** @import { SessionStore } from '../app/session_store.js' */

export class ItemWordsView {
  #store;
  /** @type {Map<HTMLElement, string>} each marked aria-label as index.html writes it (MNIST's) */
  #labels = new Map();

  /** @param {{ store: SessionStore }} parts */
  constructor({ store }) {
    this.#store = store;
    for (const e of queryAll(document, '[data-item-word-label]'))
      this.#labels.set(e, e.getAttribute('aria-label') ?? '');
    store.on('data', () => this.render());
    this.render();
  }

  /** Every marked word in the data's form (the views' text replaced since is not marked any more). */
  render() {
    const names = this.#store.data.classNames;
    const word = (/** @type {HTMLElement} */ e, /** @type {string} */ form) =>
      itemWordAs(names, form, e.dataset.itemWordNamed);
    for (const e of queryAll(document, '[data-item-word]')) {
      const text = word(e, e.dataset.itemWord ?? '');
      if (e.textContent !== text) e.textContent = text;
    }
    for (const [e, label] of this.#labels) {
      const form = e.dataset.itemWordLabel ?? '';
      e.setAttribute('aria-label', label.replace(new RegExp(`\\b${form}\\b`), word(e, form)));
    }
  }
}
