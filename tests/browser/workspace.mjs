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
// zoomed on it; pub makes a public annotation with the keyboard only, then
// a public tag polygon drawn by keyboard (crosshair, arrow keys, Enter,
// "Close the polygon"), its terms completed by picking a suggested term;
// the public page shows those two and not ed's internal ones; Mirador 4
// draws the two shapes over the public canvas (counted on screen) and
// Universal Viewer 4 draws the two as hits of a search inside the image;
// under a policy without 'unsafe-eval' the workspace says why it cannot
// draw. The site is in English and French ([site] languages=en,fr): the
// steps above run on /en/; the French internal page's workspace speaks
// French (its tools, a new annotation's form, its check and its discard,
// axe-core clean), and the French public page opens the site's own Mirador
// and Universal Viewer pages in French (our texts and the viewers'). Each
// step prints "ok - ..." or fails with a screenshot in OUTDIR
// (tests/browser/harness.mjs). On every page: no uncaught exception,
// console error, failed request, response >= 400 or dialog but those a
// step names, and window.__xss never set.
//
// The fixture also gives the image the keywords "craquelure" and "oak"
// (terms.json): ed's restoration takes "oak" as its material by picking
// the suggestion.
import { Run, StepFailure, check, baseArg, idArg, outDirArg, axe, miradorNoise, pixelsOf } from './harness.mjs';

const USAGE = 'node tests/browser/workspace.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]';
const base = baseArg(process.argv[2], USAGE);
const id = idArg(process.argv[3], USAGE);
const run = new Run({base, outDir: outDirArg(process.argv[4], 'vt-workspace-'), timeout: 15000});
await run.launch();

const note = (message) => console.log('# ' + message);

/* A page in a context of its own, logged in as @user (null: a visitor);
 * @allow: what it may show (run.newPage's); @options: more of the
 * context's (bypassCSP, for axe-core's inline script). */
function open(user, password, allow = [], options = {}) {
  return run.newPage(allow, {fresh: {viewport: {width: 1280, height: 900}, locale: 'en-GB',
    httpCredentials: user ? {username: user, password} : undefined, ...options}});
}

const internalUrl = `${base}/internal/en/assets/${id}.html`;

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
  const {W, d} = await pixelsOf(page, await page.screenshot({
    clip: {x: Math.round(p.x) - 2, y: Math.round(p.y) - 2, width: 5, height: 5}}));
  const i = 4 * (2 * W + 2);
  return [d[i], d[i + 1], d[i + 2]];
}

async function clickImage(page, x, y) {
  await page.locator('#viewer').scrollIntoViewIfNeeded();
  const p = await at(page, x, y);
  await page.mouse.move(p.x, p.y, {steps: 4});
  await page.mouse.click(p.x, p.y);
  await page.waitForTimeout(150);
}

/* Types @typed into the term field @selector, waits for the suggestion
 * @term and takes it with the keyboard (Down until it is highlighted, then
 * Enter), as a person would. */
async function pickSuggestion(page, selector, typed, term) {
  const input = page.locator(selector);
  await input.fill('');
  await input.pressSequentially(typed, {delay: 30});
  const list = page.locator(selector + '-terms');
  const option = list.getByRole('option').filter({hasText: new RegExp('^' + term + ' ')});
  await option.waitFor({state: 'visible'});
  check(await input.getAttribute('aria-expanded') === 'true', 'the term combobox is not expanded');
  const n = await list.getByRole('option').count();
  for (let i = 0; i < n && await option.getAttribute('aria-selected') !== 'true'; i++)
    await input.press('ArrowDown');
  check(await option.getAttribute('aria-selected') === 'true', 'the suggestion ' + term + ' was not highlighted');
  const shown = (await option.textContent()).trim();
  await input.press('Enter');
  check(await list.isHidden(), 'the suggestions stay open after the pick');
  return {value: await input.inputValue(), shown};
}

/* Moves the keyboard crosshair to about image pixel (x, y) with the arrow
 * keys (Shift for long steps) and returns where it is. */
