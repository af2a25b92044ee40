// tests/browser/site.mjs: the public site in headless Chromium, as a visitor
// uses it. Run by tests/blackbox/t63-browser.sh, which builds the fixture
// and serves it; by hand, against a site built the same way:
//
//   node tests/browser/site.mjs http://127.0.0.1:PORT [OUTDIR]
//
// The fixture (t63-browser.sh): departments Photography (photo) and X-ray
// (xray), both public; intervention 2024.00042 has "Altarpiece, front"
// (photo, hostile title, description and keywords, multilingual keywords),
// "Altarpiece, back" (photo) and "Altarpiece, radiograph" (xray, keyword
// "Röntgenaufnahme"); "Chalice, detail" (photo) is in 2023.00007. The
// keyword "craquelure" is on the three altarpiece images only.
//
// Each step prints "ok - ..." or fails with a message, a screenshot in
// OUTDIR (a new temporary folder by default) and exit status 1. On every
// page: no console error, no uncaught exception, no failed request, no
// response >= 400, no dialog, window.__xss never set; the exceptions a step
// allows are named in it.
import { Run, StepFailure, check, sameSet, baseArg, outDirArg, MIRADOR_KNOWN_ERROR } from './harness.mjs';

const INTERVENTION = '2024.00042';
const XSS = ['<script>window.__xss=1</script>', '"><img src=x onerror="window.__xss=1">'];
const LABELS = {front: 'Altarpiece, front', back: 'Altarpiece, back',
                xray: 'Altarpiece, radiograph', chalice: 'Chalice, detail'};
const CGI_PATH = '/cgi-bin/vitrine-search.cgi';

const base = baseArg(process.argv[2], 'node tests/browser/site.mjs http://127.0.0.1:PORT [OUTDIR]');
// One wait; the whole run stays well under 60 s.
const run = new Run({base, outDir: outDirArg(process.argv[3], 'vt-browser-'), timeout: 15000});
const newPage = (allow) => run.newPage(allow);
const finishPage = (page) => run.finishPage(page);
const step = (name, fn) => run.step(name, fn);
const ids = {};                     // fixture name -> asset id, from the home page

/* The search page's answer is in: search.js took the busy class off the body
 * and the status no longer ends with "…" ("Searching…"). */
async function searchDone(page) {
  await page.waitForFunction(() => {
    const status = document.getElementById('search-status');
    return status && !document.body.classList.contains('is-searching') && !/…$/.test(status.textContent);
  });
  return page.evaluate(() => ({
    status: document.getElementById('search-status').textContent,
    error: document.getElementById('search-status').classList.contains('search-status--error'),
    ids: [...document.querySelectorAll('#search-hits .hit__title a')]
      .map((a) => (a.getAttribute('href').match(/assets\/([a-z0-9]+)\.html$/) || [])[1]),
    departments: [...document.querySelectorAll('#facet-groups .facet')]
      .filter((g) => g.querySelector('h3')?.id === 'facet-department')
      .flatMap((g) => [...g.querySelectorAll('.facet__value')].map((v) => v.textContent)),
  }));
}

function name(id) {
  return Object.keys(ids).find((k) => ids[k] === id) || id;
}

function names(list) {
  return list.map(name).join(', ') || '(none)';
}

// One context for the whole run: the favourite set on the asset page must be
// in the same localStorage as the favourites page.
await run.launch({viewport: {width: 1280, height: 900}, locale: 'en-GB'});

