// tests/browser/harness.mjs: what the browser tests share: a run of named
// steps in one headless Chromium, pages on which every problem is recorded,
// and the report of a failed step (its message, the page's problems, a
// screenshot in OUTDIR), after which the run exits with status 1.
//
// A problem is a console error, an uncaught exception, a failed request, a
// response >= 400 or a dialog. A request aborted by the page's own
// navigation (net::ERR_ABORTED) is not one: a missing file still shows as
// an HTTP error. A step allows more with predicates on {kind, text, url}.
// finishPage() also fails when window.__xss is set: a hostile value that
// ran as code.
//
//   const run = new Run({base, outDir: outDirArg(process.argv[3], 'vt-browser-')});
//   await run.launch({viewport: {width: 1280, height: 900}});
//   await run.step('home', async () => {
//     const page = await run.newPage();
//     ...
//     await run.finishPage(page);
//   });
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
// Mirador 4 with React 19 logs this once when it renders (a React warning
// about MUI internals, not about our pages); allowed on Mirador pages only.
export const MIRADOR_KNOWN_ERROR = 'element.ref was removed';
// That one, and when Mirador's sidebar opens on a panel (search,
// annotations) MUI now and then warns that the tab it is given is not
// registered yet (a race inside Mirador, 1 run in 7 here).
const MIRADOR_KNOWN_ERRORS = [MIRADOR_KNOWN_ERROR, 'The `value` provided to the Tabs component is invalid'];
// What a Mirador page may log: give it in run.newPage's allow list.
export const miradorNoise = ({kind, text}) =>
  kind === 'console error' && MIRADOR_KNOWN_ERRORS.some((e) => text.includes(e));

export class StepFailure extends Error {}

const AXE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'axe-core',
                 'axe.min.js');

export function check(condition, message) {
  if (!condition)
    throw new StepFailure(message);
}

/* The same values, in any order and number. */
export function sameSet(actual, expected) {
  const a = [...new Set(actual)].sort();
  const e = [...new Set(expected)].sort();
  return a.length === e.length && a.every((v, i) => v === e[i]);
}

/* The base URL argument (http://HOST:PORT, no trailing slash), or exit 2
 * with @usage. */
export function baseArg(arg, usage) {
  const base = (arg || '').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(base)) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return base;
}

/* An asset id argument (lower-case letters and digits), or exit 2 with
 * @usage. */
export function idArg(arg, usage) {
  if (!/^[a-z0-9]+$/.test(arg || '')) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return arg;
}

/* OUTDIR, created; a new temporary folder named @prefix... without one. */
export function outDirArg(arg, prefix) {
  if (!arg)
    return mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(arg, {recursive: true});
  return arg;
}

export class Run {
  /* @timeout: one wait, in ms. @onPage(page): called on each new page
   * (routes, extra listeners). @only: a RegExp of the steps to run (by
   * hand). @fullPageShots: whole-page screenshots of a failure. */
  constructor({base, outDir, timeout = 15000, onPage = null, only = null, fullPageShots = true}) {
    Object.assign(this, {base, outDir, timeout, onPage, only, fullPageShots});
    this.browser = null;
    this.context = null;
    this.current = null;       // the page of the running step, for the screenshot
    this.started = Date.now();
  }

  async launch(contextOptions = {}) {
    try {
      this.browser = await chromium.launch({executablePath: CHROMIUM, args: ['--no-sandbox'],
                                            timeout: 30000});
    } catch (err) {
      console.log(`FAIL: cannot start ${CHROMIUM}: ${err.message}`);
      process.exit(1);
    }
    this.context = await this.browser.newContext(contextOptions);
  }

