// tests/browser/interop.mjs: vitrine's published IIIF documents in the real
// clients, Mirador 4 and Universal Viewer 4 (node_modules, pinned in
// package-lock.json), in headless Chromium. Run by
// tests/blackbox/t64-iiif-interop.sh, which builds the fixture and serves it:
//
//   node tests/browser/interop.mjs http://127.0.0.1:PORT FIXTURE.json [OUTDIR]
//
// FIXTURE.json: {"assets": [{name, id, width, height}], "hostile": id,
// "intervention": number, "annotated": {id, width, height, word, text,
// region: [x, y, w, h]}} (one public annotation, found by Content Search). The assets are solid magenta images, one per
// pyramid depth: a viewer's drawing of one is found on screen by colour, and
// must fill the viewer in its fit ("home") view, centred, whatever the
// depth (an image within one tile once drew nothing; two-level pyramids
// opened at 64 %, in the top-left corner).
//
// Mirador runs on a harness page made here (route), from the site's own
// static/vendor/mirador/mirador.min.js; Universal Viewer from its dist/
// (served by the test at /__uv/) with its own uv.html. Every page: no
// console error, no uncaught exception, no failed request, no response
// >= 400, no dialog, window.__xss never set; what a step allows is named.
import { readFileSync } from 'node:fs';
import { Run, StepFailure, check, baseArg, outDirArg, miradorNoise, pixelsOf } from './harness.mjs';

const TIMEOUT_MS = 20000;
const VIEWPORT = {width: 1000, height: 700};

const USAGE = 'node tests/browser/interop.mjs http://127.0.0.1:PORT FIXTURE.json [OUTDIR]';
const base = baseArg(process.argv[2], USAGE);
const fixturePath = process.argv[3];
if (!fixturePath) {
  console.error(`usage: ${USAGE}`);
  process.exit(2);
}
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
let helper;                         // a blank page that decodes screenshots

const manifestUrl = (id) => `${base}/iiif/${id}/manifest.json`;
const interventionUrl = `${base}/iiif/intervention/${fixture.intervention}/manifest.json`;
const topUrl = `${base}/iiif/collection/top.json`;

/* The Mirador harness: the site's Mirador, one window on ?manifest=, the
 * thumbnail strip when ?thumbs=1, the side bar (info panel) when ?info=1. */
