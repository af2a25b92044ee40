// tests/browser/viewers.mjs: the research viewers of issue 10 in headless
// Chromium: compare (sync, independent, curtain, layers, placeholders,
// alignment, list), story, favourites -> shared manifest -> Mirador and
// Universal Viewer, and axe-core. Run by tests/blackbox/t65-viewers.sh,
// which builds the fixture, serves it and passes the ids in $VT_IDS
// ({visible, infrared, raking, uv, xray}); by hand:
//
//   VT_IDS='{...}' node tests/browser/viewers.mjs http://127.0.0.1:PORT [OUTDIR]
//
// The fixture: four public images of one object: visible (red, 1200x900),
// infrared (blue, 600x450), raking (a gradient, 800x600, with a story of
// three steps), uv (green, 400x300); xray is internal (not in the public
// tree); the raking image's story sidecar has 3 public steps and an
// internal one. Each step prints "ok - ..." or fails with a screenshot in OUTDIR.
// On every page: no console error, uncaught exception, failed request or
// response >= 400 except the ones a step allows by name.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Run, StepFailure, check, baseArg, outDirArg, MIRADOR_KNOWN_ERROR, axe } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const PX = 1;                       // sync tolerance, in screen pixels
// axe-core is injected as an inline script, which the site's
// Content-Security-Policy (t65 serves it) forbids: those pages bypass it.
const AXE_CONTEXT = {bypassCSP: true};

const base = baseArg(process.argv[2], 'VT_IDS=... node tests/browser/viewers.mjs http://127.0.0.1:PORT [OUTDIR]');
const ids = JSON.parse(process.env.VT_IDS || '{}');
for (const k of ['visible', 'infrared', 'raking', 'uv', 'xray'])
  if (!/^[a-z0-9]+$/.test(ids[k] || '')) {
    console.error(`VT_IDS lacks ${k}`);
    process.exit(2);
  }
const outDir = outDirArg(process.argv[3], 'vt-viewers-');
const run = new Run({base, outDir, timeout: 20000});
/* @fresh: in a context of its own, with an empty cache, so that every
 * image the page shows is a request that the step can see. */
const newPage = (allow = [], viewport = {width: 1280, height: 900}, fresh = false) =>
  run.newPage(allow, {viewport, fresh});
const finishPage = (page) => run.finishPage(page);
const step = (name, fn) => run.step(name, fn);

/* The 404 of a manifest that is not in this tree (unknown or internal id). */
const missing = (...names) => ({url}) => names.some((id) => url.endsWith(`/iiif/${id}/manifest.json`));

/* Waits until the compare page has (re)built its viewers. */
async function compareReady(page) {
  await page.waitForFunction(() => {
    const p = document.querySelector('.page.compare');
    return p && p.hasAttribute('data-ready');
  });
}

/* Waits until no viewer of the page moves: the same bounds over 5 frames. */
async function settle(page) {
  await page.evaluate(() => new Promise((resolve) => {
    const C = window.vitrineCompare, S = window.vitrineStoryViewer;
    const all = () => (C ? C.viewers().concat([C.single()]) : []).concat(S ? [S] : []).filter(Boolean);
    let last = '', same = 0, frames = 0;
    const tick = () => {
      const now = JSON.stringify(all().map((v) => v.viewport.getBounds(true)));
      same = now === last ? same + 1 : 0;
      last = now;
      if (same >= 5 || ++frames > 600)
        resolve();
      else
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }));
}

/* Per viewer of the grid: its bounds (world), in the image's own
 * coordinates as fractions of its width, and its container width. */
async function gridBounds(page) {
  return page.evaluate(() => window.vitrineCompare.viewers().filter(Boolean).map((v) => {
    const b = v.viewport.getBounds(true);
    const item = v.world.getItemAt(0);
    const r = item.viewportToImageRectangle(b);
    const w = item.source.dimensions.x;
    return {id: v.vtItem.id, world: {x: b.x, y: b.y, w: b.width, h: b.height},
            image: {x: r.x / w, y: r.y / w, w: r.width / w, h: r.height / w},
            px: v.viewport.getContainerSize().x};
  }));
}

/* The largest difference between two rectangles, in screen pixels of a
 * viewer @px wide showing @ref's width. */
function pixelDiff(a, b, ref, px) {
  const scale = px / ref.w;
  return Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y), Math.abs(a.w - b.w), Math.abs(a.h - b.h)) * scale;
}

