// Unit tests for web/page/ui/class_names.js: what the page calls a class and an
// image (a digit for MNIST, an image of named classes), in each form index.html
// and the views write it; and index.html's marked words (ui/item_words_view.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { className, isItemWordForm, itemWord, itemWordAs } from '../../web/page/ui/class_names.js';

const NAMED = ['cat', 'dog'];

test('MNIST keeps its words: a digit, in every form, as written', () => {
  assert.equal(itemWord(null), 'digit');
  for (const form of ['digit', 'digits', 'Digit', 'Digits', 'a digit', 'A digit', 'a digits'])
    assert.equal(itemWordAs(null, form), form);
  assert.equal(itemWordAs(undefined, 'Digits'), 'Digits');
  assert.equal(itemWordAs(null, 'digit', 'drawing'), 'digit');
  assert.equal(className(null, 7), '7');
});

test('named classes: an image, in the form of the marker (number, capital, article)', () => {
  assert.equal(itemWord(NAMED), 'image');
  assert.equal(itemWordAs(NAMED, 'digit'), 'image');
  assert.equal(itemWordAs(NAMED, 'digits'), 'images');
  assert.equal(itemWordAs(NAMED, 'Digit'), 'Image');
  assert.equal(itemWordAs(NAMED, 'Digits'), 'Images');
  assert.equal(itemWordAs(NAMED, 'a digit'), 'an image');
  assert.equal(itemWordAs(NAMED, 'A digit'), 'An image');
  assert.equal(itemWordAs([], 'digits'), 'images', 'an empty list still names its classes');
});

test('named classes: another word where "image" is not it, with its own article and plural', () => {
  assert.equal(itemWordAs(NAMED, 'digit', 'drawing'), 'drawing');
  assert.equal(itemWordAs(NAMED, 'a digit', 'drawing'), 'a drawing');
  assert.equal(itemWordAs(NAMED, 'Digit', 'class'), 'Class');
  assert.equal(itemWordAs(NAMED, 'digits', 'class'), 'classes');
});

test('an unknown form is left as it is, for either data', () => {
  for (const form of ['', 'digital', 'the digit', 'DIGIT', 'digit’s']) {
    assert.equal(isItemWordForm(form), false, form);
    assert.equal(itemWordAs(NAMED, form), form);
    assert.equal(itemWordAs(null, form), form);
  }
  assert.equal(isItemWordForm('a digit'), true);
});

// index.html: every marked word is a form itemWordAs knows, and the marker's text (MNIST's) is that form.
const html = readFileSync(new URL('../../web/index.html', import.meta.url), 'utf8');

test('index.html marks its words for an image in forms itemWordAs knows', () => {
  const texts = [
    ...html.matchAll(/<span data-item-word="([^"]*)"(?: data-item-word-named="([a-z]+)")?>([^<]*)<\/span>/g),
  ];
  assert.equal(
    texts.length,
    (html.match(/data-item-word="/g) ?? []).length,
    'each text marker is a <span> of its word',
  );
  assert.ok(texts.length >= 10, `${texts.length} marked words`);
  for (const [, form, , text] of texts) {
    assert.ok(isItemWordForm(form), form);
    assert.equal(text, form, 'MNIST’s text is the marker’s form');
  }
  const labels = [...html.matchAll(/<[a-z]+\s[^>]*data-item-word-label="([^"]*)"[^>]*>/g)];
  assert.ok(labels.length >= 4, `${labels.length} marked labels`);
  for (const [tag, form] of labels) {
    assert.ok(isItemWordForm(form), form);
    const label = /aria-label="([^"]*)"/.exec(tag)?.[1] ?? '';
    assert.match(label, new RegExp(`\\b${form}\\b`), `"${label}" holds "${form}"`);
  }
});

test('index.html: no "digit" outside a marker where the page shows the data’s images', () => {
  // The Inside view's path, the Backprop view's chooser and the Classify view are about the data's images.
  for (const [from, to] of [
    ['id="path-panel"', 'id="health-panel"'],
    ['id="bp-h"', 'id="bp-body"'],
    ['id="classify-h"', 'id="runs"'],
  ]) {
    const section = html.slice(html.indexOf(from), html.indexOf(to));
    assert.ok(section.length > 500, from);
    const unmarked = section
      .replace(/<span data-item-word="[^"]*"[^>]*>[^<]*<\/span>/g, '')
      .replace(/aria-label="[^"]*"\s+data-item-word-label="[^"]*"/g, '');
    assert.doesNotMatch(unmarked, /\bdigits?\b/i, from);
  }
});
