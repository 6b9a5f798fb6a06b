// One view at a time: the page's views (the <section class="view"> elements
// of index.html: Train, Experiments, Inside, Classify, Runs) and the
// navigation bar's links to them. The address's #fragment names the view
// (#inside), or an element inside one (#figure-4: its view is shown and the
// element scrolled to), so a link opens a view and the back button returns.
// Each view's Visibility (ui/redraw.js) says whether it is on screen: shown
// and the browser tab visible, so views draw nothing while hidden.

/** @import { Visibility } from '../ui/redraw.js' */

export class Navigation {
  /** @type {Map<string, HTMLElement>} view id → its section */
  #views = new Map();
  /** @type {Map<string, Set<() => void>>} */
  #listeners = new Map();
  #current = '';
  #nav;

  /**
   * @param {{ nav: HTMLElement, views: HTMLElement[] }} parts the navigation bar and the views' sections
   */
  constructor({ nav, views }) {
    this.#nav = nav;
    for (const v of views) this.#views.set(v.id, v);
    addEventListener('hashchange', () => this.#follow({ focus: true }));
    document.addEventListener('visibilitychange', () => this.#notify(this.#current));
    this.#follow({ focus: false });
  }

  /** The id of the view shown. */
  get current() {
    return this.#current;
  }

  /** The views' ids, in the bar's order. */
  get ids() {
    return [...this.#views.keys()];
  }

  /**
   * Whether view `id` is on screen, and a way to hear when that changes.
   * @param {string} id
   * @returns {Visibility}
   */
  visibility(id) {
    if (!this.#views.has(id)) throw new Error(`there is no view '${id}'`);
    const nav = this;
    return {
      get visible() {
        return nav.isVisible(id);
      },
      subscribe(listener) {
        if (!nav.#listeners.has(id)) nav.#listeners.set(id, new Set());
        nav.#listeners.get(id).add(listener);
        return () => nav.#listeners.get(id).delete(listener);
      },
    };
  }

  /** @param {string} id */
  #notify(id) {
    for (const listener of this.#listeners.get(id) ?? []) listener();
  }

  // Shows the view the address names (or holds the element it names); an element outside every view
  // (the skip link's <main>) keeps the view that is shown; the first one otherwise.
  #follow({ focus }) {
    const name = decodeURIComponent(location.hash.slice(1));
    const target = name ? document.getElementById(name) : null;
    const holder = target && [...this.#views.values()].find((v) => v.contains(target));
    const view = this.#views.has(name) ? name : (holder?.id ?? ((target && this.#current) || this.ids[0]));
    this.#show(view);
    if (target && target.id !== view) requestAnimationFrame(() => target.scrollIntoView({ block: 'start' }));
    else if (focus) {
      scrollTo({ top: 0 });
      this.#views.get(view).querySelector('h2')?.focus({ preventScroll: true });
    }
  }

  /** @param {string} id */
  #show(id) {
    const previous = this.#current;
    this.#current = id;
    document.body.dataset.view = id;
    for (const [vid, section] of this.#views) section.hidden = vid !== id;
    for (const a of this.#nav.querySelectorAll('a[href^="#"]')) {
      if (a.getAttribute('href') === `#${id}`) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (previous && previous !== id) this.#notify(previous);
    this.#notify(id);
  }

  /** Whether view `id` is on screen now. @param {string} id */
  isVisible(id) {
    return this.#current === id && document.visibilityState !== 'hidden';
  }
}