function assertSynced(bounds, what, key = 'world') {
  const ref = bounds[0];
  for (const b of bounds.slice(1)) {
    const d = pixelDiff(b[key], ref[key], ref[key], ref.px);
    check(d < PX, `${what}: viewer ${b.id} is ${d.toFixed(3)} px off viewer ${ref.id} ` +
                  `(${JSON.stringify(b[key])} vs ${JSON.stringify(ref[key])})`);
  }
}

async function panelBox(page, index) {
  return page.locator('.compare-panel').nth(index).boundingBox();
}

async function drag(page, box, dx, dy) {
  const x = box.x + box.width / 2, y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, {steps: 3});
  await page.mouse.up();
}

/* The colour the single viewer drew at (@fx, @fy), fractions of its size. */
async function pixelAt(page, fx, fy) {
  return page.evaluate(([fx, fy]) => new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const v = window.vitrineCompare.single() || window.vitrineStoryViewer;
      const c = v.drawer.canvas;
      const d = c.getContext('2d').getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data;
      resolve([d[0], d[1], d[2]]);
    }));
  }), [fx, fy]);
}

const isRed = ([r, g, b]) => r > 200 && g < 70 && b < 70;
const isBlue = ([r, g, b]) => b > 200 && r < 70 && g < 70;
const isGreen = ([r, g, b]) => g > 200 && r < 70 && b < 70;

/* Waits until every tiled image of the single viewer is fully loaded. */
async function singleLoaded(page) {
  await page.waitForFunction(() => {
    const v = window.vitrineCompare.single();
    if (!v || v.world.getItemCount() === 0)
      return false;
    for (let i = 0; i < v.world.getItemCount(); i++)
      if (!v.world.getItemAt(i).getFullyLoaded())
        return false;
    return true;
  });
}


await run.launch({viewport: {width: 1280, height: 900}});
const all4 = [ids.visible, ids.infrared, ids.raking, ids.uv];
const compareUrl = (list, mode, extra = '') => `${base}/compare.html#ids=${list.join(',')}&mode=${mode}${extra}`;

let page;
await step('compare: 4 viewers, placeholders for an unknown and an internal id', async () => {
  page = await newPage([missing(ids.xray, 'nosuchid0'),
                        ({kind, text}) => kind === 'console error' && /404/.test(text)]);
  await page.goto(compareUrl(all4.concat([ids.xray, 'nosuchid0']), 'sync'));
  await compareReady(page);
  const n = await page.evaluate(() => window.vitrineCompare.viewers().filter(Boolean).length);
  check(n === 4, `${n} viewers, expected 4`);
  const placeholders = await page.locator('.compare-placeholder').allTextContents();
  check(placeholders.length === 2, `${placeholders.length} placeholders, expected 2`);
  check(placeholders.some((t) => t.includes(ids.xray)) && placeholders.some((t) => t.includes('nosuchid0')),
        `placeholders: ${JSON.stringify(placeholders)}`);
  const status = await page.locator('#compare-status').textContent();
  check(/4 images to compare; 2 not found/.test(status), `status: "${status}"`);
  const labels = await page.locator('.compare-panel__label').allTextContents();
  check(labels[0].includes('Panel, visible light') && labels[3].includes('Panel, ultraviolet'), `labels: ${labels}`);
  check(page.problems.length === 0, `problems: ${page.problems.join('; ')}`);
  await page.close();
});

await step('compare: an image server that does not answer gives a placeholder, the others still sync', async () => {
  const info = `/images/${ids.infrared}/info.json`;
  page = await newPage([({url}) => url.endsWith(info), ({kind, text}) => kind === 'console error' && /503|Service Unavailable/.test(text)]);
  await page.route((url) => url.pathname === info, (route) => route.fulfill({status: 503, body: 'down'}));
  await page.goto(compareUrl(all4, 'sync'));
  await compareReady(page);
  const placeholders = await page.locator('.compare-placeholder').allTextContents();
  check(placeholders.length === 1 && placeholders[0].includes(ids.infrared) && /did not answer/.test(placeholders[0]),
        `placeholders: ${JSON.stringify(placeholders)}`);
  const n = await page.evaluate(() => window.vitrineCompare.viewers().filter(Boolean).length);
  check(n === 3, `${n} viewers, expected 3`);
  const box = await panelBox(page, 0);
  await drag(page, box, 50, 30);
  await settle(page);
  assertSynced(await gridBounds(page), 'with one viewer down');
  await finishPage(page);
});

