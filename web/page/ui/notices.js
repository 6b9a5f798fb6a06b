// What the page tells the user outside the views: the alert bar (with a
// Restart button after repeated crashes) and the screen-reader announcer.
import { $ } from './dom.js';

export const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

export class Notices {
  /** @type {ReturnType<typeof setTimeout> | 0} */
  #announceClear = 0;

  constructor() {
    $('alert-dismiss').addEventListener('click', () => this.hideAlert());
  }

  /** Shows text in the alert bar; restart: with the button that starts a new worker. */
  showAlert(text, { restart = false } = {}) {
    $('alert-text').textContent = text;
    $('alert-restart').hidden = !restart;
    $('alert').hidden = false;
  }

  hideAlert() {
    $('alert').hidden = true;
  }

  /** Says text to screen readers (a polite live region, cleared after 8 s). */
  announce(text) {
    const a = $('announcer');
    a.textContent = text;
    clearTimeout(this.#announceClear);
    this.#announceClear = setTimeout(() => {
      a.textContent = '';
    }, 8000);
  }

  /** The worker crashed too often to be restarted by itself. */
  showCrash(message) {
    this.showAlert(
      `The training worker crashed: ${message}. Your last checkpoint is kept; restart the worker to go on.`,
      { restart: true },
    );
  }

  /** A failure or error that answers no request: { scope, message }. */
  showError({ scope, message }) {
    this.showAlert(scope === 'engine' ? message : `${cap(scope)} error: ${message}`);
  }
}
