// What the page calls a class and an image of it: MNIST's classes are the
// digits 0–9 and its images digits; a zip of image folders brings its own
// class names (the folders', store.data.classNames), and its images are
// images. The network always has 10 outputs: data with K < 10 classes leaves
// outputs K..9 without a class ("output 7").

/**
 * The name of class k: the data's, or the digit itself (outputs past the data's classes: "output k").
 * @param {string[] | null | undefined} names the data's class names (null: the digits 0–9)
 * @param {number} k
 */
export const className = (names, k) => (names ? (names[k] ?? `output ${k}`) : String(k));

/**
 * The classes the page shows: the data's, or the network's outputs (10) for digits.
 * @param {string[] | null | undefined} names
 * @param {number} outputs
 */
export const shownClasses = (names, outputs) => (names ? Math.min(names.length, outputs) : outputs);

/** What one image is called: a digit of MNIST-like data, an image of named classes. */
export const itemWord = (names) => (names ? 'image' : 'digit');

/** The forms of the word MNIST's text uses for its images, as they are written: number, capital, article. */
const FORM = /^(a |A )?(digit|Digit)(s?)$/;

/**
 * The page's word for its images in the form MNIST's text writes it ('digit', 'Digits', 'a digit'…):
 * that text itself for digits; for named classes, `named` ('image') in the same form: 'Digits' → 'Images',
 * 'a digit' → 'an image'. The drawing pad's "your digit" is "your drawing", the confusion matrix's rows
 * are true classes: `named` says so. An unknown form is returned as it is.
 * @param {string[] | null | undefined} names the data's class names (null: the digits 0–9)
 * @param {string} form how MNIST's text writes it: 'digit', 'digits', 'a digit', capitalised or not
 * @param {string} [named] what one image of named classes is called ('image')
 */
export function itemWordAs(names, form, named = 'image') {
  const m = FORM.exec(form);
  if (!names || !m) return form;
  const [, article, noun, plural] = m;
  const an = article ? `${/^[aeiou]/i.test(named) ? 'an' : 'a'} ` : '';
  const word = `${an}${named}${plural && (named.endsWith('s') ? 'es' : 's')}`;
  return /^[A-Z]/.test(article ?? noun) ? word[0].toUpperCase() + word.slice(1) : word;
}

/** True when `form` is one itemWordAs knows ('digit', 'Digits', 'a digit'…). @param {string} form */
export const isItemWordForm = (form) => FORM.test(form);
