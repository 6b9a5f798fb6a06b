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