await step('sync: zoom and pan one viewer, every viewer shows the same part (image coordinates)', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'sync'));
  await compareReady(page);
  await settle(page);
  const before = await gridBounds(page);
  assertSynced(before, 'at start');
  const box = await panelBox(page, 0);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await drag(page, box, -80, -50);
  await settle(page);
  const after = await gridBounds(page);
  check(pixelDiff(after[0].world, before[0].world, before[0].world, before[0].px) > 20,
        'the leader did not move');
  assertSynced(after, 'after a zoom and a pan', 'world');
  assertSynced(after, 'after a zoom and a pan', 'image');
  // The leader is the viewer under the pointer, marked as such.
  const leader = await page.evaluate(() => [...document.querySelectorAll('.compare-panel')].findIndex((p) => p.classList.contains('is-leader')));
  check(leader === 0, `leader panel ${leader}, expected 0`);
  await finishPage(page);
});

await step('sync: 50 alternating moves from two viewers, no drift', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'sync'));
  await compareReady(page);
  await settle(page);
  const boxes = [await panelBox(page, 0), await panelBox(page, 1)];
  const start = await gridBounds(page);
  for (let i = 0; i < 50; i++) {
    const k = i % 2;
    const sign = i % 4 < 2 ? 1 : -1;
    if (i % 10 === 5) {
      await page.mouse.move(boxes[k].x + boxes[k].width / 2, boxes[k].y + boxes[k].height / 2);
      await page.mouse.wheel(0, sign * -120);
    } else {
      await drag(page, boxes[k], sign * 17, sign * -11);
    }
  }
  await settle(page);
  const end = await gridBounds(page);
  check(pixelDiff(end[0].world, start[0].world, start[0].world, start[0].px) > 5, 'the moves moved nothing');
  assertSynced(end, 'after 50 alternating moves', 'world');
  assertSynced(end, 'after 50 alternating moves', 'image');
  // And the leader can still lead: one more move from viewer 2.
  const b2 = await panelBox(page, 2);
  await drag(page, b2, 40, 30);
  await settle(page);
  assertSynced(await gridBounds(page), 'after a move from viewer 3', 'world');
  await finishPage(page);
});

await step('sync: the alignment nudge moves one image, is kept in the address and survives a reload', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'sync'));
  await compareReady(page);
  const row = page.locator(`.compare-item[data-id="${ids.infrared}"]`);
  await row.locator('summary').click();
  await row.getByLabel('Offset across (% of width)').fill('10');
  await row.getByLabel('Offset across (% of width)').press('Enter');
  await row.getByLabel('Scale (%)').fill('150');
  await row.getByLabel('Scale (%)').press('Tab');
  await page.waitForFunction((id) => location.hash.includes(`align=${id}:0.1,0,1.5`), ids.infrared);
  const placed = await page.evaluate((id) => {
    const v = window.vitrineCompare.viewers().find((w) => w && w.vtItem.id === id);
    const b = v.world.getItemAt(0).getBounds();
    return {x: b.x, w: b.width};
  }, ids.infrared);
  check(Math.abs(placed.x - 0.1) < 1e-9 && Math.abs(placed.w - 1.5) < 1e-9, `infrared placed at ${JSON.stringify(placed)}`);
  const box = await panelBox(page, 0);
  await drag(page, box, 30, 20);
  await settle(page);
  const b = await gridBounds(page);
  assertSynced(b, 'with a nudged image', 'world');
  // In the nudged image's own coordinates the view is shifted and scaled.
  const ir = b.find((x) => x.id === ids.infrared), vis = b.find((x) => x.id === ids.visible);
  check(Math.abs(ir.image.x - (vis.image.x - 0.1) / 1.5) < 1e-6, `infrared image x ${ir.image.x}, visible ${vis.image.x}`);
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await compareReady(page);
  const again = await page.evaluate((id) => {
    const v = window.vitrineCompare.viewers().find((w) => w && w.vtItem.id === id);
    return v.world.getItemAt(0).getBounds().x;
  }, ids.infrared);
  check(Math.abs(again - 0.1) < 1e-9, `after a reload the infrared image is at x=${again}`);
  await finishPage(page);
});

await step('independent: moving one viewer moves no other; the view carries over from sync', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'sync'));
  await compareReady(page);
  const box = await panelBox(page, 1);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await settle(page);
  const synced = await gridBounds(page);
  await page.getByLabel('Independent').check();
  await page.waitForFunction(() => location.hash.includes('mode=independent'));
  await compareReady(page);
  await settle(page);
  const before = await gridBounds(page);
  check(pixelDiff(before[0].world, synced[1].world, synced[1].world, synced[1].px) < PX,
        'switching to independent lost the view');
  await drag(page, await panelBox(page, 0), 90, 60);
  await settle(page);
  const after = await gridBounds(page);
  check(pixelDiff(after[0].world, before[0].world, before[0].world, before[0].px) > 20, 'viewer 1 did not move');
  for (let i = 1; i < after.length; i++)
    check(JSON.stringify(after[i].world) === JSON.stringify(before[i].world),
          `viewer ${i + 1} moved with viewer 1: ${JSON.stringify(before[i].world)} -> ${JSON.stringify(after[i].world)}`);
  await finishPage(page);
});

