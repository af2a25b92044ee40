// tests/browser/workspace.mjs: staff annotate an image in the internal
// site's workspace (static/workspace.js with Annotorious 3) in headless
// Chromium, as a person works. Run by tests/blackbox/t70-workspace-browser.sh:
//
//   node tests/browser/workspace.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]
//
// The fixture: a 1200 x 800 plain grey public image; "ed" (password "edpw")
// is an editor, "pub" ("pubpw") a publisher. Steps: ed logs in, draws a
// restoration rectangle (damage: flaking) and a descriptive polygon (its
// text a script) with the mouse, fills their forms and saves each; after a
// reload both are listed and drawn, the script shown as text and never run;
// the colours drawn inside the rectangle follow the scheme (the type's red,
// then the damage scheme's second colour, green) with the legend; the
// filter by type hides the polygon from the list; the rectangle dragged by
// 50 px is saved there at once, its form kept; the polygon deleted; #annotation=ID opens
// zoomed on it; pub makes a public annotation with the keyboard only; the
// public page shows that one and not ed's internal ones. Each step prints
// "ok - ..." or fails with a screenshot in OUTDIR. No uncaught exception, no
// console error, no failed request.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 15000;
const base = (process.argv[2] || '').replace(/\/+$/, '');
const id = process.argv[3] || '';
if (!/^https?:\/\/[^/]+$/.test(base) || !/^[a-z0-9]+$/.test(id)) {
  console.error('usage: node tests/browser/workspace.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]');
  process.exit(2);
}
let outDir = process.argv[4];
if (outDir) mkdirSync(outDir, {recursive: true});
else outDir = mkdtempSync(join(tmpdir(), 'vt-workspace-'));

const problems = [];
function check(cond, message) { if (!cond) throw new Error(message); }
function ok(message) { console.log('ok - ' + message); }

const browser = await chromium.launch({executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30000});
const pages = [];
async function open(user, password) {
  const context = await browser.newContext({
    viewport: {width: 1280, height: 900}, locale: 'en-GB',
    httpCredentials: user ? {username: user, password} : undefined});
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on('pageerror', (err) => problems.push('uncaught exception: ' + String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error')
      problems.push('console error: ' + msg.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400)
      problems.push('HTTP ' + r.status() + ' for ' + r.url());
  });
  pages.push(page);
  return page;
}

const internalUrl = `${base}/internal/assets/${id}.html`;

async function ready(page) {
  await page.locator('#workspace[data-ready="true"]').waitFor({state: 'attached'});
  await page.waitForFunction(() => {
    const v = document.getElementById('viewer').vitrineViewer;
    return v && v.world.getItemCount() > 0 && v.world.getItemAt(0).getFullyLoaded();
  });
}

/* Page coordinates of image pixel (x, y). */
async function at(page, x, y) {
  return page.evaluate(([x, y]) => {
    const v = document.getElementById('viewer').vitrineViewer;
    const p = v.viewport.imageToViewerElementCoordinates(new window.OpenSeadragon.Point(x, y));
    const r = v.element.getBoundingClientRect();
    return {x: r.left + p.x, y: r.top + p.y};
  }, [x, y]);
}

/* The colour on screen at image pixel (x, y) (a screenshot, read back in the page). */
async function colourAt(page, x, y) {
  await page.locator('#viewer').scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);   /* the next frame of Annotorious's layer */
  const p = await at(page, x, y);
  const shot = await page.screenshot({clip: {x: Math.round(p.x) - 2, y: Math.round(p.y) - 2,
                                             width: 5, height: 5}});
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(2, 2, 1, 1).data;
    return [d[0], d[1], d[2]];
  }, shot.toString('base64'));
}

async function clickImage(page, x, y) {
  await page.locator('#viewer').scrollIntoViewIfNeeded();
  const p = await at(page, x, y);
  await page.mouse.move(p.x, p.y, {steps: 4});
  await page.mouse.click(p.x, p.y);
  await page.waitForTimeout(150);
}

async function saved(page) {
  await page.locator('.workspace__status').filter({hasText: /^Saved annotation [A-Za-z0-9]{12}\.$/})
    .waitFor();
  return (await page.locator('.workspace__status').textContent()).match(/annotation ([A-Za-z0-9]{12})/)[1];
}

