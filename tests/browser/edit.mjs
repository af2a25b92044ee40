// tests/browser/edit.mjs: a member of staff edits an asset's metadata on
// the internal site in headless Chromium, as a person works: keyboard and
// clicks. Run by tests/blackbox/t68-edit-browser.sh:
//
//   node tests/browser/edit.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]
//
// The fixture: user "ed" (password "edpw") is an editor, not a publisher;
// "craquelure" is a keyword of three other assets; ASSET_ID has the keyword
// "silver". Steps: log in; a near-duplicate ("Craquelure ") is pointed out
// with its count before it is saved; typing "craq" suggests "craquelure
// (3)", picked with the keyboard, and saved (the page shows it at once);
// a value added and removed again; the visibility change refused with the
// CGI's message; after a reload the published page lists the changes in
// its history; from the internal search results two of the three
// altarpiece images are ticked and given material = oak. Each step prints "ok - ..." or fails with a screenshot in
// OUTDIR. No uncaught exception, no console error but the 403 the refused
// step expects.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 15000;
const base = (process.argv[2] || '').replace(/\/+$/, '');
const id = process.argv[3] || '';
if (!/^https?:\/\/[^/]+$/.test(base) || !/^[a-z0-9]+$/.test(id)) {
  console.error('usage: node tests/browser/edit.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]');
  process.exit(2);
}
let outDir = process.argv[4];
if (outDir) mkdirSync(outDir, {recursive: true});
else outDir = mkdtempSync(join(tmpdir(), 'vt-edit-'));

const problems = [];
let allow403 = false;
function check(cond, message) { if (!cond) throw new Error(message); }
function ok(message) { console.log('ok - ' + message); }

const browser = await chromium.launch({executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30000});
const context = await browser.newContext({viewport: {width: 1280, height: 900}, locale: 'en-GB',
                                          httpCredentials: {username: 'ed', password: 'edpw'}});
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT_MS);
page.on('pageerror', (err) => problems.push('uncaught exception: ' + String(err)));
page.on('console', (msg) => {
  if (msg.type() === 'error' && !(allow403 && /403/.test(msg.text())))
    problems.push('console error: ' + msg.text());
});
page.on('response', (r) => {
  const url = r.url();
  if (r.status() >= 400 && !(allow403 && r.status() === 403 && url.includes('vitrine-edit.cgi')))
    problems.push('HTTP ' + r.status() + ' for ' + url);
});