await step('home: recent additions and departments, no error', async () => {
  const page = await newPage();
  const response = await page.goto(`${base}/`, {waitUntil: 'networkidle'});
  check(response && response.status() === 200, `GET / answered ${response && response.status()}`);
  const departments = await page.locator('.home-departments .department-list__label').allTextContents();
  check(sameSet(departments, ['Photography', 'X-ray']),
        `the home page's departments are [${departments}], expected Photography and X-ray`);
  const cards = await page.locator('.home-recent .card__link').evaluateAll((links) =>
    links.map((a) => ({label: a.querySelector('.card__label').textContent, href: a.href})));
  for (const [key, label] of Object.entries(LABELS)) {
    const card = cards.find((c) => c.label.startsWith(label));
    check(card, `"${label}" is not among the recent additions: ${JSON.stringify(cards.map((c) => c.label))}`);
    const m = card.href.match(/\/assets\/([a-z0-9]+)\.html$/);
    check(m, `the card of "${label}" links to ${card.href}, not to an asset page`);
    ids[key] = m[1];
  }
  // The hostile title is in a card label, as text.
  check(cards.some((c) => c.label === `${LABELS.front} ${XSS[0]}`),
        'the hostile title is not shown as text in its card');
  await finishPage(page);
});

await step('autocomplete: suggests keywords in use, accents folded, hostile terms as text', async () => {
  const page = await newPage();
  await page.goto(`${base}/`, {waitUntil: 'networkidle'});
  const box = page.locator('#site-search');
  const list = page.locator('#site-search-list');
  const suggestions = async (typed, expected) => {
    await box.fill('');
    await box.focus();
    await box.pressSequentially(typed, {delay: 20});
    await list.locator('.combobox__term', {hasText: expected}).first()
      .waitFor({state: 'visible'})
      .catch(async () => {
        throw new StepFailure(`typing "${typed}" does not suggest "${expected}"; the list shows ` +
                              JSON.stringify(await list.locator('.combobox__term').allTextContents()));
      });
    check(await box.getAttribute('aria-expanded') === 'true', 'the combobox is not marked expanded');
    return list.locator('.combobox__term').allTextContents();
  };
  await suggestions('craq', 'craquelure');
  await suggestions('ront', 'Röntgenaufnahme');        // "Röntgen" typed without the umlaut
  const hostile = await suggestions('<scr', XSS[0]);
  check(hostile.includes(XSS[0]), `the hostile keyword is not shown as text: ${JSON.stringify(hostile)}`);
  // Down then Enter takes the suggestion and searches for it.
  await suggestions('craq', 'craquelure');
  await box.press('ArrowDown');
  await Promise.all([page.waitForURL(/\/search\.html\?q=craquelure$/), box.press('Enter')]).catch(() => {
    throw new StepFailure(`Down and Enter on the suggestion did not search for it (at ${page.url()})`);
  });
  await searchDone(page);
  await finishPage(page);
});

await step('search: a word finds its images through the CGI', async () => {
  const page = await newPage();
  await page.goto(`${base}/`, {waitUntil: 'networkidle'});
  await page.locator('#site-search').fill('craquelure');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(base + CGI_PATH + '?')),
    page.locator('.search-box button[type=submit]').click(),
  ]);
  check(answer.status() === 200, `the CGI answered ${answer.status()}`);
  check(new URL(answer.url()).searchParams.get('q') === 'craquelure',
        `the CGI was asked ${answer.url()}`);
  const r = await searchDone(page);
  check(!r.error, `the search page shows an error: ${r.status}`);
  check(sameSet(r.ids, [ids.front, ids.back, ids.xray]),
        `"craquelure" finds [${names(r.ids)}], expected the front, back and radiograph`);
  check(/^3 images match “craquelure”/.test(r.status), `status: "${r.status}"`);
  check(sameSet(r.departments, ['Photography', 'X-ray']),
        `department facet shows [${r.departments}], expected Photography and X-ray`);
  await finishPage(page);
});

