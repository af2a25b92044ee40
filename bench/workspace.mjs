// bench/workspace.mjs: load time of the internal page's annotation
// workspace in headless Chromium. Run by bench/workspace:
//
//   N=2000 node bench/workspace.mjs http://127.0.0.1:PORT MANY_ID NONE_ID
//
// Each run opens a fresh context (empty cache) and measures, from
// navigation start, the frame after the workspace says it is ready
// (#workspace[data-ready]: the AnnotationPage read, every annotation given
// to Annotorious and styled, the first 200 listed) with the image's first
// tiles drawn, and when the whole list is built (data-listed: the rest
// comes in the tasks after). The peer is the same page of an image of the
// same size without annotations, interleaved with it. Prints median and p90
// of both and the ratio.
import { chromium } from 'playwright-core';

const base = (process.argv[2] || '').replace(/\/+$/, '');
const many = process.argv[3], none = process.argv[4];
const RUNS = Number(process.env.RUNS || 10);
const N = Number(process.env.N || 2000);
if (!/^https?:\/\/[^/]+$/.test(base) || !many || !none) {
  console.error('usage: node bench/workspace.mjs http://127.0.0.1:PORT MANY_ID NONE_ID');
  process.exit(2);
}

function quantile(v, q) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}

const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: ['--no-sandbox']});
async function once(id, want) {
  const context = await browser.newContext({viewport: {width: 1280, height: 900}});
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/internal/assets/${id}.html`);
  await page.waitForFunction(() => {
    const w = document.querySelector('#workspace[data-ready]');
    const v = document.getElementById('viewer').vitrineViewer;
    return w && v && v.world.getItemCount() > 0 && v.world.getItemAt(0).getFullyLoaded();
  }, null, {timeout: 60000, polling: 'raf'});
  const t = await page.evaluate(() => new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))));
  /* The list's last entries come in the tasks after: when it is whole. */
  await page.waitForFunction(() => document.querySelector('#workspace[data-listed]'), null,
                             {timeout: 60000, polling: 'raf'});
  const listed = await page.evaluate(() => performance.now());
  const count = Number(await page.locator('#workspace').getAttribute('data-count'));
  await context.close();
  if (errors.length)
    throw new Error('page errors: ' + errors.join('; '));
  if (count !== want)
    throw new Error(`the workspace of ${id} has ${count} annotations, not ${want}`);
  return [t, listed];
}

const withMany = [], withNone = [], manyListed = [];
await once(none, 0);   // warm-up: the browser's own start
for (let i = 0; i < RUNS; i++) {
  const [t, listed] = await once(many, N);
  withMany.push(t);
  manyListed.push(listed);
  withNone.push((await once(none, 0))[0]);
}
await browser.close();
const f = (v) => v.toFixed(0);
const m1 = quantile(withMany, 0.5), m0 = quantile(withNone, 0.5);
console.log(`workspace load (navigation to the first frame ready, ${RUNS} runs each, interleaved):`);
console.log(`  ${N} annotations: median ${f(m1)} ms, p90 ${f(quantile(withMany, 0.9))} ms`);
console.log(`  none:             median ${f(m0)} ms, p90 ${f(quantile(withNone, 0.9))} ms`);
console.log(`  ${N} annotations, the whole list built: median ${f(quantile(manyListed, 0.5))} ms, ` +
            `p90 ${f(quantile(manyListed, 0.9))} ms`);
console.log(`  ratio ${(m1 / m0).toFixed(2)}; goal under 2000 ms: ${m1 < 2000 ? 'met' : 'NOT met'}`);