async function crosshairTo(page, x, y) {
  const pad = page.locator('.workspace__crosshair');
  for (let i = 0; i < 200; i++) {
    const [cx, cy] = (await pad.getAttribute('data-crosshair')).split(',').map(Number);
    /* one arrow step in image pixels (10 screen pixels) */
    const unit = await page.evaluate(() => {
      const v = document.getElementById('viewer').vitrineViewer;
      return 10 * (v.viewport.viewerElementToImageCoordinates(new window.OpenSeadragon.Point(1, 0)).x -
                   v.viewport.viewerElementToImageCoordinates(new window.OpenSeadragon.Point(0, 0)).x);
    });
    const dx = x - cx, dy = y - cy;
    if (Math.abs(dx) <= unit / 2 + 1 && Math.abs(dy) <= unit / 2 + 1)
      return [cx, cy];
    const horizontal = Math.abs(dx) > unit / 2 + 1;
    const d = horizontal ? dx : dy;
    const key = horizontal ? (d < 0 ? 'ArrowLeft' : 'ArrowRight') : (d < 0 ? 'ArrowUp' : 'ArrowDown');
    await pad.press(Math.abs(d) > 5 * unit ? 'Shift+' + key : key);
  }
  throw new StepFailure('the crosshair did not reach ' + x + ',' + y + ': ' + await pad.getAttribute('data-crosshair'));
}

/* Screenshot of @locator, read back in the page: the shapes drawn over the
 * plain grey image (128, 128, 128) it shows, whatever their colour (a
 * viewer draws hovered and selected ones in other colours): the pixels
 * inside the image's area that are not grey, in groups of pixels at most 2
 * apart (an antialiased diagonal is not one connected line), each as
 * {n, x0, y0, x1, y1}; specks under 20 pixels left out. */
async function shapesDrawn(page, locator) {
  const {W, H, d} = await pixelsOf(page, await locator.screenshot());
  const grey = (i) => Math.abs(d[4 * i] - 128) <= 6 && Math.abs(d[4 * i + 1] - 128) <= 6 &&
    Math.abs(d[4 * i + 2] - 128) <= 6;
  /* The image's area: the rows and columns mostly grey (icons elsewhere
   * may have a grey pixel or two). */
  const rows = new Array(H).fill(0), cols = new Array(W).fill(0);
  for (let i = 0; i < W * H; i++)
    if (grey(i)) {
      const x = i % W;
      cols[x]++;
      rows[(i - x) / W]++;
    }
  const span = (counts) => {
    const most = Math.max(...counts);
    const at = counts.map((n, k) => (n > most / 2 ? k : -1)).filter((k) => k >= 0);
    return [Math.min(...at), Math.max(...at)];
  };
  const [gx0, gx1] = span(cols), [gy0, gy1] = span(rows);
  const on = new Uint8Array(W * H);
  for (let y = gy0 + 2; y <= gy1 - 2; y++)
    for (let x = gx0 + 2; x <= gx1 - 2; x++)
      on[y * W + x] = grey(y * W + x) ? 0 : 1;
  const groups = [];
  for (let i = 0; i < W * H; i++) {
    if (on[i] !== 1)
      continue;
    const box = {n: 0, x0: W, y0: H, x1: 0, y1: 0};
    const stack = [i];
    on[i] = 2;
    while (stack.length) {
      const p = stack.pop(), x = p % W, y = (p - x) / W;
      box.n++;
      box.x0 = Math.min(box.x0, x); box.x1 = Math.max(box.x1, x);
      box.y0 = Math.min(box.y0, y); box.y1 = Math.max(box.y1, y);
      for (let yy = Math.max(0, y - 2); yy <= Math.min(H - 1, y + 2); yy++)
        for (let xx = Math.max(0, x - 2); xx <= Math.min(W - 1, x + 2); xx++)
          if (on[yy * W + xx] === 1) {
            on[yy * W + xx] = 2;
            stack.push(yy * W + xx);
          }
    }
    if (box.n >= 20)
      groups.push(box);
  }
  return groups;
}