await step('search: sort control, a friendly syntax error, Browse all on a phone (issue 12)', async () => {
  // q=AND is a bad request (400) on purpose: that answer is allowed.
  const page = await newPage([(p) => /\b400\b/.test(p.text) &&
                                      (p.url.includes('q=AND') || p.kind === 'console error')]);
  await page.goto(`${base}/search.html?q=craquelure`, {waitUntil: 'networkidle'});
  await searchDone(page);
  const where = await page.locator('#search-hits .hit__where').allTextContents();
  check(where.length === 3 && where.every((w) => /^(Photography|X-ray)( · Intervention \S+)?$/.test(w)),
        `the hits do not say their department: ${JSON.stringify(where)}`);
  const select = page.locator('#search-sort-by');
  check(await select.isVisible(), 'no visible sort control');
  check(await page.locator('label[for=search-sort-by]').textContent() === 'Sort by', 'the sort control has no label');
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(base + CGI_PATH + '?')),
    select.selectOption('-year'),
  ]);
  check(new URL(answer.url()).searchParams.get('sort') === '-year', `the CGI was asked ${answer.url()}`);
  check(/[?&]sort=-year(&|$)/.test(page.url()), `the page's address has no sort: ${page.url()}`);
  const sorted = await searchDone(page);
  check(!sorted.error && sorted.ids.length === 3, `sorted newest first: ${sorted.status}`);
  check(await select.inputValue() === '-year', 'the sort control does not show the order in use');
  // Title (A to Z): the order of the labels shown, whatever their case and accents.
  const [byTitle] = await Promise.all([
    page.waitForResponse((r) => r.url().startsWith(base + CGI_PATH + '?')),
    select.selectOption('title'),
  ]);
  check(new URL(byTitle.url()).searchParams.get('sort') === 'title', `the CGI was asked ${byTitle.url()}`);
  const titled = await searchDone(page);
  const labels = await page.locator('#search-hits .hit__title a').allTextContents();
  const folded = labels.map((l) => l.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase());
  check(!titled.error && labels.length === 3 && folded.every((l, i) => i === 0 || folded[i - 1] <= l),
        `sorted by title: ${JSON.stringify(labels)} (${titled.status})`);
  check(await select.inputValue() === 'title', 'the sort control does not show the title order');
  await page.goto(`${base}/search.html?q=AND`, {waitUntil: 'networkidle'});
  const bad = await searchDone(page);
  check(/This search cannot be read.*For example: vernis OR varnish/.test(bad.status),
        `q=AND shows "${bad.status}"`);
  await page.setViewportSize({width: 360, height: 740});
  await page.goto(`${base}/`, {waitUntil: 'networkidle'});
  check(await page.locator('.site-nav a', {hasText: 'Browse all'}).isVisible(),
        '"Browse all" is hidden on a 360 px wide screen');
  await page.setViewportSize({width: 1280, height: 900});
  await finishPage(page);
});

await step('search: a facet value refines the results', async () => {
  const page = await newPage();
  await page.goto(`${base}/search.html?q=craquelure`, {waitUntil: 'networkidle'});
  const before = await searchDone(page);
  const facet = page.locator('#facet-department .facet__link, section.facet:has(#facet-department) .facet__link',
                             {hasText: 'X-ray'}).first();
  check(await facet.isVisible(), 'no visible "X-ray" value in the department facet');
  const count = (await facet.locator('.facet__count').textContent()).trim();
  check(count === '1', `the X-ray facet counts ${count}, expected 1`);
  await Promise.all([page.waitForURL(/[?&]f=department%3Axray(&|$)/), facet.click()]).catch(() => {
    throw new StepFailure(`clicking the X-ray facet did not lead to ?...&f=department:xray (at ${page.url()})`);
  });
  const after = await searchDone(page);
  check(after.ids.length !== before.ids.length,
        `the count did not change: ${before.ids.length} hits before and after`);
  check(sameSet(after.ids, [ids.xray]), `refined to X-ray, the hits are [${names(after.ids)}]`);
  check(/^1 image matches “craquelure”/.test(after.status), `status after the facet: "${after.status}"`);
  const chip = await page.locator('#search-filters .chip').allTextContents();
  check(chip.length === 1 && chip[0].includes('Department: X-ray'), `active filters: ${JSON.stringify(chip)}`);
  // Facet values are counted normalised but shown as written.
  const keywords = await page.locator('section.facet:has(#facet-keywords) .facet__value').allTextContents();
  check(keywords.includes('Röntgenaufnahme') && !keywords.includes('röntgenaufnahme'),
        `the keywords facet shows ${JSON.stringify(keywords)}, expected "Röntgenaufnahme" as written`);
  await finishPage(page);
});