await step('curtain: the divider follows the pointer, the arrow keys and a finger; each side shows its image', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'curtain'));
  await compareReady(page);
  await singleLoaded(page);
  const frame = await page.locator('.compare-single__frame').boundingBox();
  const clipEdge = (d = 'v') => page.evaluate(([id, dir]) => {
    const C = window.vitrineCompare, v = C.single(), t = C.tiled(id), c = t.getClip();
    const p = t.imageToViewportCoordinates(c.x + c.width, c.y + c.height, true);
    const px = v.viewport.pixelFromPoint(p, true);
    return dir === 'v' ? px.x : px.y;
  }, [ids.visible, d]);
  for (const f of [0.3, 0.7]) {
    await page.mouse.move(frame.x + f * frame.width, frame.y + frame.height / 2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    const edge = await clipEdge();
    check(Math.abs(edge - f * frame.width) < 2, `clip edge at ${edge.toFixed(1)} px, pointer at ${(f * frame.width).toFixed(1)}`);
  }
  // Pointer at 70%: red (visible) on the left of it, blue (infrared) right.
  const left = await pixelAt(page, 0.5, 0.5), right = await pixelAt(page, 0.85, 0.5);
  check(isRed(left), `left of the divider: rgb(${left}), expected the red image`);
  check(isBlue(right), `right of the divider: rgb(${right}), expected the blue image`);
  const shotL = await page.screenshot({clip: {x: frame.x + 0.45 * frame.width, y: frame.y + 0.4 * frame.height, width: 40, height: 40}});
  const shotR = await page.screenshot({clip: {x: frame.x + 0.8 * frame.width, y: frame.y + 0.4 * frame.height, width: 40, height: 40}});
  check(!shotL.equals(shotR), 'the screenshots left and right of the divider are the same');
  writeFileSync(join(outDir, 'curtain-left.png'), shotL);
  writeFileSync(join(outDir, 'curtain-right.png'), shotR);
  // Keyboard: the divider is a slider; five steps left is 10%.
  const divider = page.getByRole('slider', {name: /Curtain divider/});
  await divider.focus();
  const now = Number(await divider.getAttribute('aria-valuenow'));
  for (let i = 0; i < 5; i++)
    await divider.press('ArrowLeft');
  const later = Number(await divider.getAttribute('aria-valuenow'));
  check(later === now - 10, `arrow keys: ${now} -> ${later}, expected ${now - 10}`);
  check(Math.abs(await clipEdge() - later / 100 * frame.width) < 2, 'the clip did not follow the keys');
  // A finger drags the divider (touch events through CDP).
  const cdp = await run.context.newCDPSession(page);
  const dbox = await divider.boundingBox();
  const tx = dbox.x + dbox.width / 2, ty = dbox.y + dbox.height / 2;
  await cdp.send('Input.dispatchTouchEvent', {type: 'touchStart', touchPoints: [{x: tx, y: ty}]});
  await cdp.send('Input.dispatchTouchEvent', {type: 'touchMove', touchPoints: [{x: frame.x + 0.2 * frame.width, y: ty}]});
  await cdp.send('Input.dispatchTouchEvent', {type: 'touchEnd', touchPoints: []});
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  const touched = Number(await divider.getAttribute('aria-valuenow'));
  check(Math.abs(touched - 20) <= 1, `after a finger drag to 20% the divider is at ${touched}%`);
  await finishPage(page);
});

await step('curtain: horizontal divider and another pair of images, kept in the address', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'curtain'));
  await compareReady(page);
  await page.getByLabel('Divider direction').selectOption('h');
  await page.locator('#compare-curtain-b').selectOption(ids.uv);
  await compareReady(page);
  await singleLoaded(page);
  await page.waitForFunction((uv) => location.hash.includes('dir=h') && location.hash.includes(`pair=`) && location.hash.includes(uv), ids.uv);
  const frame = await page.locator('.compare-single__frame').boundingBox();
  await page.mouse.move(frame.x + frame.width / 2, frame.y + 0.5 * frame.height);
  const edge = await page.evaluate((id) => {
    const C = window.vitrineCompare, t = C.tiled(id), c = t.getClip();
    return C.single().viewport.pixelFromPoint(t.imageToViewportCoordinates(c.x + c.width, c.y + c.height, true), true).y;
  }, ids.visible);
  check(Math.abs(edge - 0.5 * frame.height) < 2, `horizontal clip edge at ${edge}, pointer at ${0.5 * frame.height}`);
  const above = await pixelAt(page, 0.5, 0.4), below = await pixelAt(page, 0.5, 0.6);
  check(isRed(above), `above the divider: rgb(${above}), expected red`);
  check(isGreen(below), `below the divider: rgb(${below}), expected the green image chosen as the second`);
  await finishPage(page);
});

