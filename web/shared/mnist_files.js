// The four files of an MNIST-style dataset: the role each plays (the field of
// the engine's loadData that takes it) and the name MNIST gives it. The one
// list for the site build, the worker, the page and the tests.
export const MNIST_FILES = Object.freeze([
  Object.freeze({ role: 'trainImages', name: 'train-images-idx3-ubyte', label: 'Training images' }),
  Object.freeze({ role: 'trainLabels', name: 'train-labels-idx1-ubyte', label: 'Training labels' }),
  Object.freeze({ role: 'testImages', name: 't10k-images-idx3-ubyte', label: 'Test images' }),
  Object.freeze({ role: 'testLabels', name: 't10k-labels-idx1-ubyte', label: 'Test labels' }),
]);

/** ['trainImages', 'trainLabels', 'testImages', 'testLabels'] */
export const MNIST_ROLES = Object.freeze(MNIST_FILES.map((f) => f.role));