async function saved(page) {
  await page.locator('.workspace__status').filter({hasText: /^Saved annotation [A-Za-z0-9]{12}\.$/})
    .waitFor();
  return (await page.locator('.workspace__status').textContent()).match(/annotation ([A-Za-z0-9]{12})/)[1];
}

// What the steps share: ed's page and what he saved, the publisher's page.
let page, form, items, rectId, polyId, pp, pad;

await run.step('logged in; the workspace is ready with no annotation', async () => {
  page = await open('ed', 'edpw');
  await page.goto(internalUrl);
  await ready(page);
  check(await page.locator('#annotations').count() === 0, 'the read-only view is on the internal page too');
  check(await page.locator('#workspace').getAttribute('data-count') === '0', 'annotations before any was made');
});

await run.step('a restoration rectangle drawn, its form filled (material "oak" picked from the suggestions) and saved', async () => {
  await page.selectOption('#ws-new-type', 'restoration');
  await page.getByRole('button', {name: 'Draw rectangle'}).click();
  await clickImage(page, 100, 100);
  await clickImage(page, 500, 400);
  form = page.locator('form.workspace__panel');
  await form.waitFor({state: 'visible'});
  check(await page.locator('#ws-type').inputValue() === 'restoration', 'the new rectangle is not a restoration');
  const drawn = {};
  for (const k of ['x', 'y', 'w', 'h'])
    drawn[k] = Number(await page.locator('#ws-region-' + k).inputValue());
  check(Math.abs(drawn.x - 100) <= 6 && Math.abs(drawn.y - 100) <= 6 && Math.abs(drawn.w - 400) <= 12 &&
        Math.abs(drawn.h - 300) <= 12, 'the drawn region is ' + JSON.stringify(drawn));
  await page.selectOption('#ws-field-damage', 'flaking');
  await page.fill('#ws-field-treatment', 'consolidation');
  const material = await pickSuggestion(page, '#ws-field-material', 'OA', 'oak');
  check(material.value === 'oak', 'picking the suggestion gave the material ' + JSON.stringify(material.value));
  check(/^oak keywords \(1\)$/.test(material.shown), 'the suggestion reads ' + JSON.stringify(material.shown));
  await form.getByRole('button', {name: 'Save'}).click();
  rectId = await saved(page);
  check(await page.locator('#ws-field-material').inputValue() === 'oak', 'the saved form lost the material');
  note(`rectangle ${JSON.stringify(drawn)}, suggestion "${material.shown}", saved as ${rectId}`);
});

await run.step('a descriptive polygon drawn, its form filled and saved', async () => {
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
  polyId = await saved(page);
  note(`descriptive polygon saved as ${polyId}`);
});

await run.step('after a reload both are listed (the script as text, never run)', async () => {
  await page.goto(internalUrl);
  await page.reload();
  await ready(page);
  check(await page.locator('#workspace').getAttribute('data-count') === '2',
        'after a reload the workspace has ' + await page.locator('#workspace').getAttribute('data-count'));
  items = page.locator('.workspace__item');
  const texts = await items.allTextContents();
  check(texts.some((t) => t.includes('<img src=x onerror="window.__xss=1"> loose paint')),
        'the polygon\'s text is not shown as text: ' + JSON.stringify(texts));
  check(texts.some((t) => t.includes('Damage type: flaking') && t.includes('Material: oak')),
        'the rectangle is not listed with its picked material: ' + JSON.stringify(texts));
  check(await page.locator('#workspace img').count() === 0, 'an element was made from a value');
  check(await page.evaluate(() => window.__xss) === undefined, 'the script payload ran');
});

await run.step('the colours drawn inside the rectangle follow the scheme, with the legend; grey outside', async () => {
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
  note(`colours: by type ${red}, by damage type ${green} (legend: flaking #3cb44b), grey outside ${grey}`);
});