await step('layers: opacity 1 and 0 and the visibility switch give the expected pixels', async () => {
  page = await newPage();
  await page.goto(compareUrl(all4, 'layers'));
  await compareReady(page);
  await singleLoaded(page);
  await page.getByRole('checkbox', {name: 'Show Panel, raking light'}).uncheck();
  await page.getByRole('checkbox', {name: 'Show Panel, ultraviolet'}).uncheck();
  const ir = page.getByRole('slider', {name: 'Opacity of Panel, infrared'});
  await ir.fill('100');
  check(isBlue(await pixelAt(page, 0.5, 0.5)), `infrared at opacity 1: rgb(${await pixelAt(page, 0.5, 0.5)}), expected blue`);
  await ir.fill('0');
  check(isRed(await pixelAt(page, 0.5, 0.5)), `infrared at opacity 0: rgb(${await pixelAt(page, 0.5, 0.5)}), expected red`);
  await ir.fill('50');
  const mix = await pixelAt(page, 0.5, 0.5);
  check(mix[0] > 90 && mix[0] < 170 && mix[2] > 90 && mix[2] < 170, `infrared at 0.5 over red: rgb(${mix})`);
  await page.getByRole('checkbox', {name: 'Show Panel, ultraviolet'}).check();
  const uvSlider = page.getByRole('slider', {name: 'Opacity of Panel, ultraviolet'});
  await uvSlider.fill('100');
  check(isGreen(await pixelAt(page, 0.5, 0.5)), 'the top layer at opacity 1 is not green');
  await page.getByRole('checkbox', {name: 'Show Panel, ultraviolet'}).uncheck();
  check(!isGreen(await pixelAt(page, 0.5, 0.5)), 'a hidden layer still shows');
  await finishPage(page);
});

await step('compare list: move, remove and add from favourites, by keyboard', async () => {
  page = await newPage();
  await page.goto(`${base}/favourites.html`);
  await page.evaluate((list) => localStorage.setItem('vitrine.favourites', JSON.stringify(list)),
                      all4.map((id) => ({id, label: 'Fav ' + id, url: `${base}/assets/${id}.html`, thumbnail: ''})));
  await page.goto(compareUrl([ids.visible, ids.infrared, ids.raking], 'sync'));
  await compareReady(page);
  await page.getByRole('button', {name: 'Move Panel, visible light later'}).press('Enter');
  await page.waitForFunction(([a, b]) => location.hash.includes(`ids=${a},${b}`), [ids.infrared, ids.visible]);
  await compareReady(page);
  await page.getByRole('button', {name: 'Remove Panel, raking light from the comparison'}).press('Enter');
  await page.waitForFunction((r) => !location.hash.includes(r), ids.raking);
  await compareReady(page);
  const options = await page.locator('#compare-add-select option').allTextContents();
  check(options.length === 2, `add offers ${JSON.stringify(options)}, expected the 2 favourites not shown`);
  await page.getByLabel('Add from your favourites').selectOption(ids.uv);
  await page.getByRole('button', {name: 'Add', exact: true}).press('Enter');
  await page.waitForFunction((u) => location.hash.includes(u), ids.uv);
  await compareReady(page);
  const n = await page.evaluate(() => window.vitrineCompare.viewers().filter(Boolean).length);
  check(n === 3, `${n} viewers after the add, expected 3`);
  // The compare view shares what it shows.
  await page.getByRole('button', {name: 'Share as IIIF manifest'}).click();
  const shared = await page.getByLabel(/IIIF manifest of these images/).inputValue();
  check(shared.endsWith(`?selection=${ids.infrared},${ids.visible},${ids.uv}`), `shared from compare: ${shared}`);
  await finishPage(page);
});

