// The shareable link: the form's settings (and the chosen experiment) as URL
// parameters (share.js), kept up to date in the Share panel with a Copy
// button; and, once the data is ready, a link the page was opened with
// fills the form, says what it set and lists every parameter it refused
// (those fields keep their defaults). It never starts training.
//
// Experiments: a link's `experiment=ID` is handed to the Experiments panel
// through app.experiments.chooseFromLink(id) and a link for the chosen one
// is built from app.experiments.selectedId, when the page has that panel
// (its ids are app.experiments.ids); without it the parameter is reported
// as not applied.
import { PAGE_FIELDS } from './config.js';
import { readShareQuery, shareQuery } from './share.js';
import { $, el } from './viz.js';

export class SharePanel {
  #app;
  #applied = false;
  /** What the page's link set: { applied, errors, experiment } (for tests), or null. */
  result = null;

  constructor(app) {
    this.#app = app;
  }

  setup() {
    const form = $('config-form');
    form.addEventListener('input', () => this.update());
    form.addEventListener('change', () => this.update());
    // The form is also written by code (a restored or loaded model): the link is brought up to date when looked at.
    $('share-url')
      .closest('section')
      .addEventListener('focusin', () => this.update());
    new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && this.update()).observe(
      $('share-url'),
    );
    $('btn-share').addEventListener('click', () => this.#copy());
  }

  /** The link to the current settings. */
  url() {
    const { form } = this.#app;
    const base = new URL(location.href);
    base.search = shareQuery(form.read(), form.fields, { experiment: this.#app.experiments?.selectedId ?? null });
    base.hash = '';
    return base.href;
  }

  update() {
    if (!this.#app.form.schema) return;
    $('share-url').value = this.url();
  }

  async #copy() {
    this.update();
    const url = $('share-url').value;
    try {
      await navigator.clipboard.writeText(url);
      $('share-status').textContent = 'Link copied.';
    } catch {
      $('share-url').select();
      $('share-status').textContent = 'Select the link above and copy it (the browser did not allow copying).';
    }
  }

  /** Applies the page's own link, once (after the data, and any saved model, are ready). */
  applyOnce() {
    if (this.#applied || !this.#app.form.schema) return;
    this.#applied = true;
    const { form, data, experiments } = this.#app;
    const r = readShareQuery(location.search, form.schema, form.fields, data.dims(), {
      experiments: experiments?.ids ?? null,
    });
    this.result = r;
    if (r?.applied.length) form.write({ ...form.read(), ...r.values });
    const chosen = Boolean(r?.experiment && experiments?.chooseFromLink);
    if (chosen) experiments.chooseFromLink(r.experiment);
    this.update();
    if (!r) return;
    const items = r.errors.map((e) =>
      el(
        'li',
        { 'data-param': e.param },
        el('code', { text: `${e.param}=${e.value}` }),
        `: ${e.message} ${defaultNote(e.param, form.fields)}`,
      ),
    );
    if (r.experiment && !chosen) {
      items.push(
        el(
          'li',
          { 'data-param': 'experiment' },
          el('code', { text: `experiment=${r.experiment}` }),
          ': this page has no Experiments panel, so no experiment was chosen.',
        ),
      );
    }
    const names = r.applied.map((f) => labelOf(f, form.schema));
    const lead =
      (r.applied.length
        ? `The form was filled from the link: ${names.join(', ')}. Nothing trains until you press Train.`
        : 'The link set nothing on the form.') +
      (chosen ? ` The Experiments panel has “${r.experiment}” chosen; nothing runs until you press its button.` : '');
    const box = $('link-notice');
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
    this.#app.notices.announce(
      lead + (items.length ? ` ${items.length} parameter${items.length > 1 ? 's' : ''} not applied.` : ''),
    );
  }
}

function labelOf(jsName, schema) {
  return (
    schema.find((f) => f.jsName === jsName)?.label ?? PAGE_FIELDS.find((f) => f.jsName === jsName)?.label ?? jsName
  );
}

function defaultNote(param, fields) {
  return fields.includes(param) ? 'The field keeps its value.' : '';
}
