// The two DOM helpers every view uses: $ (an element by id) and el (an
// element with attributes and children, without innerHTML: the CSP allows no
// inline code, and text is never parsed as markup).

/**
 * The element with this id (typed by the caller: `$('f-epochs', HTMLInputElement)`).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {new () => T} [type]
 * @returns {T}
 */
export function $(id, type) {
  const node = document.getElementById(id);
  if (type && !(node instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return /** @type {T} */ (node);
}

/**
 * The first element under root that matches the selector (an HTML element: the page has no other), or null.
 * @param {ParentNode} root
 * @param {string} selector
 * @returns {HTMLElement | null}
 */
export const query = (root, selector) => root.querySelector(selector);

/**
 * Every element under root that matches the selector, as an array.
 * @param {ParentNode} root
 * @param {string} selector
 * @returns {HTMLElement[]}
 */
export const queryAll = (root, selector) => /** @type {HTMLElement[]} */ ([...root.querySelectorAll(selector)]);

/**
 * Creates an element with attributes (class, style: an object of properties, text, on…: listeners) and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | null | undefined)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'style')
      for (const [name, value] of Object.entries(v)) node.style.setProperty(name, value); // CSSOM: allowed by the CSP
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}