const MIRADOR_HTML = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Mirador</title>
<style>html, body { margin: 0; height: 100%; } #m { position: absolute; inset: 0; }</style>
<script src="/static/vendor/mirador/mirador.min.js"></script></head>
<body><div id="m"></div><script>
const p = new URLSearchParams(location.search);
window.miradorInstance = Mirador.viewer({
  id: 'm',
  windows: [{manifestId: p.get('manifest'),
             thumbnailNavigationPosition: p.get('thumbs') ? 'far-bottom' : 'off'}],
  window: {allowClose: false, allowMaximize: false,
           sideBarOpenByDefault: !!(p.get('info') || p.get('search')),
           defaultSideBarPanel: p.get('search') ? 'search' : 'info'},
  workspaceControlPanel: {enabled: false},
  workspace: {showZoomControls: true},
});
</script></body></html>`;

// VT_INTEROP_ONLY=REGEX runs only the steps whose name matches (by hand).
// Every page can open the Mirador page above, served by a route.
const run = new Run({
  base, outDir: outDirArg(process.argv[4], 'vt-interop-'), timeout: TIMEOUT_MS, fullPageShots: false,
  only: process.env.VT_INTEROP_ONLY ? new RegExp(process.env.VT_INTEROP_ONLY) : null,
  onPage: (page) => page.route(`${base}/__interop/mirador.html*`, (route) =>
    route.fulfill({status: 200, contentType: 'text/html; charset=utf-8', body: MIRADOR_HTML})),
});
const newPage = (allow) => run.newPage(allow);
const finishPage = (page) => run.finishPage(page);
const step = (name, fn) => run.step(name, fn);

/* The box of the pixels of a w x h image for which @hit(i) holds (i: the
 * pixel's first byte): {w, h, n, x0, y0, x1, y1} (n = 0: none). */
function boxOf(w, h, hit) {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1, n = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      if (!hit((y * w + x) * 4))
        continue;
      n++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  return {w, h, n, x0, y0, x1, y1};
}

/* The box of magenta-ish pixels in a PNG screenshot (decoded by Chromium
 * on the helper page). */
async function magentaBox(png) {
  const {W, H, d} = await pixelsOf(helper, png);
  // Magenta, also as a tiny JPEG's subsampled colour and under a viewer's
  // translucent bars: red and blue well above green, alike.
  return boxOf(W, H, (i) => d[i] - d[i + 1] > 7 && d[i + 2] - d[i + 1] > 7 && Math.abs(d[i] - d[i + 2]) < 40);
}

/* The box of pixels that differ (by more than 24 in a channel) between two
 * PNG screenshots of the same size. */
async function changedBox(before, after) {
  const a = await pixelsOf(helper, before), b = await pixelsOf(helper, after);
  return boxOf(a.W, a.H, (i) => Math.abs(a.d[i] - b.d[i]) > 24 || Math.abs(a.d[i + 1] - b.d[i + 1]) > 24 ||
                                Math.abs(a.d[i + 2] - b.d[i + 2]) > 24);
}

/* Waits until the OpenSeadragon viewport (@selector) shows the image of
 * @width x @height in its fit view: the magenta box as large as the image
 * scaled to fit the viewport (within 8 %, or 3 px for a thin strip) and
 * centred. Polls, since viewers animate to their home view and load tiles
 * as they go; the last measure is in the message when it never settles. */
async function expectFit(page, selector, width, height, what) {
  const el = page.locator(selector).first();
  await el.waitFor({state: 'visible'});
  let last = null;
  // A loaded machine takes seconds per screenshot: the wait is long, and
  // only a failure waits it out.
  const deadline = Date.now() + 3 * TIMEOUT_MS;
  let good = 0;
  while (Date.now() < deadline) {
    const b = await magentaBox(await el.screenshot({timeout: 3 * TIMEOUT_MS}));
    const scale = Math.min(b.w / width, b.h / height);
    const ew = width * scale, eh = height * scale;
    const tol = (e) => Math.max(3, 0.08 * e);
    const bw = b.x1 - b.x0 + 1, bh = b.y1 - b.y0 + 1;
    const cx = (b.x0 + b.x1 + 1) / 2, cy = (b.y0 + b.y1 + 1) / 2;
    last = {viewport: `${b.w}x${b.h}`, expected: `${ew.toFixed(1)}x${eh.toFixed(1)}`,
            drawn: b.n ? `${bw}x${bh} at ${b.x0},${b.y0}` : 'nothing', pixels: b.n};
    const ok = b.n > 0 && Math.abs(bw - ew) <= tol(ew) && Math.abs(bh - eh) <= tol(eh) &&
      Math.abs(cx - b.w / 2) <= Math.max(3, 0.04 * b.w) && Math.abs(cy - b.h / 2) <= Math.max(3, 0.04 * b.h);
    // Twice in a row: the fit view reached, not an animation passing by.
    good = ok ? good + 1 : 0;
    if (good >= 2)
      return last;
    await page.waitForTimeout(400);
  }
  throw new StepFailure(`${what}: the ${width} x ${height} image does not fill the viewer, centred: ` +
                        JSON.stringify(last));
}

async function miradorPage(manifest, options = {}) {
  const page = await newPage([miradorNoise]);
  const q = new URLSearchParams({manifest});
  if (options.thumbs) q.set('thumbs', '1');
  if (options.info) q.set('info', '1');
  if (options.search) q.set('search', '1');
  await page.goto(`${base}/__interop/mirador.html?${q}`);
  return page;
}

// Universal Viewer 4.4.0 asks for one of its own images (a transparent GIF
// as a data: URL) under OpenSeadragon's prefixUrl, "/images/"; that 404 is
// the viewer's own, not about vitrine's documents, and allowed on UV only.
const UV_OWN_REQUEST = '/images/data:image/';

async function uvPage(manifest) {
  const page = await newPage([({url}) => url.startsWith(base + UV_OWN_REQUEST)]);
  await page.goto(`${base}/__uv/uv.html#?manifest=${encodeURIComponent(manifest)}`);
  return page;
}

