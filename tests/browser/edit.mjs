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
// altarpiece images are ticked and given material = oak. Each step prints
// "ok - ..." or fails with a screenshot in OUTDIR (tests/browser/harness.mjs).
// No uncaught exception, console error, failed request, response >= 400 or
// dialog but the edit CGI's 403 the refused step expects.
import { Run, check, baseArg, idArg, outDirArg } from './harness.mjs';

const USAGE = 'node tests/browser/edit.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]';
const base = baseArg(process.argv[2], USAGE);
const id = idArg(process.argv[3], USAGE);
const run = new Run({base, outDir: outDirArg(process.argv[4], 'vt-edit-'), timeout: 15000});
await run.launch({viewport: {width: 1280, height: 900}, locale: 'en-GB',
                  httpCredentials: {username: 'ed', password: 'edpw'}});

// The refused step expects the edit CGI's 403 (and the console's line
// about it); nowhere else.
let allow403 = false;
const page = await run.newPage([({kind, text, url}) => allow403 && url.includes('vitrine-edit.cgi') &&
  ((kind === 'HTTP error' && text.startsWith('403 ')) ||
   (kind === 'console error' && /status of 403/.test(text)))]);
const assetUrl = `${base}/internal/assets/${id}.html`;
const editor = page.locator('[data-module="metadata-editor"]');
const value = editor.getByLabel('Value', {exact: true});

await run.step('logged in; the internal page shows the metadata form', async () => {
  await page.goto(assetUrl);
  await editor.locator('form.metadata-editor__add').waitFor({state: 'visible'});
  check(await page.locator('.metadata-editor__status').textContent() === '',
        'the editor did not start (its status still says it needs JavaScript)');
});

await run.step('near-duplicate pointed out with its count', async () => {
  // The terms arrive by fetch: wait until typing suggests something.
  await editor.getByLabel('Field', {exact: true}).selectOption('keywords');
  // A near-duplicate is pointed out before it is saved.
  await value.fill('Craquelure ');
  await editor.getByRole('button', {name: 'Add value'}).click();
  const warning = page.locator('.metadata-editor__warning');
  await warning.waitFor({state: 'visible'});
  const said = await warning.textContent();
  check(said.includes('Did you mean \u2018craquelure\u2019, used 3 times?'), 'warning: ' + said);
  console.log('# ' + said.split('?')[0] + '?');
});

await run.step('typing "craq" suggests craquelure (3); picked with ArrowDown + Enter', async () => {
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
});

await run.step('saved; the page shows keywords silver, craquelure at once', async () => {
  await editor.getByRole('button', {name: 'Add value'}).click();
  await page.locator('.metadata-editor__status', {hasText: 'Saved.'}).waitFor();
  const shown = await page.locator('.metadata-group--custom [data-field="keywords"] dd').allTextContents();
  check(JSON.stringify(shown) === JSON.stringify(['silver', 'craquelure']), 'shown: ' + JSON.stringify(shown));
});

await run.step('a value added (fr) and removed again', async () => {
  await editor.getByLabel('Field', {exact: true}).selectOption('material');
  await value.fill('bois');
  await editor.getByLabel('Language').selectOption('fr');
  await editor.getByRole('button', {name: 'Add value'}).click();
  await page.locator('.metadata-group--custom [data-field="material"] dd[lang="fr"]', {hasText: 'bois'}).waitFor();
  await editor.getByRole('button', {name: 'Remove Material: bois'}).click();
  await page.locator('.metadata-group--custom [data-field="material"]').waitFor({state: 'detached'});
});

await run.step('visibility refused for an editor, with the CGI\'s message', async () => {
  allow403 = true;
  await editor.getByLabel('Visibility (publishers only)').selectOption('internal');
  await editor.getByRole('button', {name: 'Change visibility'}).click();
  await page.locator('.metadata-editor__status', {hasText: 'publishers only'}).waitFor();
  allow403 = false;
  console.log('# ' + await page.locator('.metadata-editor__status').textContent());
});

await run.step('after publishing, the page\'s history has the 3 changes by ed (web)', async () => {
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
});

await run.step('bulk edit from the search results: material = oak (en) saved on the 2 ticked images', async () => {
  // Tick two of the three altarpiece images, set material = oak (en) on them.
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
});

await run.step('no console error, uncaught exception, failed request or dialog', () => run.finishPage(page));
await run.close();
