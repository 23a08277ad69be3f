// What the browser tests share: Debian's Chromium driven by playwright-core
// (bench/web/chromium.js: where Chromium is missing, launching it fails naming
// what to install), and the walk of a module's relative imports.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export { launchChromium } from '../bench/web/chromium.js';

/** Relative specifiers of static imports, re-exports and dynamic imports in a module's text. */
function specifiers(code) {
  const found = [];
  for (const re of [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]) {
    for (const m of code.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/**
 * Every file a module loads, following relative imports from `entry`; fails
 * (through `check`) on any other specifier: a browser without an import map or
 * bundler can load only relative ones. dist/load-node.js is Node's file reader,
 * which browsers never fetch (browser.test.js checks that), so it is not followed.
 */
export function relativeImports(entry, root, check) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiers(readFileSync(file, 'utf8'))) {
      check(s.startsWith('./') || s.startsWith('../'), `${path.relative(root, file)} imports '${s}'`);
      const next = path.resolve(path.dirname(file), s);
      if (path.relative(root, next) !== 'dist/load-node.js') visit(next);
    }
  };
  visit(entry);
  return seen;
}
