// tests/browser/i18n.mjs: the site in several languages (issue 12), in
// headless Chromium, on a site generated with [site] languages=nl,fr,en,de.
// A visitor on the Dutch page of an asset switches to French with the
// keyboard (the language switch is a list of links) and lands on the same
// asset, in French; then to English. A hit of the French search page leads
// to the French page of its asset, and the search script speaks French; its
// snippets are French (a match only in another language is marked), and a
// synonym group is one keywords entry, labelled in the page's language.
// axe-core finds no serious or critical
// violation on home, search, asset, intervention and favourites in each
// language. Run by tests/blackbox/t74-languages-browser.sh:
//   VT_ASSET=ID VT_INTERVENTION=N node tests/browser/i18n.mjs http://127.0.0.1:PORT [OUTDIR]
import { Run, check, baseArg, outDirArg, axe } from './harness.mjs';

const base = baseArg(process.argv[2],
                     'VT_ASSET=ID VT_INTERVENTION=N node tests/browser/i18n.mjs http://127.0.0.1:PORT [OUTDIR]');
const asset = process.env.VT_ASSET || '';
const intervention = process.env.VT_INTERVENTION || '';
if (!/^[a-z0-9]+$/.test(asset) || !/^[0-9.]+$/.test(intervention)) {
  console.error('VT_ASSET and VT_INTERVENTION are needed');
  process.exit(2);
}
const LANGS = {nl: 'Over dit beeld', fr: 'À propos de cette image', en: 'About this image',
               de: 'Über dieses Bild'};
const run = new Run({base, outDir: outDirArg(process.argv[3], 'vt-i18n-'), timeout: 20000});
await run.launch({viewport: {width: 1280, height: 900}});

/* The page's language, its asset (the favourite toggle's id) and its
 * "About this image" heading. */
async function assetPage(page) {
  return page.evaluate(() => ({
    lang: document.documentElement.lang,
    id: document.querySelector('.favourite-toggle')?.dataset.id,
    about: document.getElementById('about-title')?.textContent,
    current: document.querySelector('.language-switch [aria-current="page"]')?.getAttribute('hreflang'),
  }));
}

/* Tabs from the top of the page to the switch's link to @lang and presses
 * Enter there: the switch works with the keyboard alone. */
async function switchByKeyboard(page, lang) {
  await page.keyboard.press('Tab');   // the skip link first
  for (let i = 0; i < 40; i++) {
    const at = await page.evaluate(() => {
      const a = document.activeElement;
      return a && a.closest('.language-switch') ? a.getAttribute('hreflang') : null;
    });
    if (at === lang) {
      await Promise.all([page.waitForURL(`**/${lang}/assets/${asset}.html`), page.keyboard.press('Enter')]);
      return;
    }
    await page.keyboard.press('Tab');
  }
  check(false, `no link to ${lang} in the language switch within 40 tabs`);
}

await run.step('the language switch keeps the visitor on the same asset', async () => {
  const page = await run.newPage();
  await page.goto(`${base}/nl/assets/${asset}.html`);
  let seen = await assetPage(page);
  check(seen.lang === 'nl' && seen.id === asset && seen.about === LANGS.nl && seen.current === 'nl',
        `the Dutch page: ${JSON.stringify(seen)}`);
  await switchByKeyboard(page, 'fr');
  seen = await assetPage(page);
  check(seen.lang === 'fr' && seen.id === asset && seen.about === LANGS.fr && seen.current === 'fr',
        `after choosing Français: ${JSON.stringify(seen)}`);
  await switchByKeyboard(page, 'en');
  seen = await assetPage(page);
  check(seen.lang === 'en' && seen.id === asset && seen.about === LANGS.en && seen.current === 'en',
        `after choosing English: ${JSON.stringify(seen)}`);
  // Its hreflang alternates name the same asset in every language.
  const alternates = await page.evaluate(() => [...document.querySelectorAll('link[rel="alternate"][hreflang]')]
    .map((l) => l.hreflang + ' ' + new URL(l.href).pathname));
  check(alternates.join(',') === Object.keys(LANGS).map((l) => `${l} /${l}/assets/${asset}.html`).join(','),
        `hreflang alternates: ${alternates}`);
  await run.finishPage(page);
});