await run.step('filters by type and by text', async () => {
  await page.selectOption('#ws-filter-type', 'descriptive');
  check(await items.count() === 1, 'the type filter left ' + await items.count() + ' entries');
  await page.selectOption('#ws-filter-type', '');
  await page.fill('#ws-filter-text', 'CONSOLIDATION');
  check(await items.count() === 1 && /flaking/.test(await items.first().textContent()), 'the text filter');
  await page.fill('#ws-filter-text', '');
});

await run.step('the rectangle dragged by 50 px, resting half way: saved there, then where it was dropped', async () => {
  await page.locator('#viewer').scrollIntoViewIfNeeded();
  await clickImage(page, 300, 250);
  await page.locator('#workspace[data-selected="' + rectId + '"]').waitFor({state: 'attached'});
  /* Annotorious reports the shape once the pointer has rested 1 s (its
   * autoSave), during a drag too. The drag rests half way, so that one
   * save is sent then; its answer is held back until the drop's change is
   * queued behind it, which is then sent with the version the first
   * gives (sent at once with the old one, it would be refused as a
   * conflict). The last save is where it was dropped. */
  const from = await at(page, 300, 250), half = await at(page, 325, 275), to = await at(page, 350, 300);
  const isUpdate = (r) => r.url().includes('vitrine-edit.cgi') && r.method() === 'POST' &&
    (r.postData() || '').includes('"annotation-update"');
  let held = 0;
  await page.route('**/vitrine-edit.cgi', async (route) => {
    if (isUpdate(route.request()) && held++ === 0)
      await page.locator(`#workspace[data-save-queued="${rectId}"]`).waitFor({state: 'attached'});
    await route.continue();
  });
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  const firstSave = page.waitForRequest(isUpdate);
  await page.mouse.move(half.x, half.y, {steps: 5});
  await firstSave;
  await page.mouse.move(to.x, to.y, {steps: 5});
  await page.mouse.up();
  await page.waitForFunction(([id]) => {
    const x = Number(document.getElementById('ws-region-x')?.value);
    return Math.abs(x - 150) <= 6 &&
      document.querySelector('.workspace__status').textContent === `Saved annotation ${id}.`;
  }, [rectId]);
  await page.unroute('**/vitrine-edit.cgi');
  check(held >= 2, 'the drop\'s change was not sent after the first save: ' + held + ' updates');
  check(!(await page.locator('.workspace__status').textContent()).includes('Someone else'), 'a conflict');
  const moved = {};
  for (const k of ['x', 'y', 'w', 'h'])
    moved[k] = Number(await page.locator('#ws-region-' + k).inputValue());
  check(Math.abs(moved.x - 150) <= 6 && Math.abs(moved.y - 150) <= 6 && Math.abs(moved.w - 400) <= 2,
        'the moved region is ' + JSON.stringify(moved));
  check(await page.locator('#ws-field-damage').inputValue() === 'flaking', 'the move lost the form');
  await page.getByRole('button', {name: 'Close'}).click();
  note(`moved to ${JSON.stringify(moved)} (${held} updates, the second queued behind the first)`);
});

await run.step('#annotation=ID opens zoomed on it', async () => {
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
  note(`#annotation=${polyId} shows ${JSON.stringify(view)}`);
});

await run.step('the polygon deleted from its panel', async () => {
  await page.locator('form.workspace__panel').getByRole('button', {name: 'Delete'}).click();
  await page.locator('.workspace__status').filter({hasText: `Deleted annotation ${polyId}.`}).waitFor();
  check(await page.locator('#workspace').getAttribute('data-count') === '1', 'the polygon is still counted');
  check(!(await items.allTextContents()).some((t) => t.includes('loose paint')), 'the polygon is still listed');
  await run.finishPage(page);
});

