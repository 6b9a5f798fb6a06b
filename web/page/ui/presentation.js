// Presentation mode, for a projector: larger type everywhere (style.css
// scales the page under html[data-presentation]) and larger chart labels
// (the charts read their fonts from CSS and are built again: onChange).
// The choice is remembered in this browser.
const KEY = 'mnist-mlp.presentation';

export class PresentationToggle {
  #button;
  #onChange;

  /** @param {{ button: HTMLButtonElement, onChange: () => void }} parts */
  constructor({ button, onChange }) {
    this.#button = button;
    this.#onChange = onChange;
    button.addEventListener('click', () => this.#set(!this.on));
    this.#set(globalThis.localStorage?.getItem(KEY) === 'on', { remember: false });
  }

  get on() {
    return document.documentElement.dataset.presentation === 'on';
  }

  #set(on, { remember = true } = {}) {
    const changed = on !== this.on;
    if (on) document.documentElement.dataset.presentation = 'on';
    else delete document.documentElement.dataset.presentation;
    this.#button.setAttribute('aria-pressed', String(on));
    if (remember) {
      try {
        globalThis.localStorage?.setItem(KEY, on ? 'on' : 'off');
      } catch {
        // private mode: it lasts until the reload
      }
    }
    if (changed) this.#onChange();
  }
}