await step('compare on a phone: the viewers stacked', async () => {
  page = await newPage([], {width: 390, height: 844});
  await page.goto(compareUrl(all4.slice(0, 3), 'sync'));
  await compareReady(page);
  const boxes = await page.locator('.compare-panel').evaluateAll((ps) => ps.map((p) => p.getBoundingClientRect().toJSON()));
  check(boxes.every((b) => Math.abs(b.x - boxes[0].x) < 1) && boxes[1].y > boxes[0].y + boxes[0].height - 1,
        `panels not stacked: ${JSON.stringify(boxes.map((b) => [b.x, b.y, b.width]))}`);
  await finishPage(page);
});

await step('axe-core: no serious or critical violation on compare (sync, curtain, layers)', async () => {
  for (const mode of ['sync', 'curtain', 'layers']) {
    page = await newPage([], undefined, AXE_CONTEXT);
    await page.goto(compareUrl(all4, mode));
    await compareReady(page);
    await axe(page, `compare.html (${mode})`);
    await finishPage(page);
  }
});

const region = (x, y, w, h) => ({x: x / 800, y: y / 800, w: w / 800, h: h / 800});
const STEPS = [
  {title: 'First: the upper left', r: region(40, 30, 200, 150)},
  {title: 'Second: the lower right', r: region(600, 420, 160, 120)},
  {title: 'Third: a traced outline', r: region(300, 200, 200, 180)},
];
async function storyState(page) {
  await page.waitForFunction(() => document.querySelector('.page.story')?.hasAttribute('data-ready'));
  await settle(page);
  return page.evaluate(() => {
    const v = window.vitrineStoryViewer;
    const b = v.viewport.getBounds(true);
    return {step: Number(document.querySelector('.page.story').getAttribute('data-step')),
            title: document.getElementById('story-step-title').textContent,
            text: document.getElementById('story-step-text').textContent,
            progress: document.getElementById('story-progress-text').textContent,
            links: [...document.querySelectorAll('#story-step-links a')].map((a) => a.href),
            hash: location.hash, b: {x: b.x, y: b.y, w: b.width, h: b.height}};
  });
}
function contains(b, r) {
  return b.x <= r.x + 1e-9 && b.y <= r.y + 1e-9 && b.x + b.w >= r.x + r.w - 1e-9 && b.y + b.h >= r.y + r.h - 1e-9;
}

await step('story: the public steps in order, each region in view, keyboard, text as text', async () => {
  page = await newPage();
  await page.goto(`${base}/story.html#asset=${ids.raking}`);
  let s = await storyState(page);
  check(s.step === 1 && s.title === STEPS[0].title, `first step: ${JSON.stringify(s)}`);
  check(s.progress === 'Step 1 of 3', `progress: "${s.progress}" (neither the comment nor the internal step count)`);
  check(contains(s.b, STEPS[0].r), `step 1: view ${JSON.stringify(s.b)} does not contain ${JSON.stringify(STEPS[0].r)}`);
  await page.locator('#story-box').focus();
  await page.keyboard.press('ArrowRight');
  s = await storyState(page);
  check(s.step === 2 && s.title === STEPS[1].title && /step=2/.test(s.hash), `after →: ${JSON.stringify(s)}`);
  check(s.text.includes('<b>bold</b>'), `text not shown as text: "${s.text}"`);
  check(contains(s.b, STEPS[1].r), `step 2: view ${JSON.stringify(s.b)} does not contain ${JSON.stringify(STEPS[1].r)}`);
  const hl = await page.locator('.story-highlight').count();
  check(hl === 1, `${hl} highlights`);
  // A large screen: the box beside the image.
  const frame = await page.locator('#story-frame').boundingBox(), box = await page.locator('#story-box').boundingBox();
  check(box.x >= frame.x + frame.width - 1 && box.y < frame.y + frame.height,
        `the box is not beside the image: ${JSON.stringify([frame, box])}`);
  await page.keyboard.press('ArrowLeft');
  s = await storyState(page);
  check(s.step === 1, `after ←: step ${s.step}`);
  await finishPage(page);
});

await step('story: deep link to a step, autoplay and pause, Escape leaves', async () => {
  page = await newPage();
  await page.goto(`${base}/story.html#asset=${ids.raking}&step=3`);
  let s = await storyState(page);
  check(s.step === 3 && s.title === STEPS[2].title, `deep link: ${JSON.stringify(s)}`);
  check(contains(s.b, STEPS[2].r), `step 3 (SVG path): view ${JSON.stringify(s.b)} does not contain ${JSON.stringify(STEPS[2].r)}`);
  const play = page.getByRole('button', {name: 'Autoplay'});
  await page.getByRole('button', {name: 'Previous'}).click();
  await page.getByRole('button', {name: 'Previous'}).click();
  await play.click();
  check(await page.getByRole('button', {name: 'Pause'}).getAttribute('aria-pressed') === 'true', 'autoplay not pressed');
  await page.waitForFunction(() => document.querySelector('.page.story').getAttribute('data-step') === '2', null, {timeout: 12000});
  await page.keyboard.press('Escape');
  check(await page.getByRole('button', {name: 'Autoplay'}).getAttribute('aria-pressed') === 'false', 'Escape did not pause');
  await Promise.all([page.waitForURL(`**/assets/${ids.raking}.html`), page.keyboard.press('Escape')]);
  await finishPage(page);
});

