// axe-core in the page under test: the accessibility bar every view and
// panel is held to (no serious or critical violation). Loaded into the page
// once, from the pinned npm package (no network).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe's violations in the element with id `root`, or in the whole document without one:
 * [{ id, impact, nodes: [CSS selector] }].
 * @param {import('playwright-core').Page} page
 * @param {string | null} [root]
 */
export async function axeViolations(page, root = null) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (id) => {
    const r = await window.axe.run(id ? document.getElementById(id) : document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, root);
}

/** The serious and critical ones among axeViolations(page, root). */
export async function axeProblems(page, root = null) {
  return (await axeViolations(page, root)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