/* The thumbnails a viewer shows (img elements matching @selector, of
 * this site's images): at least two, every one drawn (complete, with a
 * width), none broken; a 404 would also be a failed request. Viewers load
 * only the thumbnails in view, each at a size they pick. Returns how many. */
async function expectThumbnails(page, selector, what, min = 2) {
  await page.waitForFunction(([sel, prefix, least]) => {
    // (Universal Viewer's own placeholder, "/images/data:...", is not one.)
    const imgs = [...document.querySelectorAll(sel)]
      .filter((i) => i.src.startsWith(prefix) && !i.src.startsWith(prefix + 'data:'));
    return imgs.length >= least && imgs.every((i) => i.complete && i.naturalWidth > 0);
  }, [selector, `${base}/images/`, min]).catch(async () => {
    throw new StepFailure(`${what}: the thumbnails did not load: ${JSON.stringify(await page.$$eval(selector,
      (imgs) => imgs.map((i) => ({src: i.src, complete: i.complete, w: i.naturalWidth}))))}`);
  });
  return page.$$eval(selector, (imgs, prefix) => imgs.filter((i) => i.src.startsWith(prefix) &&
                     !i.src.startsWith(prefix + 'data:')).length, `${base}/images/`);
}

await run.launch({viewport: VIEWPORT, locale: 'en-GB', deviceScaleFactor: 1});
helper = await run.context.newPage();

for (const a of fixture.assets) {
  await step(`Mirador: ${a.name} (${a.width} x ${a.height}) fills the viewer, centred`, async () => {
    const page = await miradorPage(manifestUrl(a.id));
    const m = await expectFit(page, '.mirador-osd-container .openseadragon-canvas', a.width, a.height,
                              'Mirador');
    console.log(`# Mirador ${a.name}: ${m.drawn} in ${m.viewport}`);
    await page.waitForLoadState('networkidle');
    await finishPage(page);
  });
}

for (const a of fixture.assets) {
  await step(`Universal Viewer: ${a.name} (${a.width} x ${a.height}) fills the viewer, centred`, async () => {
    const page = await uvPage(manifestUrl(a.id));
    const m = await expectFit(page, '.openseadragon-canvas', a.width, a.height, 'Universal Viewer');
    console.log(`# UV ${a.name}: ${m.drawn} in ${m.viewport}`);
    await page.waitForLoadState('networkidle');
    await finishPage(page);
  });
}