await run.step('the publisher makes a public annotation with the keyboard', async () => {
  pp = await open('pub', 'pubpw');
  await pp.goto(internalUrl);
  await ready(pp);
  await pp.focus('#ws-new-type');
  await pp.selectOption('#ws-new-type', 'descriptive');
  await pp.getByRole('button', {name: 'Rectangle over this view'}).focus();
  await pp.keyboard.press('Enter');
  await pp.locator('#ws-field-text').waitFor({state: 'visible'});
  check(await pp.evaluate(() => document.activeElement && document.activeElement.id) === 'ws-field-text',
        'the focus did not go to the form');
  await pp.keyboard.type('Public note: blistered paint');
  await pp.focus('#ws-visibility');
  await pp.selectOption('#ws-visibility', 'public');
  await pp.locator('form.workspace__panel').getByRole('button', {name: 'Save'}).focus();
  await pp.keyboard.press('Enter');
  const pubId = await saved(pp);
  note(`public annotation ${pubId}`);
});

await run.step('a public tag polygon drawn by keyboard (a fourth point taken back), its terms completed by picking the suggestion', async () => {
  await pp.getByRole('button', {name: 'Close', exact: true}).focus();
  await pp.keyboard.press('Enter');
  await pp.focus('#ws-new-type');
  await pp.selectOption('#ws-new-type', 'tag');
  await pp.getByRole('button', {name: 'Polygon by keyboard'}).focus();
  await pp.keyboard.press('Enter');
  pad = pp.locator('.workspace__crosshair');
  await pad.waitFor({state: 'attached'});
  check(await pp.evaluate(() => document.activeElement &&
                          document.activeElement.classList.contains('workspace__crosshair')),
        'the focus did not go to the crosshair');
  const closeButton = pp.getByRole('button', {name: 'Close the polygon'});
  const wanted = [[40, 40], [240, 50], [140, 170]];
  const placed = [];
  for (const [x, y] of wanted) {
    check(await closeButton.isDisabled(), 'the polygon can be closed with ' + placed.length + ' points');
    placed.push(await crosshairTo(pp, x, y));
    await pad.press('Enter');
  }
  await crosshairTo(pp, 300, 120);
  await pad.press('Enter');
  await pad.press('Backspace');   /* a point too many, taken back */
  const points = JSON.parse(await pad.getAttribute('data-points'));
  check(JSON.stringify(points) === JSON.stringify(placed),
        'the points are ' + JSON.stringify(points) + ', not ' + JSON.stringify(placed));
  check(placed.every(([x, y], i) => Math.abs(x - wanted[i][0]) <= 20 && Math.abs(y - wanted[i][1]) <= 20),
        'the crosshair did not go where it was sent: ' + JSON.stringify(placed));
  await closeButton.focus();
  await pp.keyboard.press('Enter');
  await pp.locator('#ws-field-terms').waitFor({state: 'visible'});
  check(/Polygon of 3 points/.test(await pp.locator('form.workspace__panel').textContent()),
        'the panel does not show the 3-point polygon');
  check(await pp.locator('.workspace__crosshair').count() === 0, 'the crosshair stayed');
  const tagTerms = await pickSuggestion(pp, '#ws-field-terms', 'blistered, cra', 'craquelure');
  check(tagTerms.value === 'blistered, craquelure', 'the terms are ' + JSON.stringify(tagTerms.value));
  await pp.focus('#ws-visibility');
  await pp.selectOption('#ws-visibility', 'public');
  await pp.locator('form.workspace__panel').getByRole('button', {name: 'Save'}).focus();
  await pp.keyboard.press('Enter');
  const tagId = await saved(pp);
  note(`terms "${tagTerms.value}", saved as ${tagId}`);
  note(`polygon ${JSON.stringify(placed)}`);   /* t70 compares it with the stored one */
});

await run.step('Escape cancels a polygon by keyboard, the focus back on its button', async () => {
  await pp.getByRole('button', {name: 'Close', exact: true}).click();
  await pp.getByRole('button', {name: 'Polygon by keyboard'}).click();
  await pad.waitFor({state: 'attached'});
  await pad.press('Enter');
  await pad.press('Escape');
  await pad.waitFor({state: 'detached'});
  check(await pp.evaluate(() => document.activeElement.textContent) === 'Polygon by keyboard',
        'after Escape the focus is not back on its button');
  check(await pp.locator('#workspace').getAttribute('data-count') === '3',
        'the cancelled polygon was kept: ' + await pp.locator('#workspace').getAttribute('data-count'));
  await run.finishPage(pp);
});