  /* A new page whose problems go to page.problems, those @allow matches to
   * page.allowed. @viewport: its size. @fresh: in a context of its own
   * (true, or that context's options), with an empty cache, so that every
   * request is one the step can see. */
  async newPage(allow = [], {viewport = null, fresh = false} = {}) {
    const page = fresh ? await (await this.browser.newContext(fresh === true ? {} : fresh)).newPage()
                       : await this.context.newPage();
    if (viewport)
      await page.setViewportSize(viewport);
    page.setDefaultTimeout(this.timeout);
    page.problems = [];
    page.allowed = [];
    const note = (kind, text, url = '') => {
      const line = `${kind}: ${text}${url ? ' (' + url + ')' : ''}`;
      (allow.some((f) => f({kind, text, url})) ? page.allowed : page.problems).push(line);
    };
    page.on('console', (msg) => {
      if (msg.type() === 'error')
        note('console error', msg.text(), msg.location()?.url || '');
    });
    page.on('pageerror', (err) => note('uncaught exception', String(err && err.stack || err)));
    page.on('requestfailed', (req) => {
      if (req.failure()?.errorText !== 'net::ERR_ABORTED')
        note('failed request', `${req.method()} ${req.failure()?.errorText || 'failed'}`, req.url());
    });
    page.on('response', (res) => {
      if (res.status() >= 400)
        note('HTTP error', `${res.status()} ${res.request().method()}`, res.url());
    });
    page.on('dialog', async (dialog) => {
      note('dialog', `${dialog.type()} "${dialog.message()}"`);
      await dialog.dismiss().catch(() => {});
    });
    if (this.onPage)
      await this.onPage(page);
    this.current = page;
    return page;
  }

  /* The checks every page ends with; closes it. */
  async finishPage(page) {
    const xss = await page.evaluate(() => typeof window.__xss);
    check(xss === 'undefined', `window.__xss is set (${xss}): a hostile value ran as code`);
    check(page.problems.length === 0, `problems on ${page.url()}:\n  ${page.problems.join('\n  ')}`);
    for (const line of page.allowed)
      console.log(`# allowed on ${page.url().slice(this.base.length, this.base.length + 80)}: ` +
                  line.slice(0, 200));
    await page.close();
    if (page.context() !== this.context)
      await page.context().close();
    this.current = null;
  }

  async step(name, fn) {
    if (this.only && !this.only.test(name))
      return;
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (err) {
      console.log(`not ok - ${name}`);
      console.log(`FAIL: ${name}: ${err instanceof StepFailure ? err.message : err && err.stack || err}`);
      const page = this.current;
      if (page && !page.isClosed()) {
        if (page.problems.length > 0)
          console.log(`  problems seen on the page so far:\n    ${page.problems.join('\n    ')}`);
        const shot = join(this.outDir, `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
        try {
          await page.screenshot({path: shot, fullPage: this.fullPageShots});
          console.log(`  screenshot: ${shot}`);
        } catch (e) {
          console.log(`  (no screenshot: ${e.message})`);
        }
      }
      await this.browser?.close().catch(() => {});
      process.exit(1);
    }
  }

  async close() {
    await this.browser?.close();
    console.log(`# ${((Date.now() - this.started) / 1000).toFixed(1)} s`);
  }
}

/* axe-core on the page as it is (injected as an inline script: a page
 * served with the site's Content-Security-Policy needs a context with
 * bypassCSP): a step failure for any serious or critical violation, the
 * others listed as a note. @exclude: selectors of third-party markup left
 * out (axe-core's context.exclude). */
/* A PNG screenshot's pixels as {W, H, d} (d: RGBA bytes, a Buffer), decoded
 * by Chromium in @page (any page of the run). */
export async function pixelsOf(page, png) {
  const got = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const bytes = g.getImageData(0, 0, c.width, c.height).data;
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return {W: c.width, H: c.height, b64: btoa(bin)};
  }, png.toString('base64'));
  return {W: got.W, H: got.H, d: Buffer.from(got.b64, 'base64')};
}

export async function axe(page, what, exclude = []) {
  await page.addScriptTag({path: AXE});
  const result = await page.evaluate(async (exclude) => {
    const context = exclude.length ? {include: [document], exclude: exclude.map((s) => [s])} : document;
    const r = await window.axe.run(context, {resultTypes: ['violations']});
    return r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}));
  }, exclude);
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe-core on ${what}: ${JSON.stringify(bad, null, 1)}`);
  if (result.length)
    console.log(`# axe-core on ${what}, minor or moderate: ${result.map((v) => v.id + ' (' + v.impact + ')').join(', ')}`);
}