await step(`search: intervention ${INTERVENTION} lists images of both departments`, async () => {
  const page = await newPage();
  await page.goto(`${base}/search.html?q=${INTERVENTION}`, {waitUntil: 'networkidle'});
  const r = await searchDone(page);
  check(sameSet(r.ids, [ids.front, ids.back, ids.xray]),
        `"${INTERVENTION}" finds [${names(r.ids)}], expected the front, back and radiograph`);
  check(sameSet(r.departments, ['Photography', 'X-ray']),
        `department facet shows [${r.departments}], expected Photography and X-ray`);
  await finishPage(page);
});

await step('asset page: tiles load, hostile metadata is text, favourite toggle', async () => {
  const page = await newPage();
  const tile = new RegExp(`/images/${ids.front}/(?!full/)[^/]+/[^/]+/0/default\\.jpg$`);
  // Waits made before the page loads settle as true/false: a rejection left
  // for later would end the run before the step could report it.
  const tileLoaded = page.waitForResponse((r) => tile.test(new URL(r.url()).pathname) && r.status() === 200)
    .then(() => true, () => false);
  await page.goto(`${base}/assets/${ids.front}.html`);
  check(await tileLoaded, `no tile /images/${ids.front}/<region>/<size>/0/default.jpg answered 200 ` +
                          `(viewer status: "${await page.locator('.viewer__status').textContent()}")`);
  await page.locator('#viewer.is-open').waitFor({state: 'attached'});
  await page.waitForLoadState('networkidle');
  check(await page.evaluate(() => typeof window.__xss) === 'undefined',
        'window.__xss is set: a hostile value ran as code');
  const status = (await page.locator('.viewer__status').textContent()).trim();
  check(status === '', `the viewer says: "${status}"`);
  const text = await page.evaluate(() => document.body.textContent);
  for (const s of XSS)
    check(text.includes(s), `the page does not show ${s} as text`);
  const title = await page.locator('#asset-title').textContent();
  check(title === `${LABELS.front} ${XSS[0]}`, `the title is "${title}"`);
  const keywords = await page.locator('.metadata-group--custom .field--keywords dd').allTextContents();
  check(XSS.every((s) => keywords.includes(s)) && keywords.includes('vernisafname'),
        `keywords shown: ${JSON.stringify(keywords)}`);
  check(await page.locator('img[src="x"], .metadata script').count() === 0,
        'a hostile value became an element');

  const toggle = page.locator('.favourite-toggle');
  await toggle.waitFor({state: 'visible'});
  check(await toggle.getAttribute('aria-pressed') === 'false', 'the favourite toggle starts pressed');
  await toggle.click();
  check(await toggle.getAttribute('aria-pressed') === 'true', 'the favourite toggle is not pressed after a click');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('vitrine.favourites') || '[]'));
  check(Array.isArray(stored) && stored.length === 1 && stored[0].id === ids.front,
        `localStorage holds ${JSON.stringify(stored)}`);
  await finishPage(page);
});

await step('favourites page lists the favourite after a reload', async () => {
  const page = await newPage();
  await page.goto(`${base}/favourites.html`, {waitUntil: 'networkidle'});
  await page.reload({waitUntil: 'networkidle'});
  const cards = await page.locator('#favourites-list .card__link').evaluateAll((links) =>
    links.map((a) => ({label: a.querySelector('.card__label').textContent, href: a.href})));
  check(cards.length === 1, `the favourites page lists ${cards.length} images: ${JSON.stringify(cards)}`);
  check(cards[0].href === `${base}/assets/${ids.front}.html`, `the favourite links to ${cards[0].href}`);
  check(cards[0].label === `${LABELS.front} ${XSS[0]}`, `the favourite's label is "${cards[0].label}"`);
  const status = await page.locator('#favourites-status').textContent();
  check(status === '1 favourite.', `favourites status: "${status}"`);
  await finishPage(page);
});

