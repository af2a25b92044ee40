// tests/browser/annotations.mjs: an asset's public annotations over its
// viewer, in headless Chromium. Run by tests/blackbox/t69-annotations-browser.sh,
// which builds the fixture and serves the public tree:
//
//   node tests/browser/annotations.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]
//
// The fixture: one public image of 1600 x 1200 with three annotations, a
// restoration rectangle (xywh=100,100,400,300) whose text is a script, a
// descriptive polygon, and an internal tag that the public tree must not
// hold. Checks what is drawn (shapes counted, their boxes over the image,
// the type's colour), the list and legend, the script shown as text and
// never run, a click that zooms to the region, the #annotation=ID deep
// link, and the search hit's link to the region.
import { Run, check, baseArg, idArg, outDirArg, miradorNoise } from './harness.mjs';

const XSS = '<script>window.__xss=1</script>';
const USAGE = 'node tests/browser/annotations.mjs http://127.0.0.1:PORT ASSET_ID [OUTDIR]';
const base = baseArg(process.argv[2], USAGE);
const asset = idArg(process.argv[3], USAGE);
const run = new Run({base, outDir: outDirArg(process.argv[4], 'vt-browser-'), timeout: 15000});
await run.launch({viewport: {width: 1280, height: 900}});
let page = null;

async function open(url) {
  page = await run.newPage(url.includes('mirador')
    ? [miradorNoise]
    : []);
  await page.goto(url);
  return page;
}

/* The viewer's zoom, or null before it opened. */
const zoom = () => page.evaluate(() => {
  const v = document.getElementById('viewer').vitrineViewer;
  return v && v.world.getItemCount() ? v.viewport.getZoom(true) : null;
});

await run.step('two public annotations drawn over the image, in their type\'s colour', async () => {
  await open(`${base}/assets/${asset}.html`);
  await page.waitForSelector('#annotations[data-drawn="2"]');
  const shapes = await page.$$eval('.annotation-shape', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return {id: e.getAttribute('data-annotation'), w: r.width, h: r.height,
            polygon: e.classList.contains('annotation-shape--polygon'),
            border: getComputedStyle(e).borderTopColor};
  }));
  check(shapes.length === 2, `2 shapes drawn, got ${JSON.stringify(shapes)}`);
  check(!shapes.some((s) => s.id === 'secret'), 'the internal annotation is drawn on the public page');
  const rect = shapes.find((s) => s.id === 'rect');
  check(rect && rect.w > 20 && rect.h > 15 && Math.abs(rect.w / rect.h - 4 / 3) < 0.1,
        `the rectangle's box keeps its 400 x 300 shape: ${JSON.stringify(rect)}`);
  check(rect.border === 'rgb(214, 39, 40)', `restoration is drawn in its colour: ${rect.border}`);
  check(shapes.some((s) => s.id === 'poly' && s.polygon), 'the polygon is drawn as an SVG polygon');
  const viewerBox = await page.$eval('#viewer', (e) => e.getBoundingClientRect().toJSON());
  const rectBox = await page.$eval('.annotation-shape[data-annotation="rect"]', (e) => e.getBoundingClientRect().toJSON());
  check(rectBox.left >= viewerBox.left && rectBox.right <= viewerBox.right &&
        rectBox.top >= viewerBox.top && rectBox.bottom <= viewerBox.bottom,
        'the rectangle lies over the viewer');
});

await run.step('the list and legend, the script shown as text and never run', async () => {
  const items = await page.$$eval('.annotations__item', (els) => els.map((e) => e.textContent));
  check(items.length === 2, `two list entries: ${JSON.stringify(items)}`);
  check(items.some((t) => t.includes(XSS)), 'the script is listed as text');
  check(await page.evaluate(() => window.__xss === undefined), 'the script ran');
  const legend = await page.$$eval('.annotations__legend li:not([hidden])', (els) => els.map((e) => e.getAttribute('data-type')).sort());
  check(JSON.stringify(legend) === '["descriptive","restoration"]', `the legend shows the types drawn: ${legend}`);
});

await run.step('a click on a list entry zooms to its region', async () => {
  const before = await zoom();
  await page.click('.annotations__item[data-annotation="rect"]');
  await page.waitForFunction((z) => {
    const v = document.getElementById('viewer').vitrineViewer;
    return v.viewport.getZoom(true) > z * 1.5;
  }, before);
  check(await page.$eval('.annotation-shape[data-annotation="rect"]', (e) => e.classList.contains('annotation-shape--current')),
        'the clicked annotation is marked');
  check(page.url().endsWith('#annotation=rect'), `the address names it: ${page.url()}`);
  await run.finishPage(page);
});

await run.step('#annotation=ID opens the page zoomed on that region', async () => {
  await open(`${base}/assets/${asset}.html#annotation=poly`);
  await page.waitForSelector('.annotation-shape--current[data-annotation="poly"]');
  const deep = await page.evaluate(() => {
    const v = document.getElementById('viewer').vitrineViewer;
    const c = v.viewport.viewportToImageCoordinates(v.viewport.getCenter(false));
    return {x: c.x, y: c.y, zoom: v.viewport.getZoom(false), home: v.viewport.getHomeZoom()};
  });
  // The polygon (800,600)-(1200,1000): its centre is (1000, 800).
  check(Math.abs(deep.x - 1000) < 60 && Math.abs(deep.y - 800) < 60 && deep.zoom > deep.home * 1.5,
        `the deep link opens zoomed on the polygon: ${JSON.stringify(deep)}`);
  await run.finishPage(page);
});

await run.step('a search hit on an annotation links the page zoomed on its region', async () => {
  await open(`${base}/search.html?q=verflaag`);
  const link = await page.waitForSelector('.hit__annotation-link');
  const href = await link.getAttribute('href');
  check(href.endsWith(`/assets/${asset}.html#annotation=poly`), `the hit links the region: ${href}`);
  await link.click();
  await page.waitForSelector('.annotation-shape--current[data-annotation="poly"]');
  await run.finishPage(page);
});

// Mirador 4 reads the canvas's AnnotationPage: its annotations panel lists
// the two public annotations (their motivations are ones it shows), never
// the internal one, and runs no script.
await run.step('Mirador 4 lists the two public annotations of the canvas', async () => {
  await open(`${base}/mirador-annotations-test.html`);
  await page.waitForFunction(() => document.body.innerText.includes('Losse verflaag bij de hand'));
  const mirador = await page.evaluate(() => document.body.innerText);
  check(mirador.includes('flaking'), 'Mirador lists the restoration annotation');
  check(!mirador.includes('verzekering'), 'Mirador shows the internal annotation');
  check(/2 annotations/i.test(mirador), `Mirador counts 2 annotations: ${mirador.slice(0, 400)}`);
  await run.finishPage(page);
});

await run.close();