await step('story on a phone: the box below the image', async () => {
  page = await newPage([], {width: 390, height: 844});
  await page.goto(`${base}/story.html#asset=${ids.raking}&step=1`);
  await storyState(page);
  const frame = await page.locator('#story-frame').boundingBox(), box = await page.locator('#story-box').boundingBox();
  check(box.y >= frame.y + frame.height - 1, `the box is not below the image: ${JSON.stringify([frame, box])}`);
  await finishPage(page);
});

await step('Story button: on an asset with a story only', async () => {
  page = await newPage();
  await page.goto(`${base}/assets/${ids.raking}.html`);
  await page.getByRole('link', {name: /^Story/}).waitFor();
  await page.goto(`${base}/assets/${ids.visible}.html`, {waitUntil: 'networkidle'});
  check(await page.locator('.story-link').isHidden(), 'an asset without a story shows the Story button');
  await finishPage(page);
});

await step('axe-core: no serious or critical violation on the story page', async () => {
  page = await newPage([], undefined, AXE_CONTEXT);
  await page.goto(`${base}/story.html#asset=${ids.raking}&step=2`);
  await storyState(page);
  await axe(page, 'story.html');
  await finishPage(page);
});

let manifestUrl;
await step('favourites: select to compare; share as IIIF manifest (the internal id named, not shown)', async () => {
  page = await newPage([], undefined, AXE_CONTEXT);
  await page.goto(`${base}/favourites.html`);
  const favs = all4.concat([ids.xray]).map((id) => ({id, label: 'Fav ' + id, url: `${base}/assets/${id}.html`, thumbnail: ''}));
  await page.evaluate((list) => localStorage.setItem('vitrine.favourites', JSON.stringify(list)), favs);
  await page.reload();
  const compare = page.locator('#favourites-compare');
  check(await compare.getAttribute('aria-disabled') === 'true', 'Compare is enabled with nothing selected');
  await page.getByRole('checkbox', {name: `Select Fav ${ids.visible}`}).check();
  await page.getByRole('checkbox', {name: `Select Fav ${ids.uv}`}).check();
  const href = await compare.getAttribute('href');
  check(href && href.endsWith(`compare.html#ids=${ids.visible},${ids.uv}&mode=sync`), `Compare links to ${href}`);
  await page.getByRole('checkbox', {name: `Select Fav ${ids.visible}`}).uncheck();
  await page.getByRole('checkbox', {name: `Select Fav ${ids.uv}`}).uncheck();
  await page.getByRole('button', {name: 'Share as IIIF manifest'}).click();
  manifestUrl = await page.getByLabel(/IIIF manifest of these images/).inputValue();
  check(manifestUrl.includes('selection=') && manifestUrl.includes(ids.xray), `shared URL ${manifestUrl}`);
  const m = await page.evaluate(async (u) => (await fetch(u)).json(), manifestUrl);
  check(m.items.length === 4, `${m.items.length} canvases, expected 4`);
  check(!JSON.stringify(m.items).includes(ids.xray), 'the shared manifest has the internal image');
  const file = join(outDir, 'selection.json');
  writeFileSync(file, JSON.stringify(m));
  const v = spawnSync('node', [join(root, 'tests', 'sitegen', 'validate-iiif.mjs'), file], {encoding: 'utf8'});
  check(v.status === 0, `the shared manifest is not valid Presentation 3: ${v.stdout}${v.stderr}`);
  const mirador = await page.locator('[data-share="mirador"]').getAttribute('href');
  const uv = await page.locator('[data-share="uv"]').getAttribute('href');
  check(mirador && mirador.includes(encodeURIComponent(manifestUrl)) && mirador.endsWith('&lang=en'),
        `Open in Mirador (with the page's language): ${mirador}`);
  check(uv && uv.includes(encodeURIComponent(manifestUrl)) && uv.endsWith('&lang=en'),
        `Open in UV (with the page's language): ${uv}`);
  await axe(page, 'favourites.html');
  await finishPage(page);
});