await step(`intervention page ${INTERVENTION}: images of both departments`, async () => {
  const page = await newPage();
  await page.goto(`${base}/interventions/${INTERVENTION}.html`, {waitUntil: 'networkidle'});
  const groups = await page.locator('section.group').evaluateAll((sections) => sections.map((s) => ({
    department: s.querySelector('h2').textContent.trim(),
    ids: [...s.querySelectorAll('.card__link')].map((a) => (a.href.match(/assets\/([a-z0-9]+)\.html$/) || [])[1]),
  })));
  const photo = groups.find((g) => g.department === 'Photography');
  const xray = groups.find((g) => g.department === 'X-ray');
  check(photo && xray, `groups on the page: ${JSON.stringify(groups.map((g) => g.department))}`);
  check(sameSet(photo.ids, [ids.front, ids.back]), `Photography lists [${names(photo.ids)}]`);
  check(sameSet(xray.ids, [ids.xray]), `X-ray lists [${names(xray.ids)}]`);
  check(!groups.some((g) => g.ids.includes(ids.chalice)), 'the page lists an image of another intervention');
  await finishPage(page);
});

/* Mirador on static/mirador.html?manifest=...: the window shows @label and
 * OpenSeadragon's canvas with a tile of @tileId drawn from /images/. */
async function mirador(manifest, label, tileId) {
  const page = await newPage([({kind, text}) => kind === 'console error' && text.includes(MIRADOR_KNOWN_ERROR)]);
  let known = 0;
  page.on('console', (msg) => {
    if (msg.type() === 'error' && msg.text().includes(MIRADOR_KNOWN_ERROR))
      known++;
  });
  // A tile of OpenSeadragon's canvas (a region), not a sidebar thumbnail (full/).
  const tile = new RegExp(`/images/${tileId}/(?!full/)[^/]+/[^/]+/0/default\\.jpg$`);
  const tileLoaded = page.waitForResponse((r) => tile.test(new URL(r.url()).pathname) && r.status() === 200)
    .then(() => true, () => false);
  await page.goto(`${base}/static/mirador.html?manifest=${encodeURIComponent(manifest)}`);
  const title = page.locator('.mirador-window-top-bar h2');
  await title.filter({hasText: label}).first().waitFor().catch(async () => {
    throw new StepFailure(`Mirador's window title is not "${label}": ` +
                          `${JSON.stringify(await title.allTextContents())}; page status: ` +
                          `"${await page.locator('#mirador-status').textContent()}"`);
  });
  await page.locator('.mirador-osd-container canvas').first().waitFor({state: 'attached'});
  check(await tileLoaded, `Mirador loaded no image of ${tileId} from /images/`);
  await page.waitForLoadState('networkidle');
  check(known <= 1, `Mirador logged "${MIRADOR_KNOWN_ERROR}" ${known} times, expected at most once`);
  return page;
}

await step('Mirador opens the asset manifest', async () => {
  const page = await mirador(`../iiif/${ids.front}/manifest.json`, `${LABELS.front} ${XSS[0]}`, ids.front);
  await finishPage(page);
});

await step('Mirador opens the intervention manifest', async () => {
  const page = await mirador(`../iiif/intervention/${INTERVENTION}/manifest.json`,
                             `Intervention ${INTERVENTION}`, '[a-z0-9]+');
  await finishPage(page);
});

await step('search page with the CGI unreachable: a clear message, no exception', async () => {
  // The aborted request (and Chromium's console line about it) is the point
  // of this step; anything else is still a problem.
  const page = await newPage([({url}) => url.startsWith(base + CGI_PATH)]);
  let asked = 0;
  await page.route((url) => url.pathname === CGI_PATH, (route) => {
    asked++;
    return route.abort('connectionrefused');
  });
  await page.goto(`${base}/search.html?q=craquelure`, {waitUntil: 'networkidle'});
  const r = await searchDone(page);
  check(asked >= 1, 'the search page never asked the CGI');
  check(r.error, `the status is not marked as an error: "${r.status}"`);
  check(/cannot be reached/.test(r.status), `the message is not clear: "${r.status}"`);
  check(r.ids.length === 0, 'hits are shown although the CGI is unreachable');
  await finishPage(page);
});

await run.close();
