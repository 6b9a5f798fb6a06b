// The form's fields as the page has them (web/index.html): the schema's, but
// Adam's constants, and the page's own two (epochs, lrDecay).
export const FORM = [
  'layers',
  'activation',
  'loss',
  'optimizer',
  'learningRate',
  'momentum',
  'batchSize',
  'l2',
  'seed',
  'gradient',
  'trainLimit',
  'init',
  'batching',
  'epochs',
  'lrDecay',
];