let step = 'start';
try {
  step = 'log in';
  const page = await open('ed', 'edpw');
  await page.goto(internalUrl);
  await ready(page);
  check(await page.locator('#annotations').count() === 0, 'the read-only view is on the internal page too');
  check(await page.locator('#workspace').getAttribute('data-count') === '0', 'annotations before any was made');
  ok('logged in; the workspace is ready with no annotation');

  step = 'rectangle';
  await page.selectOption('#ws-new-type', 'restoration');
  await page.getByRole('button', {name: 'Draw rectangle'}).click();
  await clickImage(page, 100, 100);
  await clickImage(page, 500, 400);
  const form = page.locator('form.workspace__panel');
  await form.waitFor({state: 'visible'});
  check(await page.locator('#ws-type').inputValue() === 'restoration', 'the new rectangle is not a restoration');
  const drawn = {};
  for (const k of ['x', 'y', 'w', 'h'])
    drawn[k] = Number(await page.locator('#ws-region-' + k).inputValue());
  check(Math.abs(drawn.x - 100) <= 6 && Math.abs(drawn.y - 100) <= 6 && Math.abs(drawn.w - 400) <= 12 &&
        Math.abs(drawn.h - 300) <= 12, 'the drawn region is ' + JSON.stringify(drawn));
  await page.selectOption('#ws-field-damage', 'flaking');
  await page.fill('#ws-field-treatment', 'consolidation');
  await form.getByRole('button', {name: 'Save'}).click();
  const rectId = await saved(page);
  ok(`rectangle drawn (${JSON.stringify(drawn)}), its form filled and saved as ${rectId}`);

  step = 'polygon';
  await page.getByRole('button', {name: 'Close'}).click();
  await page.selectOption('#ws-new-type', 'descriptive');
  await page.getByRole('button', {name: 'Draw polygon'}).click();
  for (const [x, y] of [[700, 200], [1000, 200], [850, 600], [700, 200]])
    await clickImage(page, x, y);
  await page.locator('#ws-field-text').waitFor({state: 'visible'});
  check(await page.locator('#ws-type').inputValue() === 'descriptive', 'the polygon is not descriptive');
  check(/Polygon of 3 points/.test(await form.textContent()), 'the panel does not show a 3-point polygon');
  await page.fill('#ws-field-text', '<img src=x onerror="window.__xss=1"> loose paint');
  await page.selectOption('#ws-field-language', 'en');
  await form.getByRole('button', {name: 'Save'}).click();
  const polyId = await saved(page);
  ok(`polygon drawn, its form filled and saved as ${polyId}`);

  step = 'reload';
  await page.goto(internalUrl);
  await page.reload();
  await ready(page);
  check(await page.locator('#workspace').getAttribute('data-count') === '2',
        'after a reload the workspace has ' + await page.locator('#workspace').getAttribute('data-count'));
  const items = page.locator('.workspace__item');
  const texts = await items.allTextContents();
  check(texts.some((t) => t.includes('<img src=x onerror="window.__xss=1"> loose paint')),
        'the polygon\'s text is not shown as text: ' + JSON.stringify(texts));
  check(texts.some((t) => t.includes('damage: flaking')), 'the rectangle is not listed: ' + JSON.stringify(texts));
  check(await page.locator('#workspace img').count() === 0, 'an element was made from a value');
  check(await page.evaluate(() => window.__xss) === undefined, 'the script payload ran');
  ok('after a reload both are listed (the script as text, never run)');

  step = 'colours';
  const red = await colourAt(page, 300, 250);
  check(red[0] > red[1] + 20, 'inside the restoration rectangle (by type) the colour is ' + red);
  const grey = await colourAt(page, 300, 600);
  check(Math.abs(grey[0] - grey[1]) < 8, 'outside every shape the colour is ' + grey);
  await page.selectOption('#ws-scheme', 'damage');
  const green = await colourAt(page, 300, 250);
  check(green[1] > green[0] + 20, 'inside the rectangle (by damage type) the colour is ' + green);
  const legend = await page.locator('.workspace__legend li').evaluateAll((lis) =>
    lis.map((li) => [li.getAttribute('data-value'), li.getAttribute('data-colour')]));
  check(legend.some(([v, c]) => v === 'flaking' && c === '#3cb44b'), 'the legend: ' + JSON.stringify(legend));
  await page.selectOption('#ws-scheme', 'type');
  const back = await colourAt(page, 300, 250);
  check(back[0] > back[1] + 20, 'back to the type scheme the colour is ' + back);
  ok(`colours drawn: by type ${red}, by damage type ${green} (legend: flaking ${'#3cb44b'}), grey outside ${grey}`);

  step = 'filter';
  await page.selectOption('#ws-filter-type', 'descriptive');
  check(await items.count() === 1, 'the type filter left ' + await items.count() + ' entries');
  await page.selectOption('#ws-filter-type', '');
  await page.fill('#ws-filter-text', 'CONSOLIDATION');
  check(await items.count() === 1 && /flaking/.test(await items.first().textContent()), 'the text filter');
  await page.fill('#ws-filter-text', '');
  ok('filters by type and by text');

  step = 'move';
  await page.locator('#viewer').scrollIntoViewIfNeeded();
  await clickImage(page, 300, 250);
  await page.locator('#workspace[data-selected="' + rectId + '"]').waitFor({state: 'attached'});
  const from = await at(page, 300, 250), to = await at(page, 350, 300);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, {steps: 10});
  await page.mouse.up();
  await page.locator('.workspace__status').filter({hasText: `Saved annotation ${rectId}.`}).waitFor();
  const moved = {};
  for (const k of ['x', 'y', 'w', 'h'])
    moved[k] = Number(await page.locator('#ws-region-' + k).inputValue());
  check(Math.abs(moved.x - 150) <= 6 && Math.abs(moved.y - 150) <= 6 && Math.abs(moved.w - 400) <= 2,
        'the moved region is ' + JSON.stringify(moved));
  check(await page.locator('#ws-field-damage').inputValue() === 'flaking', 'the move lost the form');
  await page.getByRole('button', {name: 'Close'}).click();
  ok('the rectangle dragged by 50 px: saved at once as ' + JSON.stringify(moved));

  step = 'deep link';
  await page.goto(`${internalUrl}#annotation=${polyId}`);
  await page.reload();
  await ready(page);
  await page.waitForTimeout(1500);
  const view = await page.evaluate(() => {
    const v = document.getElementById('viewer').vitrineViewer;
    const r = v.viewport.viewportToImageRectangle(v.viewport.getBounds(true));
    return {x: r.x, y: r.y, w: r.width, h: r.height};
  });
  /* The whole image is 1200 x 800 (fit: at least 1200 wide); the polygon
   * is 700..1000 x 200..600, shown with a quarter of its size around it. */
  check(view.w < 1100 && view.h < 700 && view.x <= 700 && view.x + view.w >= 1000 &&
        view.y <= 200 && view.y + view.h >= 600,
        'the deep link did not zoom on the polygon: ' + JSON.stringify(view));
  check(await page.locator('#workspace').getAttribute('data-selected') === polyId, 'the deep link did not select it');
  ok('#annotation=' + polyId + ' opens zoomed on it: ' + JSON.stringify(view));

  step = 'delete';
  await page.locator('form.workspace__panel').getByRole('button', {name: 'Delete'}).click();
  await page.locator('.workspace__status').filter({hasText: `Deleted annotation ${polyId}.`}).waitFor();
  check(await page.locator('#workspace').getAttribute('data-count') === '1', 'the polygon is still counted');
  check(!(await items.allTextContents()).some((t) => t.includes('loose paint')), 'the polygon is still listed');
  ok('the polygon deleted from its panel');

  step = 'publisher with the keyboard';
  const pp = await open('pub', 'pubpw');
  await pp.goto(internalUrl);
  await ready(pp);
  await pp.focus('#ws-new-type');
  await pp.selectOption('#ws-new-type', 'descriptive');
  await pp.getByRole('button', {name: 'Rectangle over this view'}).focus();
  await pp.keyboard.press('Enter');
  await pp.locator('#ws-field-text').waitFor({state: 'visible'});
  check(await pp.evaluate(() => document.activeElement && document.activeElement.id) === 'ws-field-text',
        'the focus did not go to the form');
  await pp.keyboard.type('Public note');
  await pp.focus('#ws-visibility');
  await pp.selectOption('#ws-visibility', 'public');
  await pp.locator('form.workspace__panel').getByRole('button', {name: 'Save'}).focus();
  await pp.keyboard.press('Enter');
  const pubId = await saved(pp);
  ok('the publisher made public annotation ' + pubId + ' with the keyboard');

  step = 'public page';
  const visitor = await open(null, null);
  const publicUrl = `${base}/assets/${id}.html`;
  for (let i = 0; i < 40; i++) {
    await visitor.goto(publicUrl);
    if (await visitor.locator('#annotations').count() > 0)
      break;
    await visitor.waitForTimeout(500);
  }
  await visitor.locator('#annotations[data-drawn="1"]').waitFor({state: 'attached'});
  const publicTexts = await visitor.locator('.annotations__item').allTextContents();
  check(publicTexts.length === 1 && publicTexts[0].includes('Public note'),
        'the public page lists ' + JSON.stringify(publicTexts));
  check(await visitor.locator('#workspace').count() === 0, 'the public page has the workspace');
  ok('the public page shows the public annotation only');

  check(problems.length === 0, 'problems: ' + problems.join('; '));
  ok('no uncaught exception, console error or failed request');
} catch (err) {
  console.error(`not ok - ${step}: ${err.message}`);
  for (const [i, p] of pages.entries())
    await p.screenshot({path: join(outDir, `failure-${i}.png`), fullPage: true}).catch(() => {});
  if (problems.length)
    console.error('problems: ' + problems.join('; '));
  await browser.close();
  process.exit(1);
}
await browser.close();