await run.step('the French internal page\'s workspace speaks French (tools, list, form, its check, "Abandonnée."), axe-core clean', async () => {
  /* The internal page in /fr/: the workspace's texts come from the page
   * (po/fr.po), none is left in English; a rectangle over the view gets a
   * French form, refused empty in French, and discarded (nothing saved). */
  const frp = await open('pub', 'pubpw', [], {bypassCSP: true});
  await frp.goto(`${base}/internal/fr/assets/${id}.html`);
  await ready(frp);
  check(await frp.evaluate(() => document.documentElement.lang) === 'fr', 'the page is not in French');
  check(await frp.getByRole('toolbar', {name: 'Outils de dessin'}).count() === 1, 'no toolbar "Outils de dessin"');
  for (const name of ['Dessiner un rectangle', 'Dessiner un polygone', 'Déplacer l\'image',
                      'Rectangle sur cette vue', 'Polygone au clavier'])
    check(await frp.getByRole('button', {name, exact: true}).count() === 1, `no button "${name}"`);
  check(/^Rectangle : cliquez sur un coin/.test(await frp.locator('.workspace__hint').textContent()),
        'the hint is not French: ' + await frp.locator('.workspace__hint').textContent());
  const frItems = await frp.locator('.workspace__item').allTextContents();
  check(frItems.length === 3 && frItems.filter((t) => t.endsWith('pub, Publique')).length === 2 &&
        frItems.some((t) => t.includes('Type de dommage : flaking')),
        'the list is not French: ' + JSON.stringify(frItems));
  await frp.selectOption('#ws-new-type', 'restoration');
  await frp.getByRole('button', {name: 'Rectangle sur cette vue'}).click();
  const frForm = frp.locator('form.workspace__panel');
  await frForm.waitFor({state: 'visible'});
  check(await frp.locator('#ws-panel-title').textContent() === 'Nouvelle annotation', 'the form\'s title');
  for (const [field, label] of [['damage', 'Type de dommage'], ['treatment', 'Traitement'],
                                ['conservator', 'Restaurateur'], ['visibility', 'Visibilité']])
    check(await frp.locator(`label[for="ws-${field === 'visibility' ? '' : 'field-'}${field}"]`).textContent() === label,
          `the ${field} field is not labelled "${label}"`);
  await frForm.getByRole('button', {name: 'Enregistrer'}).click();
  check(await frForm.locator('.workspace__error').textContent() === 'Remplissez au moins un champ.',
        'the empty form\'s error: ' + await frForm.locator('.workspace__error').textContent());
  /* Annotorious's handles of the selected shape (its SVG) are buttons
   * without a name: third-party markup, left out. */
  await axe(frp, 'the French workspace', ['#viewer svg']);
  await frForm.getByRole('button', {name: 'Abandonner'}).click();
  await frp.locator('.workspace__status').filter({hasText: /^Abandonnée\.$/}).waitFor();
  check(await frp.locator('#workspace').getAttribute('data-count') === '3', 'the discarded rectangle stayed');
  await run.finishPage(frp);
});

await run.step('the French page opens Mirador in French: "← Retour à la collection", Mirador\'s "Options de fenêtre"', async () => {
  /* The French public page's "open in" link passes its language: our page
   * and Mirador's own menus are French. */
  const frMirador = await open(null, null, [miradorNoise], {bypassCSP: true});
  await frMirador.goto(`${base}/fr/assets/${id}.html`);
  const miradorLink = frMirador.getByRole('link', {name: 'Ouvrir dans Mirador sur ce site'});
  check(/static\/mirador\.html\?manifest=[^&]+&lang=fr$/.test(await miradorLink.getAttribute('href')),
        'the link: ' + await miradorLink.getAttribute('href'));
  await Promise.all([frMirador.waitForURL(/\/static\/mirador\.html\?/), miradorLink.click()]);
  await frMirador.getByRole('button', {name: 'Options de fenêtre'}).first().waitFor();
  check(await frMirador.evaluate(() => document.documentElement.lang) === 'fr', 'the Mirador page is not fr');
  check(await frMirador.locator('.mirador-bar__back').textContent() === '← Retour à la collection',
        'the back link: ' + await frMirador.locator('.mirador-bar__back').textContent());
  check(await frMirador.locator('.skip-link').textContent() === 'Aller à la visionneuse', 'the skip link');
  /* Our part of the page (Mirador's own markup, #mirador, has MUI's
   * aria-orientation on a tablist's parent: third-party, left out). */
  await axe(frMirador, 'the French Mirador page', ['#mirador']);
  await run.finishPage(frMirador);
});