await run.step('dates are written in the page\'s language', async () => {
  const months = {
    nl: /januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december/,
    fr: /janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre/,
    en: /January|February|March|April|May|June|July|August|September|October|November|December/,
  };
  const page = await run.newPage();
  for (const lang of ['nl', 'fr', 'en']) {
    await page.goto(`${base}/${lang}/assets/${asset}.html`);
    const when = await page.locator('time.date').first().textContent();
    check(months[lang].test(when) && !Object.keys(months).some((l) => l !== lang && months[l].test(when)),
          `the ${lang} asset page's date reads "${when}"`);
  }
  await run.finishPage(page);
});

await run.step('a search hit leads to the asset page in the search page\'s language', async () => {
  const page = await run.newPage();
  await page.goto(`${base}/fr/search.html?q=panel`);
  const link = page.locator('#search-hits a[href*="/assets/"]').first();
  await link.waitFor();
  const href = await link.evaluate((a) => new URL(a.href).pathname);
  check(href === `/fr/assets/${asset}.html`, `the hit links to ${href}`);
  // Its title is the French one (the CGI's hit.labels), not the site's English label.
  const title = await page.locator('#search-hits .hit__title a').first().textContent();
  check(title === 'Panneau, face', `the French search shows the hit as "${title}"`);
  // The script's own text is French too (static/search.js reads V.t).
  const status = await page.locator('#search-status').textContent();
  check(status === '1 image correspond à « panel ».', `the French search says: ${status}`);
  const facet = await page.locator('#facet-groups h3').first().textContent();
  check(facet === 'Département', `the first facet is called ${facet}`);
  await run.finishPage(page);
});

await run.step('a search shows snippets and synonym groups in the page\'s language', async () => {
  const page = await run.newPage();
  await page.goto(`${base}/fr/search.html?q=vernis`);
  const snippet = page.locator('#search-hits .hit__snippet').first();
  await snippet.waitFor();
  // The French texts only (the CGI's hl=fr), not a run of three languages.
  const text = await snippet.textContent();
  check(text.includes('Vernis jauni') && !/Vergeelde|Yellowed/.test(text), `the French snippet: ${text}`);
  check(await snippet.getAttribute('lang') === null, 'the French snippet is marked as another language');
  // vernis (nl) and varnish (en) are one keywords entry, labelled in French.
  const keywords = () => page.locator('section[aria-labelledby="facet-keywords"] .facet__value')
    .allTextContents().then((all) => all.join('|'));
  let shown = await keywords();
  check(shown === 'vernis', `the French keywords facet shows ${shown}`);
  await page.goto(`${base}/en/search.html?q=vernis`);
  await page.locator('#search-hits .hit__snippet').first().waitFor();
  shown = await keywords();
  check(shown === 'varnish', `the English keywords facet shows ${shown}`);
  // A match only in the French texts: the English page shows it, marked.
  await page.goto(`${base}/en/search.html?q=jauni`);
  const marked = page.locator('#search-hits .hit__snippet').first();
  await marked.waitFor();
  check(await marked.getAttribute('lang') === 'fr', 'the French snippet on the English page has no lang="fr"');
  const mark = await marked.locator('.hit__lang').textContent();
  const whole = await marked.textContent();
  check(mark === 'fr' && whole.includes('jauni'), `the English page's snippet: ${whole}`);
  await run.finishPage(page);
});

const pages = {
  home: 'index.html',
  search: 'search.html?q=panel',
  asset: `assets/${asset}.html`,
  intervention: `interventions/${intervention}.html`,
  favourites: 'favourites.html',
};
for (const lang of Object.keys(LANGS)) {
  await run.step(`axe-core: no serious or critical violation in ${lang}`, async () => {
    for (const [what, path] of Object.entries(pages)) {
      const page = await run.newPage();
      await page.goto(`${base}/${lang}/${path}`);
      check(await page.evaluate(() => document.documentElement.lang) === lang,
            `${lang}/${path} is not lang=${lang}`);
      if (what === 'search')   // the results are in (or the search said why not)
        await page.waitForFunction(() => !/…$/.test(document.getElementById('search-status')?.textContent || '…'));
      if (what === 'asset')
        await page.waitForSelector('.viewer-controls:not([hidden])');
      if (what === 'favourites' && lang === 'fr') {   // favourites.js's text, in French
        const status = page.locator('#favourites-status');
        await page.waitForFunction(() => document.getElementById('favourites-status').textContent !== '');
        const text = await status.textContent();
        check(text.startsWith('Vous n\'avez pas encore de favoris.'), `the French favourites say: ${text}`);
      }
      await axe(page, `${lang}/${path}`);
      await run.finishPage(page);
    }
  });
}
await run.close();