await step('Mirador: the intervention manifest, with working thumbnails', async () => {
  const page = await miradorPage(interventionUrl, {thumbs: true});
  const items = (await (await fetch(interventionUrl)).json()).items;
  const first = items[0];
  // Every canvas's thumbnail exists, as the size the canvas states.
  for (const c of items) {
    const t = c.thumbnail && c.thumbnail[0];
    check(t, `canvas ${c.id} has no thumbnail`);
    const r = await fetch(t.id);
    check(r.status === 200, `the thumbnail ${t.id} answers ${r.status}`);
  }
  await expectFit(page, '.mirador-osd-container .openseadragon-canvas', first.width, first.height,
                  'Mirador, first canvas');
  // Mirador draws the strip's thumbnails at its height and loads those in
  // view: a wide strip image (9000 x 600) can fill the view alone.
  const n = await expectThumbnails(page, '.mirador-thumb-navigation img', 'Mirador', 1);
  console.log(`# Mirador: ${n} thumbnails in view, all loaded`);
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await step('Universal Viewer: the intervention manifest, with working thumbnails', async () => {
  const page = await uvPage(interventionUrl);
  const first = (await (await fetch(interventionUrl)).json()).items[0];
  await expectFit(page, '.openseadragon-canvas', first.width, first.height, 'Universal Viewer, first canvas');
  // UV asks the image service for full/90, (not the canvas's thumbnail).
  const n = await expectThumbnails(page, '.uv img', 'Universal Viewer');
  console.log(`# UV: ${n} thumbnails in view, all loaded`);
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await step('Mirador: the top collection navigated down to a manifest', async () => {
  const page = await miradorPage(topUrl);
  const top = await (await fetch(topUrl)).json();
  const dept = top.items.find((c) => c.label.en && c.label.en[0] === 'Photography');
  check(dept, `the top collection lists no Photography collection: ${JSON.stringify(top.items)}`);
  const deptDoc = await (await fetch(dept.id)).json();
  check(JSON.stringify(deptDoc.label) === JSON.stringify(dept.label),
        `the top collection labels the department ${JSON.stringify(dept.label)}, its own ` +
        `collection ${JSON.stringify(deptDoc.label)}`);
  const sub = deptDoc.items[0];
  const subDoc = await (await fetch(sub.id)).json();
  const target = subDoc.items.find((m) => m.id === manifestUrl(fixture.assets[3].id));
  check(target, `the page collection ${sub.id} does not list ${fixture.assets[3].name}`);
  // Mirador lists a collection's items in a dialog: department, page, manifest.
  for (const label of [dept.label.en[0], sub.label.en[0], Object.values(target.label)[0][0]]) {
    const item = page.getByRole('menuitem', {name: label, exact: false}).first();
    // A collection opens on "No item selected" and a "Show collection" button.
    const show = page.getByRole('button', {name: /show collection/i});
    await Promise.race([item.waitFor({state: 'visible'}), show.waitFor({state: 'visible'})])
      .catch(() => {});
    if (!(await item.isVisible()) && (await show.isVisible()))
      await show.click();
    await item.waitFor({state: 'visible'}).catch(async () => {
      throw new StepFailure(`Mirador shows no "${label}" to choose: ` +
                            `${(await page.locator('body').innerText()).slice(0, 500)}`);
    });
    await item.click();
  }
  const a = fixture.assets[3];
  await expectFit(page, '.mirador-osd-container .openseadragon-canvas', a.width, a.height,
                  'Mirador, after the collection');
  // The manifest names, as partOf, the collection that lists it.
  const m = await (await fetch(manifestUrl(a.id))).json();
  check(m.partOf.some((p) => p.id === sub.id &&
                      JSON.stringify(p.label) === JSON.stringify(subDoc.label)),
        `${a.name}'s partOf ${JSON.stringify(m.partOf)} does not name ${sub.id} as it labels itself`);
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await step('Universal Viewer: the top collection opens its first manifest', async () => {
  const page = await uvPage(topUrl);
  const el = page.locator('.openseadragon-canvas').first();
  await el.waitFor({state: 'visible'});
  const deadline = Date.now() + TIMEOUT_MS;
  let b;
  do {
    b = await magentaBox(await el.screenshot());
    if (b.n > 0) break;
    await page.waitForTimeout(400);
  } while (Date.now() < deadline);
  check(b.n > 0, `Universal Viewer drew no image from the top collection: ${JSON.stringify(b)}`);
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await step('Mirador: hostile label and metadata shown as text, never run', async () => {
  const page = await miradorPage(manifestUrl(fixture.hostile), {info: true});
  const title = page.locator('.mirador-window-top-bar h2').first();
  await title.waitFor({state: 'visible'});
  await page.waitForFunction(() => /Hostile/.test(document.querySelector('.mirador-window-top-bar h2')?.textContent || ''));
  const text = await title.textContent();
  check(text === 'Hostile <script>window.__xss=1</script>', `the window title is "${text}"`);
  await page.waitForFunction(() => document.body.innerText.includes('onerror'));
  const body = await page.locator('body').innerText();
  check(body.includes('Said <img src=x onerror="window.__xss=1">'),
        'the hostile description is not shown as text in the info panel');
  check(await page.locator('img[src="x"], img[src$="/x"]').count() === 0,
        'the hostile <img> became an element');
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await step('Universal Viewer: hostile label and metadata never run', async () => {
  const page = await uvPage(manifestUrl(fixture.hostile));
  await page.locator('.openseadragon-canvas').first().waitFor({state: 'visible'});
  await page.waitForFunction(() => /Hostile/.test(document.body.innerText));
  const body = await page.locator('body').innerText();
  console.log(`# UV shows: ${JSON.stringify(body.split('\n').filter((l) => /Hostile|Said/.test(l)))}`);
  check(await page.locator('img[src="x"], img[src$="/x"]').count() === 0,
        'the hostile <img> became an element');
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await step('Mirador: Content Search finds an annotation and highlights its region', async () => {
  const a = fixture.annotated;
  const page = await miradorPage(manifestUrl(a.id), {search: true});
  const osd = '.mirador-osd-container .openseadragon-canvas';
  // Mirador lists a search tab only for a Search 1 service it recognises.
  const box = page.locator('input[id^="search-"][role="combobox"]').first();
  await box.waitFor({state: 'visible'}).catch(async () => {
    throw new StepFailure(`Mirador shows no search box: ${(await page.locator('body').innerText()).slice(0, 400)}`);
  });
  // The fit view of the grey image first, then the same view with the hit.
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1500);
  const before = await page.locator(osd).first().screenshot();
  const answer = page.waitForResponse((r) => r.url().includes('/vitrine-search.cgi/manifest/'));
  await box.fill(a.word);
  await box.press('Enter');
  const res = await answer;
  check(res.status() === 200, `the search service answered ${res.status()}: ${res.url()}`);
  check(/\/manifest\/[a-z0-9]+\/v1\?q=/.test(res.url()), `Mirador asked ${res.url()}`);
  const body = await res.json();
  check((body.resources || []).length === 1, `the answer has ${JSON.stringify(body).slice(0, 300)}`);
  const [x, y, w, h] = a.region;
  check(body.resources[0].on.endsWith(`#xywh=${x},${y},${w},${h}`),
        `the hit targets ${body.resources[0].on}, not xywh=${a.region}`);
  // The hit is listed with its text.
  await page.getByText(a.text, {exact: false}).first().waitFor({state: 'visible'}).catch(async () => {
    throw new StepFailure(`Mirador lists no hit "${a.text}": ${(await page.locator('body').innerText()).slice(0, 600)}`);
  });
  // Highlighted: pixels change where the region is drawn, and only there.
  let b = null;
  const deadline = Date.now() + TIMEOUT_MS;
  while (Date.now() < deadline) {
    await page.waitForTimeout(500);
    b = await changedBox(before, await page.locator(osd).first().screenshot());
    if (b.n > 200)
      break;
  }
  check(b && b.n > 200, `nothing was highlighted: ${JSON.stringify(b)}`);
  console.log(`# Mirador search hit drawn at ${b.x0},${b.y0} to ${b.x1},${b.y1} in ${b.w}x${b.h}`);
  // Where the region is in the fit view (Mirador keeps the view when the
  // hit is on screen), within a few pixels of the outline it draws.
  const s = Math.min(b.w / a.width, b.h / a.height);
  const ox = (b.w - a.width * s) / 2, oy = (b.h - a.height * s) / 2;
  const want = [ox + x * s, oy + y * s, ox + (x + w) * s, oy + (y + h) * s];
  const got = [b.x0, b.y0, b.x1 + 1, b.y1 + 1];
  check(want.every((v, i) => Math.abs(v - got[i]) <= 6),
        `the highlight is at ${got.map(Math.round)}, the region at ${want.map(Math.round)}`);
  await page.waitForLoadState('networkidle');
  await finishPage(page);
});

await run.close();