await run.step('the public page shows the two public annotations only', async () => {
  const visitor = await open(null, null);
  const publicUrl = `${base}/en/assets/${id}.html`;
  /* vitrined publishes the page again after each save: until it has both. */
  for (let i = 0; i < 40; i++) {
    await visitor.goto(publicUrl);
    if (await visitor.locator('#annotations').count() > 0) {
      await visitor.locator('#annotations[data-drawn]').waitFor({state: 'attached'});
      if (await visitor.locator('#annotations').getAttribute('data-drawn') === '2')
        break;
    }
    await visitor.waitForTimeout(500);
  }
  await visitor.locator('#annotations[data-drawn="2"]').waitFor({state: 'attached'});
  const publicTexts = await visitor.locator('.annotations__item').allTextContents();
  check(publicTexts.length === 2 && publicTexts.some((t) => t.includes('Public note')) &&
        publicTexts.some((t) => /^Tags.*blistered.*craquelure/.test(t)),
        'the public page lists ' + JSON.stringify(publicTexts));
  check(await visitor.locator('#workspace').count() === 0, 'the public page has the workspace');
  await run.finishPage(visitor);
});

const manifest = `${base}/iiif/${id}/manifest.json`;

await run.step('Mirador 4 draws the 2 public shapes over the canvas (counted on screen) and lists no internal one', async () => {
  /* Mirador 4 (the public tree's vendor copy) on the public manifest, every
   * annotation highlighted: a page of the test's own (no inline script may
   * run under the site's policy, so it is not on the server). */
  const mirador = await open(null, null, [miradorNoise]);
  await mirador.route(`${base}/__test/mirador.html`, (route) => route.fulfill({
    status: 200, contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><meta charset="utf-8"><title>Mirador</title>
<link rel="icon" href="${base}/static/favicon.svg"></head>
<body style="margin:0"><div id="m" style="position:absolute;inset:0"></div>
<script src="${base}/static/vendor/mirador/mirador.min.js"></script>
<script>Mirador.viewer({id: 'm', windows: [{manifestId: ${JSON.stringify(manifest)},
  highlightAllAnnotations: true}], window: {sideBarOpenByDefault: true,
  defaultSideBarPanel: 'annotations', allowClose: false}, workspaceControlPanel: {enabled: false}});
</script></body></html>`}));
  await mirador.goto(`${base}/__test/mirador.html`);
  await mirador.waitForFunction(() => /2 annotations/i.test(document.body.innerText));
  const osd = mirador.locator('.mirador-osd-container').first();
  await osd.waitFor({state: 'visible'});
  await mirador.waitForLoadState('networkidle');
  let groups = [];
  for (let i = 0; i < 30 && groups.length < 2; i++) {
    await mirador.waitForTimeout(300);
    groups = await shapesDrawn(mirador, osd);
  }
  check(groups.length === 2, 'Mirador draws ' + groups.length + ' shapes: ' + JSON.stringify(groups));
  const miradorText = await mirador.evaluate(() => document.body.innerText);
  check(miradorText.includes('Public note: blistered paint') && !miradorText.includes('loose paint') &&
        !miradorText.includes('consolidation'), 'Mirador lists: ' + miradorText.slice(0, 400));
  /* The polygon (top left of the image) is the smaller and the higher one. */
  groups.sort((a, b) => a.y0 - b.y0);
  check(groups[0].x1 < groups[1].x1 && (groups[0].x1 - groups[0].x0) < (groups[1].x1 - groups[1].x0),
        'the shapes Mirador draws are not the polygon and the rectangle: ' + JSON.stringify(groups));
  check(await mirador.evaluate(() => window.__xss) === undefined, 'a script ran in Mirador');
  note('shapes on screen: ' + groups.map((g) => `${g.x1 - g.x0 + 1}x${g.y1 - g.y0 + 1}`).join(', '));
  await run.finishPage(mirador);
});

await run.step('Universal Viewer 4 draws the 2 public shapes as hits of "blistered"', async () => {
  /* Universal Viewer 4 draws annotations only as the hits of a search
   * inside the manifest (its footer's search box, the manifest's Content
   * Search service): one rectangle per annotation found, the region's
   * bounds. "blistered" is in both public annotations and nowhere else. */
  /* UV asks its server for an image at images/ + a data: URL (a 404). */
  const dataImage = /\/images\/data:image\//;
  const uv = await open(null, null, [({kind, text, url}) => dataImage.test(url) &&
    (kind === 'HTTP error' || (kind === 'console error' && text.startsWith('Failed to load resource')))]);
  /* From the French page: UV's own texts are French too (its fr-FR). */
  await uv.goto(`${base}/fr/assets/${id}.html`);
  const uvLink = uv.getByRole('link', {name: 'Ouvrir dans Universal Viewer sur ce site'});
  await Promise.all([uv.waitForURL(/\/static\/uv\.html\?/), uvLink.click()]);
  const searchBox = uv.locator('input.searchText:visible').first();
  await searchBox.waitFor({state: 'visible', timeout: 30000});
  check(await uv.locator('.mirador-bar__back').textContent() === '← Retour à la collection',
        'the UV page\'s back link: ' + await uv.locator('.mirador-bar__back').textContent());
  const uvText = await uv.evaluate(() => document.getElementById('uv').innerText);
  check(uvText.includes('Chercher dans ce document'), 'Universal Viewer is not French: ' + uvText.slice(0, 300));
  const answer = uv.waitForResponse((r) => r.url().includes('/vitrine-search.cgi/manifest/'));
  await searchBox.fill('blistered');
  await searchBox.press('Enter');
  const res = await answer;
  check(res.status() === 200, 'the search service answered ' + res.status() + ' to ' + res.url());
  await uv.waitForFunction(() => document.querySelectorAll('.annotationRect').length >= 2);
  await uv.waitForTimeout(500);
  const rects = await uv.$$eval('.annotationRect', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return {w: Math.round(r.width), h: Math.round(r.height)};
  }));
  check(rects.length === 2 && rects.every((r) => r.w > 5 && r.h > 5),
        'Universal Viewer draws ' + JSON.stringify(rects));
  check(await uv.evaluate(() => window.__xss) === undefined, 'a script ran in Universal Viewer');
  note('hits drawn: ' + rects.map((r) => `${r.w}x${r.h}`).join(', '));
  await run.finishPage(uv);
});

await run.step('without \'unsafe-eval\' the workspace says why it cannot draw', async () => {
  /* The staff page under the public site's policy: PixiJS (in Annotorious)
   * refuses to start without 'unsafe-eval', and the workspace says so. */
  const strict = await open('ed', 'edpw', [({kind, text}) => kind === 'console error' &&
    /unsafe-eval|EvalError|Content Security Policy/i.test(text)]);
  await strict.route(internalUrl, async (route) => {
    const response = await route.fetch();
    const headers = response.headers();
    headers['content-security-policy'] = headers['content-security-policy'].replace(/ 'unsafe-eval'/, '');
    await route.fulfill({response, headers});
  });
  await strict.goto(internalUrl);
  await strict.locator('#workspace[data-ready="failed"]').waitFor({state: 'attached'});
  const why = await strict.locator('.workspace__status').textContent();
  check(/must allow 'unsafe-eval'/.test(why), 'the workspace says: ' + why);
  note(why);
  await run.finishPage(strict);
});

await run.close();
