// Opens the tour page and every page of the built book in headless Chromium, offline, and
// fails if an image does not load, a link inside the page or book is dead, a page throws a
// JavaScript error or asks the network for anything, or TeX shows as raw text. Writes a
// screenshot of the tour page and of one book chapter and prints their paths.
//
// usage: node .ci/browser-check.mjs NODE_MODULES TOUR_DIR BOOK_DIR SHOT_DIR, with
// playwright-core installed in NODE_MODULES (it drives Debian's /usr/bin/chromium).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const [modules, tourDir, bookDir, shotDir] = process.argv.slice(2).map((p) => path.resolve(p));
const { chromium } = createRequire(path.join(modules, 'index.js'))('playwright-core');
const problems = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-quic', '--disable-component-update', '--disable-sync',
  ],
});

/// Checks one page; returns it open (for a screenshot) when `keep` is set.
async function check(file, keep = false) {
  const name = path.relative(process.cwd(), file);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => problems.push(`${name}: JavaScript error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${name}: console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) {
      problems.push(`${name}: asks the network for ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    if (r.url().startsWith('file:')) problems.push(`${name}: cannot load ${r.url()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  await page.evaluate(() => document.fonts.ready);
  const found = await page.evaluate(() => {
    const images = [...document.images]
      .filter((img) => !(img.complete && img.naturalWidth > 0))
      .map((img) => img.getAttribute('src'));
    const links = [...document.querySelectorAll('a[href]')].map((a) => a.href);
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    // The text a reader sees, without code (which may show TeX on purpose).
    const body = document.body.cloneNode(true);
    body.querySelectorAll('pre, code, script, style, .katex-mathml').forEach((e) => e.remove());
    const text = body.innerText;
    const katexErrors = document.querySelectorAll('.katex-error').length;
    return { images, links, ids, text, katexErrors };
  });
  for (const src of found.images) problems.push(`${name}: image does not load: ${src}`);
  for (const href of found.links) {
    if (!href.startsWith('file:')) continue;
    const url = new URL(href);
    const target = fileURLToPath(url);
    if (!fs.existsSync(target)) {
      problems.push(`${name}: dead link to ${target}`);
    } else if (url.hash && target === file && !found.ids.includes(decodeURIComponent(url.hash.slice(1)))) {
      problems.push(`${name}: dead anchor ${url.hash}`);
    }
  }
  for (const tex of ['$$', '\\frac', '\\begin{', '\\sum', '\\mathbf']) {
    const at = found.text.indexOf(tex);
    if (at >= 0) {
      problems.push(`${name}: raw TeX shows as text: …${found.text.slice(Math.max(0, at - 40), at + 40)}…`);
    }
  }
  if (found.katexErrors > 0) problems.push(`${name}: ${found.katexErrors} formulas failed to typeset`);
  if (keep) return page;
  await page.close();
  return null;
}

fs.mkdirSync(shotDir, { recursive: true });
const tour = await check(path.join(tourDir, 'index.html'), true);
const tourShot = path.join(shotDir, 'tour.png');
await tour.screenshot({ path: tourShot });
await tour.close();

const pages = fs.readdirSync(bookDir)
  .filter((f) => f.endsWith('.html') && f !== 'print.html' && f !== '404.html' && f !== 'toc.html')
  .sort();
let chapterShot = null;
for (const f of pages) {
  const keep = f === '06-mixture.html';
  const page = await check(path.join(bookDir, f), keep);
  if (page) {
    chapterShot = path.join(shotDir, 'book-06-mixture.png');
    await page.screenshot({ path: chapterShot });
    await page.close();
  }
}
await browser.close();

console.log(`checked the tour page and ${pages.length} book pages in Chromium`);
console.log(`screenshot of the tour page: ${tourShot}`);
if (chapterShot) console.log(`screenshot of a book chapter: ${chapterShot}`);
if (problems.length > 0) {
  console.error(`${problems.length} problems:`);
  for (const p of problems.slice(0, 200)) console.error(`  ${p}`);
  process.exit(1);
}