await step('Mirador opens the shared manifest: 4 canvases, each drawn, no internal asset', async () => {
  page = await newPage([({kind, text}) => kind === 'console error' && text.includes(MIRADOR_KNOWN_ERROR)],
                       undefined, true);
  // Mirador shows no thumbnails here (no thumbnail strip): every image it
  // loads is a canvas it draws (a small image is one "full" tile).
  const drawn = new Set();
  const image = (id) => (r) => r.status() === 200 &&
    new RegExp(`/images/${id}/[^/]+/[^/]+/0/default\\.jpg$`).test(new URL(r.url()).pathname);
  page.on('response', (r) => {
    const m = /\/images\/([a-z0-9]+)\/[^/]+\/[^/]+\/0\/default\.jpg$/.exec(new URL(r.url()).pathname);
    if (m && r.status() === 200)
      drawn.add(m[1]);
  });
  let shown = page.waitForResponse(image(all4[0]));
  await page.goto(`${base}/static/mirador.html?manifest=${encodeURIComponent(manifestUrl)}`);
  const count = page.locator('.mirador-canvas-count');
  await count.filter({hasText: '1 of 4'}).waitFor();
  await shown;
  for (let i = 2; i <= 4; i++) {
    shown = page.waitForResponse(image(all4[i - 1]));
    await page.locator('.mirador-next-canvas-button').click();
    await count.filter({hasText: `${i} of 4`}).waitFor();
    await shown.catch(() => {
      throw new StepFailure(`Mirador drew no image of canvas ${i} (${all4[i - 1]}); images seen: ${[...drawn]}`);
    });
  }
  check(!drawn.has(ids.xray), 'Mirador drew the internal image');
  await finishPage(page);
});

await step('Universal Viewer opens the shared manifest: 4 canvases, no internal asset', async () => {
  // UV 4 asks a level-0 image service for 90-pixel thumbnails it does not
  // list (and requests a data: URL under the image base): those 404s are
  // UV's, and allowed here by shape.
  page = await newPage([({url}) => /\/full\/90,\/0\/default\.jpg$/.test(url) || url.includes('/data:image/'),
                        ({kind, text}) => kind === 'console error' && /404/.test(text)], undefined, true);
  const drawn = new Set();
  page.on('response', (r) => {
    const m = /\/images\/([a-z0-9]+)\/(?!full\/)[^/]+\/[^/]+\/0\/default\.jpg$/.exec(new URL(r.url()).pathname);
    if (m && r.status() === 200)
      drawn.add(m[1]);
  });
  const first = page.waitForResponse((r) => r.status() === 200 &&
    new RegExp(`/images/${ids.visible}/(?!full/90,)[^/]+/[^/]+/0/default\\.jpg$`).test(new URL(r.url()).pathname));
  await page.goto(`${base}/static/uv.html?manifest=${encodeURIComponent(manifestUrl)}`);
  await page.locator('.thumb').nth(3).waitFor();
  const thumbs = await page.locator('.thumb').count();
  check(thumbs === 4, `UV lists ${thumbs} canvases, expected 4`);
  const labels = await page.locator('.thumb').allTextContents();
  check(!labels.join(' ').includes('radiograph'), `UV lists the internal image: ${labels}`);
  await page.waitForFunction(() => document.querySelector('.openseadragon-canvas canvas'));
  await first.catch(() => {
    throw new StepFailure(`UV drew no image of the first canvas (${[...drawn]})`);
  });
  check(!drawn.has(ids.xray), 'UV drew the internal image');
  await finishPage(page);
});

await step('intervention page: "Compare these" with all its images, or the ticked ones', async () => {
  page = await newPage();
  await page.goto(`${base}/interventions/2024.00042.html`);
  const link = page.getByRole('link', {name: 'Compare these'});
  let href = await link.getAttribute('href');
  check(all4.every((id) => href.includes(id)) && !href.includes(ids.xray), `Compare these: ${href}`);
  await page.getByRole('checkbox', {name: 'Compare Panel, raking light'}).check();
  await page.getByRole('checkbox', {name: 'Compare Panel, infrared'}).check();
  href = await link.getAttribute('href');
  check(href.endsWith(`#ids=${ids.raking},${ids.infrared}&mode=sync`), `after ticking two: ${href}`);
  await Promise.all([page.waitForURL('**/compare.html#*'), link.click()]);
  await compareReady(page);
  const n = await page.evaluate(() => window.vitrineCompare.viewers().filter(Boolean).length);
  check(n === 2, `${n} viewers`);
  await finishPage(page);
});

await run.close();