const assetUrl = `${base}/internal/assets/${id}.html`;
try {
  await page.goto(assetUrl);
  const editor = page.locator('[data-module="metadata-editor"]');
  await editor.locator('form.metadata-editor__add').waitFor({state: 'visible'});
  check(await page.locator('.metadata-editor__status').textContent() === '',
        'the editor did not start (its status still says it needs JavaScript)');
  ok('logged in; the internal page shows the metadata form');

  // The terms arrive by fetch: wait until typing suggests something.
  const value = editor.getByLabel('Value', {exact: true});
  await editor.getByLabel('Field', {exact: true}).selectOption('keywords');

  // A near-duplicate is pointed out before it is saved.
  await value.fill('Craquelure ');
  await editor.getByRole('button', {name: 'Add value'}).click();
  const warning = page.locator('.metadata-editor__warning');
  await warning.waitFor({state: 'visible'});
  const said = await warning.textContent();
  check(said.includes('Did you mean \u2018craquelure\u2019, used 3 times?'), 'warning: ' + said);
  ok('near-duplicate pointed out: ' + said.split('?')[0] + '?');

  // Typing suggests the term in use; pick it with the keyboard.
  await value.fill('');
  await value.pressSequentially('craq', {delay: 40});
  const option = editor.getByRole('option', {name: /craquelure/});
  await option.waitFor({state: 'visible'});
  check((await option.textContent()).includes('(3)'), 'the suggestion does not show its count');
  check(await value.getAttribute('aria-expanded') === 'true', 'the combobox is not expanded');
  await value.press('ArrowDown');
  check(await option.getAttribute('aria-selected') === 'true', 'ArrowDown did not select it');
  await value.press('Enter');
  check(await value.inputValue() === 'craquelure', 'picking did not fill the value');
  ok('typing "craq" suggests craquelure (3); picked with ArrowDown + Enter');
  await editor.getByRole('button', {name: 'Add value'}).click();
  await page.locator('.metadata-editor__status', {hasText: 'Saved.'}).waitFor();
  const shown = await page.locator('.metadata-group--custom [data-field="keywords"] dd').allTextContents();
  check(JSON.stringify(shown) === JSON.stringify(['silver', 'craquelure']), 'shown: ' + JSON.stringify(shown));
  ok('saved; the page shows keywords silver, craquelure at once');

  // Add a value in French, then remove it with its own button.
  await editor.getByLabel('Field', {exact: true}).selectOption('material');
  await value.fill('bois');
  await editor.getByLabel('Language').selectOption('fr');
  await editor.getByRole('button', {name: 'Add value'}).click();
  await page.locator('.metadata-group--custom [data-field="material"] dd[lang="fr"]', {hasText: 'bois'}).waitFor();
  await editor.getByRole('button', {name: 'Remove Material: bois'}).click();
  await page.locator('.metadata-group--custom [data-field="material"]').waitFor({state: 'detached'});
  ok('a value added (fr) and removed again');

  // An editor may not change the visibility: the CGI's answer is shown.
  allow403 = true;
  await editor.getByLabel('Visibility (publishers only)').selectOption('internal');
  await editor.getByRole('button', {name: 'Change visibility'}).click();
  await page.locator('.metadata-editor__status', {hasText: 'publishers only'}).waitFor();
  allow403 = false;
  ok('visibility refused for an editor: ' + await page.locator('.metadata-editor__status').textContent());

  // vitrined publishes the page again: the history lists the changes.
  let history = [];
  for (let i = 0; i < 40; i++) {
    await page.goto(assetUrl);
    history = await page.locator('.history__entry').allTextContents();
    if (history.length >= 3) break;
    await page.waitForTimeout(250);
  }
  check(history.length === 3, 'history entries: ' + JSON.stringify(history));
  check(history.some((h) => /ed \(web\)[\s\S]*keywords: silver → silver, craquelure/.test(h)),
        'no history entry for the keyword: ' + JSON.stringify(history));
  ok('after publishing, the page\'s history has the 3 changes by ed (web)');

  // Bulk edit from the internal search results: tick two of the three
  // altarpiece images, set material = oak (en) on them.
  await page.goto(`${base}/internal/search.html?q=altarpiece`);
  await page.locator('#search-hits li.hit').nth(2).waitFor();
  check(await page.locator('#search-hits li.hit').count() === 3, 'expected 3 altarpiece hits');
  await page.getByLabel('Select Altarpiece, front').check();
  await page.getByLabel('Select Altarpiece, back').check();
  const apply = page.getByRole('button', {name: 'Apply to the 2 selected images'});
  await page.locator('#bulk-field').fill('material');
  await page.locator('#bulk-value').fill('oak');
  await page.locator('#bulk-lang').selectOption('en');
  await apply.click();
  await page.locator('.bulk-edit__status', {hasText: 'Saved on 2 images.'}).waitFor();
  ok('bulk edit from the search results: material = oak (en) saved on the 2 ticked images');

  check(problems.length === 0, problems.join('; '));
  ok('no console error, uncaught exception or failed request');
} catch (err) {
  await page.screenshot({path: join(outDir, 'failure.png'), fullPage: true}).catch(() => {});
  console.error('FAIL: ' + err.message + (problems.length ? ' (also: ' + problems.join('; ') + ')' : ''));
  await browser.close();
  process.exit(1);
}
await browser.close();
