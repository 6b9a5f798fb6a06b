// The shareable link: the form's settings (and the chosen experiment) as URL
// parameters (share.js), and the view that is open as its #fragment, kept
// up to date in the Runs view with a Copy button; and, once the data is
// ready, a link the page was opened with fills the form, says what it set
// and lists every parameter it refused (those fields keep their values). It
// never starts training.
import { PAGE_FIELDS } from '../settings/settings.js';
import { $, el } from '../ui/dom.js';
import { readShareQuery, shareQuery } from './share.js';

/**
 * @import { SessionStore } from '../app/session_store.js'
 * @import { Notices } from '../ui/notices.js'
 */
/**
 * The experiments a link may name, and choosing one (report/experiments_view.js).
 * @typedef {{ ids: string[], selectedId: string | null, choose(id: string): void }} ExperimentChoice
 */

export class ShareView {
  #store;
  #notices;
  #writeSettings;
  #experiments;
  #currentView;
  #applied = false;
  /** What the page's link set: { applied, errors, experiment } (for tests), or null. */
  result = null;

  /**
   * @param {{ store: SessionStore, notices: Notices, writeSettings: (values: Record<string, string>) => void,
   *   experiments: ExperimentChoice, currentView: () => string }} parts
   *   writeSettings: fills the form; currentView: the view open now (the link's fragment)
   */
  constructor({ store, notices, writeSettings, experiments, currentView }) {
    this.#store = store;
    this.#notices = notices;
    this.#writeSettings = writeSettings;
    this.#experiments = experiments;
    this.#currentView = currentView;
    store.on('settings', () => this.update());
    addEventListener('hashchange', () => this.update());
    $('experiment-form').addEventListener('change', () => this.update());
    $('btn-share').addEventListener('click', () => this.#copy());
  }

  /** The link to the current settings and view. */
  url() {
    const { values, fields } = this.#store.settings;
    const base = new URL(location.href);
    base.search = shareQuery(values ?? {}, fields ?? [], { experiment: this.#experiments.selectedId });
    base.hash = this.#currentView();
    return base.href;
  }

  update() {
    if (!this.#store.engine || !this.#store.settings.fields) return;
    $('share-url', HTMLInputElement).value = this.url();
  }

  async #copy() {
    this.update();
    const input = $('share-url', HTMLInputElement);
    try {
      await navigator.clipboard.writeText(input.value);
      $('share-status').textContent = 'Link copied.';
    } catch {
      input.select();
      $('share-status').textContent = 'Select the link above and copy it (the browser did not allow copying).';
    }
  }

  /** Applies the page's own link, once (after the data, and any saved model, are ready). */
  applyOnce() {
    const { engine, settings } = this.#store;
    if (this.#applied || !engine || !settings.fields) return;
    this.#applied = true;
    const fields = settings.fields;
    const r = readShareQuery(location.search, engine.schema, fields, this.#store.dims, {
      experiments: this.#experiments.ids,
    });
    this.result = r;
    if (r?.applied.length) this.#writeSettings({ ...settings.values, ...r.values });
    if (r?.experiment) this.#experiments.choose(r.experiment);
    this.update();
    if (!r) return;
    const items = r.errors.map((e) =>
      el(
        'li',
        { 'data-param': e.param },
        el('code', { text: `${e.param}=${e.value}` }),
        `: ${e.message} ${fields.includes(e.param) ? 'The field keeps its value.' : ''}`,
      ),
    );
    const names = r.applied.map((f) => labelOf(f, engine.schema));
    const lead =
      (r.applied.length
        ? `The form was filled from the link: ${names.join(', ')}. Nothing trains until you press Train.`
        : 'The link set nothing on the form.') +
      (r.experiment
        ? ` The Experiments view has “${r.experiment}” chosen; nothing runs until you press its button.`
        : '');
    const box = $('link-notice');
    /** @type {HTMLElement[]} */
    const parts = [el('p', { text: lead })];
    if (items.length)
      parts.push(
        el('p', { text: `${items.length} parameter${items.length > 1 ? 's were' : ' was'} not applied:` }),
        el('ul', { class: 'link-errors' }, ...items),
      );
    parts.push(
      el('button', { type: 'button', class: 'link-button', text: 'Dismiss', onclick: () => (box.hidden = true) }),
    );
    box.replaceChildren(...parts);
    box.hidden = false;
    box.dataset.kind = items.length ? 'warn' : 'ok';
    this.#notices.announce(
      lead + (items.length ? ` ${items.length} parameter${items.length > 1 ? 's' : ''} not applied.` : ''),
    );
  }
}

function labelOf(jsName, schema) {
  return (
    schema.find((f) => f.jsName === jsName)?.label ?? PAGE_FIELDS.find((f) => f.jsName === jsName)?.label ?? jsName
  );
}
